import { useCallback, useEffect, useState } from "react";

import {
  conflictList,
  onConflictChanged,
  onSyncStatus,
  syncStatus,
  type Conflict,
  type SyncStatus,
} from "../heycat";
import { useTable, type TableState } from "./useTable";

/** What waits to sync, kept current by `sync:status` events. */
export function useSync(): SyncStatus | null {
  const [status, setStatus] = useState<SyncStatus | null>(null);
  useEffect(() => {
    let live = true;
    const stop = onSyncStatus((next) => live && setStatus(next));
    stop
      .then(() => syncStatus())
      .then((current) => live && setStatus((seen) => seen ?? current))
      .catch(() => undefined);
    return () => {
      live = false;
      void stop.then((unlisten) => unlisten());
    };
  }, []);
  return status;
}

/** Whether the row with this key has writes waiting to sync. */
export function isPending(status: SyncStatus | null, table: string, id: string): boolean {
  return status?.pendingKeys[table]?.includes(JSON.stringify(id)) ?? false;
}

const byId = (conflict: Conflict) => conflict.id;

/** This client's conflicts, kept current by `conflict:changed` events. */
export function useConflicts(revision: unknown): TableState<Conflict> {
  const list = useCallback(() => conflictList(), []);
  return useTable(list, onConflictChanged, byId, revision);
}
