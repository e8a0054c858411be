import { useEffect, useState } from "react";

import { connectionRetry, connectionStatus, onConnectionStatus, type ConnectionStatus } from "../heycat";

/** The backend's connection status, kept current by its `connection:status` events. */
export function useConnection(): { status: ConnectionStatus | null; retry: () => Promise<void> } {
  const [status, setStatus] = useState<ConnectionStatus | null>(null);
  useEffect(() => {
    let live = true;
    const stop = onConnectionStatus((next) => live && setStatus(next));
    // Ask only once listening, so no change can fall between the answer and the first event.
    stop
      .then(() => connectionStatus())
      .then((current) => live && setStatus((seen) => seen ?? current))
      .catch(() => undefined);
    return () => {
      live = false;
      void stop.then((unlisten) => unlisten());
    };
  }, []);
  return { status, retry: connectionRetry };
}
