import type { SyncStatus } from "../heycat";
import { FORM_WORDS } from "./tables";
import { inWords } from "./wording";

/** Writes waiting to sync, syncing progress, and what was damaged in the device's files. */
export function SyncBanner({ status }: { status: Pick<SyncStatus, "pending" | "syncing" | "damaged" | "rejected"> | null }) {
  if (status === null) return null;
  const { pending, syncing, damaged, rejected } = status;
  if (pending === 0 && !damaged && rejected.length === 0) return null;
  return (
    <div className="banner banner-info" role="status" aria-label="Sync">
      {syncing ? (
        <span>
          Syncing {syncing[0]} of {syncing[1]} changes…
        </span>
      ) : (
        pending > 0 && (
          <span>
            {pending} {pending === 1 ? "change is" : "changes are"} saved on this device and will sync when the database
            is reachable.
          </span>
        )
      )}
      {damaged && (
        <p className="problem">
          Some of this device's data files were damaged; everything readable in them is kept: {damaged}
        </p>
      )}
      {rejected.length > 0 && (
        <div className="problem">
          <p>The server refused {rejected.length === 1 ? "a change" : "some changes"} made offline:</p>
          <ul>
            {rejected.map((r) => {
              const words = FORM_WORDS[r.table];
              return <li key={r.opId}>{words ? inWords(r, words) : `${r.table}: ${r.message}`}</li>;
            })}
          </ul>
        </div>
      )}
    </div>
  );
}
