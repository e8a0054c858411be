import { useCallback, useEffect, useState } from "react";

import { onStorageWarning, storageUsage, type StorageUsage } from "../heycat";

export interface StorageState {
  usage: StorageUsage | null;
  /** Measures again (after freeing space or changing the limit). */
  refresh: () => Promise<void>;
}

/** What the app keeps on this device, measured on each (re)connect and kept current by the
 * `storage:warning` event. */
export function useStorage(revision: unknown): StorageState {
  const [usage, setUsage] = useState<StorageUsage | null>(null);
  const refresh = useCallback(async () => {
    try {
      setUsage(await storageUsage());
    } catch {
      // Measuring needs no server, so this only fails while the backend is starting.
    }
  }, []);
  useEffect(() => {
    let live = true;
    const stop = onStorageWarning((next) => live && setUsage(next));
    void stop.then(() => {
      if (live) return refresh();
    });
    return () => {
      live = false;
      void stop.then((unlisten) => unlisten());
    };
  }, [refresh, revision]);
  return { usage, refresh };
}
