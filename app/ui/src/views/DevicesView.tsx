import { useCallback, useEffect, useState, type FormEvent } from "react";

import * as db from "../heycat";
import { items, total } from "./wording";

/** "just now", "5 minutes ago", "3 days ago": when a device was last seen. */
export function seenInWords(lastSeenMs: number, now: number = Date.now()): string {
  const minutes = Math.floor((now - lastSeenMs) / 60_000);
  if (minutes < 1) return "just now";
  const [n, unit] = minutes < 60 ? [minutes, "minute"] : minutes < 1440 ? [Math.floor(minutes / 60), "hour"] : [Math.floor(minutes / 1440), "day"];
  return `${n} ${unit}${n === 1 ? "" : "s"} ago`;
}

/** What forgetting a device did, and what the user does on each other device, in words. */
export function forgottenInWords(summary: db.ForgetSummary): string {
  const moved = `${summary.forgotten} is forgotten: your data (${items(total(summary.rows))}) moved where it cannot reach it.`;
  const others = summary.rejoin.map(
    (r) => `On ${r.device.name}, join again with ${r.invitation.code} within ${Math.round(r.invitation.expiresInSecs / 60)} minutes.`,
  );
  return [moved, ...others].join(" ");
}

/**
 * The user's devices: each by its name with when it was last seen, this one renamable; a code
 * to add another; and forgetting a lost one (its keys stop opening the user's data; the other
 * devices join again with the codes shown).
 */
export function Devices() {
  const [devices, setDevices] = useState<db.DeviceInfo[] | null>(null);
  const [name, setName] = useState<string | null>(null);
  const [invitation, setInvitation] = useState<db.DeviceInvitation | null>(null);
  const [forgetting, setForgetting] = useState<db.DeviceInfo | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      setDevices(await db.deviceList());
    } catch {
      // Not syncing (or not connected): there is nothing to list; the buttons say why.
      setDevices(null);
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);
  const act = async (work: () => Promise<void>) => {
    setProblem(null);
    setDone(null);
    try {
      await work();
    } catch (e) {
      setProblem(e instanceof Error ? e.message : String(e));
    }
    await load();
  };
  const invite = () =>
    act(async () => {
      setInvitation(null);
      setInvitation(await db.deviceInvite());
    });
  const rename = (event: FormEvent) => {
    event.preventDefault();
    return act(async () => {
      setName(await db.deviceRename(name ?? ""));
    });
  };
  const forget = (device: db.DeviceInfo) =>
    act(async () => {
      setForgetting(null);
      setDone(`Forgetting ${device.name}…`);
      setDone(forgottenInWords(await db.deviceForget(device.id)));
    });
  const here = devices?.find((d) => d.thisDevice);
  return (
    <section aria-label="Your devices">
      <h3>Your devices</h3>
      {devices && (
        <ul>
          {devices.map((device) => (
            <li key={device.id}>
              {device.name} {device.thisDevice ? "(this device)" : `(last seen ${seenInWords(device.lastSeenMs)})`}
              {!device.thisDevice && forgetting?.id !== device.id && (
                <button type="button" onClick={() => setForgetting(device)}>
                  Forget {device.name}…
                </button>
              )}
              {forgetting?.id === device.id && (
                <span role="group" aria-label={`Forget ${device.name}`}>
                  {device.name} will no longer open your data; your other devices join again with a code.{" "}
                  <button type="button" onClick={() => forget(device)}>
                    Forget {device.name} for good
                  </button>
                  <button type="button" onClick={() => setForgetting(null)}>
                    Keep it
                  </button>
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
      {here && (
        <form onSubmit={rename}>
          <label className="field">
            <span>This device's name</span>
            <input value={name ?? here.name} onChange={(e) => setName(e.target.value)} />
          </label>
          <button type="submit" disabled={name === null || name.trim() === ""}>
            Rename
          </button>
        </form>
      )}
      <button type="button" onClick={invite}>
        Add another device…
      </button>
      {invitation && (
        <p className="invitation" role="status">
          On the other device, enter <code>{invitation.code}</code> within {Math.round(invitation.expiresInSecs / 60)}{" "}
          minutes. It works once.
        </p>
      )}
      {done && <p role="status">{done}</p>}
      {problem && (
        <p className="problem" role="alert">
          {problem}
        </p>
      )}
    </section>
  );
}
