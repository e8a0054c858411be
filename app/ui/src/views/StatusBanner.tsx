import type { ConnectionStatus, FailureKind } from "../heycat";

const HEADLINES: Record<FailureKind, string> = {
  serverUnreachable: "The database server cannot be reached.",
  serverNotStarted: "The local database server did not start.",
  moduleMissing: "The server has no heycat database.",
  versionMismatch: "The server runs another version of heycat's data.",
  publishFailed: "heycat's data module could not be installed on the server.",
  migrationFailed: "Updating heycat's data to this version failed; it is unchanged.",
  other: "Connecting to the database failed.",
};

/** What the connection is doing, in words, with a Retry button when it is not connected. */
export function StatusBanner({ status, onRetry }: { status: ConnectionStatus | null; onRetry: () => void }) {
  if (status === null || status.state === "connecting") {
    const at = status?.server ? ` at ${status.server}` : "";
    if (status?.lastFailure) {
      // Retrying after a lost connection or a failed try: say why, as long as it lasts.
      return (
        <div className="banner banner-error" role="status">
          <strong>Reconnecting to the database{at}…</strong> <span className="detail">Last try: {status.lastFailure}.</span>
        </div>
      );
    }
    return (
      <div className="banner banner-info" role="status">
        Connecting to the database{at}…
      </div>
    );
  }
  if (status.state === "connected") {
    return (
      <div className="banner banner-ok" role="status">
        Connected to {status.server}
      </div>
    );
  }
  const headline = status.state === "offline" ? "The connection to the database was lost." : HEADLINES[status.kind];
  return (
    <div className="banner banner-error" role="alert">
      <strong>{headline}</strong> <span className="detail">{status.message}</span>{" "}
      <span className="detail">Retrying in {Math.ceil(status.retryInMs / 1000)} s.</span>{" "}
      <button type="button" onClick={onRetry}>
        Retry now
      </button>
    </div>
  );
}
