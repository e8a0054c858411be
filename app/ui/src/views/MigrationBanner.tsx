import { useMigrationStatus } from "../heycat";

const STEPS: Record<string, string> = {
  backup: "backing up your data",
  publish: "installing the new version",
  import: "bringing your data over",
  verify: "checking every row arrived",
  restore: "putting the old version back",
};

/** A migration of the database on start: its progress, its end, or what failed. */
export function MigrationBanner() {
  const status = useMigrationStatus();
  if (status === null) return null;
  const versions = `from version ${status.from} to ${status.to}`;
  switch (status.state) {
    case "running":
      return (
        <div className="banner banner-info" role="status" aria-label="Migration">
          Updating your data {versions}: {STEPS[status.step] ?? status.step}…
        </div>
      );
    case "done":
      return (
        <div className="banner banner-ok" role="status" aria-label="Migration">
          Your data was updated {versions}.{status.backup && ` A backup of the old data is kept at ${status.backup}.`}
        </div>
      );
    case "failed":
      return (
        <div className="banner banner-error" role="alert" aria-label="Migration">
          <strong>Updating your data {versions} failed.</strong> {status.message}{" "}
          {status.restored && "Your data is as it was; Retry tries again."}
        </div>
      );
  }
}
