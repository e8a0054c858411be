import { useState, type FormEvent } from "react";

import * as db from "../heycat";

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
      <Devices />
    </section>
  );
}

/** Invites another device of the user: a one-time code to type on it. */
function Devices() {
  const [invitation, setInvitation] = useState<db.DeviceInvitation | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const invite = async () => {
    try {
      setInvitation(await db.deviceInvite());
      setProblem(null);
    } catch (e) {
      setInvitation(null);
      setProblem(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <section aria-label="Your devices">
      <h3>Your devices</h3>
      <button type="button" onClick={invite}>
        Add another device…
      </button>
      {invitation && (
        <p className="invitation" role="status">
          On the other device, enter <code>{invitation.code}</code> within {Math.round(invitation.expiresInSecs / 60)}{" "}
          minutes. It works once.
        </p>
      )}
      {problem && (
        <p className="problem" role="alert">
          {problem}
        </p>
      )}
    </section>
  );
}
