import { useState } from "react";

import { conflictResolve, type Conflict, type ListState } from "../heycat";

const SKIP = new Set(["rowVersion", "id", "createdAt"]);

function text(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "object") return JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v));
  return String(value);
}

/** The fields of a row to compare: every field of either version but bookkeeping. */
function fields(conflict: Conflict): string[] {
  const names = new Set([...Object.keys(conflict.mine ?? {}), ...Object.keys(conflict.theirs ?? {})]);
  return [...names].filter((n) => !SKIP.has(n));
}

/** Conflicts side by side: your version and the server's, with the three ways to settle each. */
export function ConflictsView({ conflicts }: { conflicts: ListState<Conflict> }) {
  if (conflicts.rows.length === 0) return null;
  return (
    <section aria-label="Conflicts" className="conflicts">
      <h2>Conflicts</h2>
      <p>These changes of yours were made to rows that changed elsewhere meanwhile. Choose what to keep.</p>
      {conflicts.rows.map((conflict) => (
        <ConflictCard key={conflict.id} conflict={conflict} />
      ))}
    </section>
  );
}

function ConflictCard({ conflict }: { conflict: Conflict }) {
  const [merging, setMerging] = useState<Record<string, string> | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const settle = async (resolution: Parameters<typeof conflictResolve>[1]) => {
    try {
      await conflictResolve(conflict, resolution);
    } catch (e) {
      setProblem(e instanceof Error ? e.message : String(e));
    }
  };
  const names = fields(conflict);
  const mine = (conflict.mine ?? {}) as unknown as Record<string, unknown>;
  const theirs = (conflict.theirs ?? {}) as unknown as Record<string, unknown>;
  const startMerge = () =>
    setMerging(Object.fromEntries(names.map((n) => [n, typeof mine[n] === "string" ? (mine[n] as string) : text(mine[n])])));
  const merge = () => {
    const base = (conflict.mine ?? conflict.theirs) as unknown as Record<string, unknown>;
    const row: Record<string, unknown> = { ...base };
    for (const n of names) {
      if (typeof base[n] === "string") row[n] = merging?.[n] ?? base[n];
    }
    void settle({ choice: "merge", row: row as never });
  };
  return (
    <article aria-label={`Conflict on ${conflict.table} ${conflict.key}`} className="conflict">
      <h3>
        {conflict.table} {conflict.key}: you {conflict.operation === "delete" ? "deleted it" : "edited it"}, it changed on
        the server {conflict.theirs === null ? "(deleted there)" : ""}
      </h3>
      <table>
        <thead>
          <tr>
            <th>Field</th>
            <th>Yours</th>
            <th>Server's</th>
          </tr>
        </thead>
        <tbody>
          {names.map((n) => (
            <tr key={n} className={text(mine[n]) === text(theirs[n]) ? "" : "differs"}>
              <td>{n}</td>
              <td>{conflict.mine === null ? "(deleted)" : text(mine[n])}</td>
              <td>{conflict.theirs === null ? "(deleted)" : text(theirs[n])}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {merging && (
        <div className="merge">
          {names
            .filter((n) => typeof (conflict.mine ?? conflict.theirs ?? {})[n as never] === "string")
            .map((n) => (
              <label key={n} className="field">
                <span>{n}</span>
                <input value={merging[n]} onChange={(e) => setMerging({ ...merging, [n]: e.target.value })} />
              </label>
            ))}
          <button type="button" onClick={merge}>
            Save merge
          </button>
        </div>
      )}
      {problem && (
        <p className="problem" role="alert">
          {problem}
        </p>
      )}
      <button type="button" onClick={() => void settle({ choice: "keepMine" })}>
        Keep mine
      </button>
      <button type="button" onClick={() => void settle({ choice: "keepTheirs" })}>
        Keep the server's
      </button>
      {conflict.mine !== null && conflict.theirs !== null && !merging && (
        <button type="button" onClick={startMerge}>
          Merge…
        </button>
      )}
    </article>
  );
}
