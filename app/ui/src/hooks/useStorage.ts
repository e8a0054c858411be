import { useCallback, useEffect, useState } from "react";
import { listen } from "@tauri-apps/api/event";

import { EVENTS, onStorageWarning, onSyncStatus, storageUsage, type StorageUsage } from "../heycat";

/** How long a burst of changes is gathered before measuring again. */
const SETTLE_MS = 250;

export interface StorageState {
  usage: StorageUsage | null;
  /** Measures again (after freeing space or changing the limit). */
  refresh: () => Promise<void>;
}

/**
 * What the app keeps on this device: measured on each (re)connect and kept current by the
 * `storage:warning` event. While `live` (the figures are on screen), it is measured again when
 * shown and after every change to a table or to the queue of writes, from this app or another
 * device (a burst of changes is measured once, when it settles): measuring reads every row, so
 * it is not done while nobody looks.
 */
export function useStorage(revision: unknown, live: boolean): StorageState {
  const [usage, setUsage] = useState<StorageUsage | null>(null);
  const refresh = useCallback(async () => {
    try {
      setUsage(await storageUsage());
    } catch {
      // Measuring needs no server, so this only fails while the backend is starting.
    }
  }, []);
  useEffect(() => {
    let active = true;
    const stop = onStorageWarning((next) => active && setUsage(next));
    void stop.then(() => {
      if (active) return refresh();
    });
    return () => {
      active = false;
      void stop.then((unlisten) => unlisten());
    };
  }, [refresh, revision]);
  useEffect(() => {
    if (!live) return;
    let active = true;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const changed = () => {
      if (!active || timer !== null) return;
      timer = setTimeout(() => {
        timer = null;
        if (active) void refresh();
      }, SETTLE_MS);
    };
    const stops = [...EVENTS.map((event) => listen(event, changed)), onSyncStatus(changed)];
    void Promise.all(stops).then(() => {
      if (active) return refresh();
    });
    return () => {
      active = false;
      if (timer !== null) clearTimeout(timer);
      for (const stop of stops) void stop.then((unlisten) => unlisten());
    };
  }, [live, refresh]);
  return { usage, refresh };
}
