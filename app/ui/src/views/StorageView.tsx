import { useState, type FormEvent } from "react";

import * as db from "../heycat";
import type { StorageState } from "../hooks/useStorage";
import { formatBytes, percent } from "./bytes";

const LEVEL_TEXT: Record<db.StorageLevel, string> = {
  ok: "",
  warning: "Nearly at the limit.",
  full: "At the limit: new changes are refused until space is freed.",
};

/** What the app keeps on this device, per table, and the ways to free space: delete old
 * recordings (previewed first), export everything to a file, or raise the limit. */
export function StorageView({ storage }: { storage: StorageState }) {
  const { usage, refresh } = storage;
  const [result, setResult] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  if (usage === null) return <section aria-label="Storage">Measuring…</section>;

  /** Runs an option; shows its result, or what went wrong, and measures again. */
  const run = async (option: () => Promise<string | null>) => {
    try {
      setResult(await option());
      setProblem(null);
    } catch (e) {
      setProblem(e instanceof Error ? e.message : String(e));
    }
    await refresh();
  };

  return (
    <section aria-label="Storage">
      <h2>Storage</h2>
      <p>
        Using {formatBytes(usage.usedBytes)} of {formatBytes(usage.quotaBytes)} (
        {percent(usage.usedBytes, usage.quotaBytes)}%). {LEVEL_TEXT[usage.level]}
      </p>
      <UsageBar label="All data" bytes={usage.usedBytes} of={usage.quotaBytes} />
      <table aria-label="Usage by table">
        <thead>
          <tr>
            <th>Table</th>
            <th>Rows</th>
            <th>Size</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {usage.tables.map((t) => (
            <UsageRow key={t.table} name={t.table} rows={t.rows} bytes={t.bytes} quota={usage.quotaBytes} />
          ))}
          <UsageRow name="changes waiting to sync" bytes={usage.outboxBytes} quota={usage.quotaBytes} />
        </tbody>
      </table>
      <p className="detail">
        Also on disk, not counted against the limit: the database's own files {formatBytes(usage.serverFilesBytes)}, the
        offline copy {formatBytes(usage.snapshotBytes)}, backups from updates {formatBytes(usage.backupBytes)}. The disk
        has {formatBytes(usage.diskFreeBytes)} free of {formatBytes(usage.diskTotalBytes)}
        {usage.diskNearlyFull && " — nearly full: free space on it to keep using heycat"}.
      </p>

      <h3>Free space</h3>
      {result && (
        <p className="banner banner-ok" role="status" aria-label="Storage result">
          {result}
        </p>
      )}
      {problem && (
        <p className="problem" role="alert">
          {problem}
        </p>
      )}
      <DeleteOldRecordings run={run} />
      <ExportData run={run} />
      <RaiseLimit quotaBytes={usage.quotaBytes} run={run} />
    </section>
  );
}

type Run = (option: () => Promise<string | null>) => Promise<void>;

function UsageRow(props: { name: string; rows?: number; bytes: number; quota: number }) {
  return (
    <tr>
      <td>{props.name}</td>
      <td>{props.rows}</td>
      <td>{formatBytes(props.bytes)}</td>
      <td>
        <UsageBar label={props.name} bytes={props.bytes} of={props.quota} />
      </td>
    </tr>
  );
}

function UsageBar({ label, bytes, of }: { label: string; bytes: number; of: number }) {
  return <meter aria-label={`${label} usage`} min={0} max={of} value={bytes} />;
}

function DeleteOldRecordings({ run }: { run: Run }) {
  const [count, setCount] = useState(10);
  const [preview, setPreview] = useState<db.Cleanup | null>(null);

  const showPreview = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const found = await db.storageCleanupPreview(count);
      setPreview(found);
      return found.items.length === 0 ? "There are no recordings to delete." : null;
    });
  };
  const remove = (previewed: db.Cleanup) =>
    run(async () => {
      const before = await db.storageUsage();
      const after = await db.storageCleanup(previewed.table, previewed.items.map((item) => item.key));
      setPreview(null);
      const freed = Math.max(0, before.usedBytes - after.usedBytes);
      return (
        `Deleted ${previewed.items.length} recordings with their transcriptions: freed ${formatBytes(freed)}; ` +
        `now using ${formatBytes(after.usedBytes)} of ${formatBytes(after.quotaBytes)}.`
      );
    });

  return (
    <form onSubmit={showPreview} aria-label="Delete old recordings">
      <h4>Delete old recordings</h4>
      <label className="field">
        <span>How many (oldest first)</span>
        <input type="number" min={1} value={count} onChange={(e) => setCount(Math.max(1, Number(e.target.value)))} />
      </label>
      <button type="submit">Preview</button>
      {preview && preview.items.length > 0 && (
        <div aria-label="Recordings to delete" role="region">
          <ul>
            {preview.items.map(({ row, bytes }) => (
              <li key={row.id}>
                {row.filePath}, {db.timestampToDate(row.createdAt).toLocaleString()}: {formatBytes(bytes)}
              </li>
            ))}
          </ul>
          <p>
            Deleting these {preview.items.length} recordings and their transcriptions frees{" "}
            {formatBytes(preview.freedBytes)}.
          </p>
          <button type="button" onClick={() => void remove(preview)}>
            Delete {preview.items.length} recordings
          </button>
        </div>
      )}
    </form>
  );
}

function ExportData({ run }: { run: Run }) {
  const [path, setPath] = useState("");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const done = await db.storageExport(path.trim() || undefined);
      const rows = Object.values(done.rows).reduce((sum: number, n) => sum + (n ?? 0), 0);
      return `Exported ${rows} rows to ${done.path}.`;
    });
  };
  return (
    <form onSubmit={submit} aria-label="Export data">
      <h4>Export all data to a file (before deleting)</h4>
      <label className="field">
        <span>File (empty: a new file in heycat's data folder)</span>
        <input value={path} onChange={(e) => setPath(e.target.value)} />
      </label>
      <button type="submit">Export</button>
    </form>
  );
}

function RaiseLimit({ quotaBytes, run }: { quotaBytes: number; run: Run }) {
  const current = Math.floor(quotaBytes / (1024 * 1024));
  const [megabytes, setMegabytes] = useState(current * 2);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const settings = await db.settingsGet();
      await db.settingsUpdate({ ...settings, storageQuotaMb: megabytes });
      return `The limit is now ${megabytes} MB.`;
    });
  };
  return (
    <form onSubmit={submit} aria-label="Raise the limit">
      <h4>Change the limit</h4>
      <label className="field">
        <span>Limit in MB (now {current})</span>
        <input type="number" min={1} value={megabytes} onChange={(e) => setMegabytes(Math.max(1, Number(e.target.value)))} />
      </label>
      <button type="submit">Save limit</button>
    </form>
  );
}
