import { useState, type FormEvent } from "react";

import { deviceJoin, type ConnectionStatus, type FailureKind } from "../heycat";

const HEADLINES: Record<FailureKind, string> = {
  serverUnreachable: "The database server cannot be reached.",
  serverNotStarted: "The local database server did not start.",
  moduleMissing: "The server has no heycat database.",
  versionMismatch: "The server runs another version of heycat's data.",
  publishFailed: "heycat's data module could not be installed on the server.",
  migrationFailed: "Updating heycat's data to this version failed; it is unchanged.",
  cannotMigrate: "This device cannot update the shared heycat data to this version.",
  appOutdated: "Your heycat data was updated by a newer version of heycat: update this app.",
  notJoined: "This device has not joined your heycat data on the shared server.",
  other: "Connecting to the database failed.",
};

type Problem = Extract<ConnectionStatus, { state: "offline" | "failed" }>;

/**
 * What the connection is doing, in words, with a Retry button when it is not connected. While a
 * retry is under way the problem that led to it stays shown, as it was: a banner that changed at
 * every retry would move the page under the person's pointer every few seconds.
 */
export function StatusBanner({ status, onRetry }: { status: ConnectionStatus | null; onRetry: () => void }) {
  const [lastProblem, setLastProblem] = useState<Problem | null>(null);
  const problem = status?.state === "offline" || status?.state === "failed" ? status : null;
  if (problem !== null && problem !== lastProblem) setLastProblem(problem);
  if (status?.state === "connected" && lastProblem !== null) setLastProblem(null);

  if (problem !== null) return <ProblemBanner problem={problem} retrying={false} onRetry={onRetry} />;
  if (status === null || status.state === "connecting") {
    const at = status?.server ? ` at ${status.server}` : "";
    if (status?.lastFailure && lastProblem !== null) return <ProblemBanner problem={lastProblem} retrying onRetry={onRetry} />;
    if (status?.lastFailure) {
      // Retrying after a failure this banner did not show (it mounted since): say why.
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
  return (
    <div className="banner banner-ok" role="status">
      Connected to {status.server}
    </div>
  );
}

/** A lost connection or a failed try, with when the next try is (or that it is under way). */
function ProblemBanner({ problem, retrying, onRetry }: { problem: Problem; retrying: boolean; onRetry: () => void }) {
  const headline = problem.state === "offline" ? "The connection to the database was lost." : HEADLINES[problem.kind];
  const next = retrying ? "Retrying now…" : `Retrying in ${Math.ceil(problem.retryInMs / 1000)} s.`;
  return (
    <div className="banner banner-error" role="alert">
      <strong>{headline}</strong> <span className="detail">{sentence(problem.message)}</span>{" "}
      <span className="detail">{next}</span>{" "}
      <button type="button" onClick={onRetry}>
        Retry now
      </button>
      {problem.state === "failed" && problem.detail && (
        <details className="technical">
          <summary>Technical details</summary>
          <pre>{problem.detail}</pre>
        </details>
      )}
      {problem.state === "failed" && problem.kind === "notJoined" && <JoinForm />}
    </div>
  );
}

/** A message as a sentence: with its full stop. */
function sentence(message: string): string {
  return /[.!?]$/.test(message) ? message : `${message}.`;
}

/** Joins this device with an invitation code made on one of the user's devices. */
function JoinForm() {
  const [code, setCode] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const join = async (event: FormEvent) => {
    event.preventDefault();
    try {
      await deviceJoin(code);
      setProblem(null);
    } catch (e) {
      setProblem(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <form className="join" onSubmit={join}>
      <label className="field">
        <span>Invitation code (Settings → Your devices, on a device that has your data)</span>
        <input value={code} onChange={(e) => setCode(e.target.value)} autoComplete="off" spellCheck={false} />
      </label>
      <button type="submit" disabled={code.trim() === ""}>
        Join
      </button>
      {problem && <p className="problem">{problem}</p>}
    </form>
  );
}
