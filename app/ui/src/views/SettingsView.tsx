import { useEffect, useState, type FormEvent } from "react";

import * as db from "../heycat";
import { Devices } from "./DevicesView";
import { items, itemsWere, total } from "./wording";

/** heycat's settings: one row, edited in place, with a reset to defaults. */
export function SettingsView() {
  const stored = db.useSettings();
  // What the form shows: the user's edits since the last save, else the row as stored.
  const [edited, setSettings] = useState<db.Settings | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const settings = edited ?? stored.row;

  if (settings === null) return <section aria-label="Settings">{problem ?? stored.error?.message ?? "Loading settings…"}</section>;

  const save = async (event: FormEvent) => {
    event.preventDefault();
    try {
      await db.settingsUpdate(settings);
      setSettings(null);
      setProblem(null);
    } catch (e) {
      setProblem(e instanceof Error ? e.message : String(e));
    }
  };
  const reset = async () => {
    await db.settingsReset();
    setSettings(null);
  };

  return (
    <section aria-label="Settings">
      <h2>Settings</h2>
      <form onSubmit={save}>
        <label className="field">
          <span>Audio device (empty: system default)</span>
          <input
            value={settings.audioSelectedDevice ?? ""}
            onChange={(e) => setSettings({ ...settings, audioSelectedDevice: e.target.value || null })}
          />
        </label>
        <label className="field">
          <span>Distinguish left and right modifier keys</span>
          <input
            type="checkbox"
            checked={settings.shortcutsDistinguishLeftRight}
            onChange={(e) => setSettings({ ...settings, shortcutsDistinguishLeftRight: e.target.checked })}
          />
        </label>
        <label className="field">
          <span>Recording mode</span>
          <select
            value={settings.shortcutsRecordingMode}
            onChange={(e) => setSettings({ ...settings, shortcutsRecordingMode: e.target.value as db.RecordingMode })}
          >
            {db.RECORDING_MODE_VALUES.map((mode) => (
              <option key={mode}>{mode}</option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Recording shortcut</span>
          <input
            value={settings.hotkeyRecordingShortcut}
            onChange={(e) => setSettings({ ...settings, hotkeyRecordingShortcut: e.target.value })}
          />
        </label>
        <label className="field">
          <span>Storage limit (MB)</span>
          <input
            type="number"
            min={1}
            value={settings.storageQuotaMb}
            onChange={(e) => setSettings({ ...settings, storageQuotaMb: Math.max(1, Number(e.target.value)) })}
          />
        </label>
        {problem && (
          <p className="problem" role="alert">
            {problem}
          </p>
        )}
        <button type="submit">Save</button>
        <button type="button" onClick={reset}>
          Reset to defaults
        </button>
      </form>
      <Sync />
      <Devices />
    </section>
  );
}

/** What each step of setting up sync is called while it runs. */
const SETUP_STEPS: Record<db.SyncSetupStep, string> = {
  check: "Checking the server…",
  identity: "Signing in to it…",
  publish: "Preparing your database there…",
  carry: "Copying this device's data to it…",
  switch: "Switching to it…",
};

/** What became of this device's rows when it joined, in words. */
export function joinedInWords(summary: db.JoinSummary): string {
  const added = total(summary.added);
  const parts = [`${itemsWere(added)} added from this device`];
  if (summary.unchanged > 0) parts.push(`${itemsWere(summary.unchanged)} there already`);
  if (summary.conflicts > 0) parts.push(`${summary.conflicts} ${summary.conflicts === 1 ? "differs" : "differ"}, see Conflicts`);
  return `Joined: ${parts.join("; ")}.`;
}

/**
 * Sync: the address of a server the user runs (or rents) for their devices. On the first
 * device, setting it up copies this device's data there; the other devices join with a code
 * made on one that syncs, bringing what they hold (a device that syncs already, e.g. after
 * another was forgotten, needs the code alone).
 */
function Sync() {
  const [url, setUrl] = useState("");
  const [code, setCode] = useState("");
  const [busy, setBusy] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    const stops = [
      db.onSyncSetup((progress) => setBusy(SETUP_STEPS[progress.step])),
      // Rows offered after a slow join answered.
      db.onDeviceJoined((summary) => setDone(joinedInWords(summary))),
    ];
    return () => {
      for (const stop of stops) void stop.then((unlisten) => unlisten());
    };
  }, []);
  const run = async (event: FormEvent, first: string, work: () => Promise<string>, failed: string) => {
    event.preventDefault();
    setDone(null);
    setProblem(null);
    setBusy(first);
    try {
      setDone(await work());
    } catch (e) {
      setProblem(`${failed}: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      setBusy(null);
    }
  };
  const setUp = (event: FormEvent) =>
    run(
      event,
      SETUP_STEPS.check,
      async () => {
        const summary = await db.syncSetup(url.trim());
        const carried = total(summary.rows);
        return `This device now syncs with ${summary.server}: ${itemsWere(carried)} copied there. Add your other devices below.`;
      },
      "Sync was not set up",
    );
  const join = (event: FormEvent) =>
    run(event, "Joining…", async () => joinedInWords(await db.deviceJoin(code.trim(), url.trim())), "Not joined");
  const stop = (event: FormEvent) =>
    run(
      event,
      "Taking your data from the server…",
      async () => {
        const taken = await db.syncStop();
        return `This device no longer syncs: it keeps ${items(total(taken.rows))} as they were on the server.`;
      },
      "Sync was not stopped",
    );
  return (
    <section aria-label="Sync">
      <h3>Sync</h3>
      <label className="field">
        <span>Sync server address</span>
        <input
          value={url}
          placeholder="https://sync.example.com"
          onChange={(e) => setUrl(e.target.value)}
          disabled={busy !== null}
        />
      </label>
      <form onSubmit={setUp}>
        <button type="submit" disabled={busy !== null || url.trim() === ""}>
          Set up sync
        </button>
      </form>
      <form onSubmit={join}>
        <label className="field">
          <span>Code from your other device</span>
          <input value={code} onChange={(e) => setCode(e.target.value)} disabled={busy !== null} />
        </label>
        <button type="submit" disabled={busy !== null || code.trim() === ""}>
          Join
        </button>
      </form>
      <form onSubmit={stop}>
        <button type="submit" disabled={busy !== null}>
          Stop syncing
        </button>
      </form>
      {busy && <p role="status">{busy}</p>}
      {done && <p role="status">{done}</p>}
      {problem && (
        <p className="problem" role="alert">
          {problem}
        </p>
      )}
    </section>
  );
}
