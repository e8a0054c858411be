import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { emit } from "@tauri-apps/api/event";
import { describe, expect, it, vi } from "vitest";

import { App } from "../App";
import type { DictionaryEntry, TableState } from "../heycat";
import { IDLE_SYNC, mockBackend, wireEntry, wireRecording, wireUsage } from "../test-ipc";
import { seenInWords } from "./DevicesView";
import { SettingsView } from "./SettingsView";
import { StatusBanner } from "./StatusBanner";
import { SyncBanner } from "./SyncBanner";
import { DictionaryView } from "./tables";

const connected = { state: "connected", server: "http://127.0.0.1:3000" };
const idleSync = IDLE_SYNC;
const emptyLists = {
  ...Object.fromEntries(
    ["dictionary_entry_list", "voice_command_list", "recording_list", "window_context_list", "conflict_list"].map(
      (c) => [c, () => []],
    ),
  ),
  sync_status: () => idleSync,
  migration_status: () => null,
  storage_usage: () => wireUsage(1000, 1024 * 1024),
};

describe("StatusBanner", () => {
  it("shows a failed connection in words, with a Retry button", () => {
    const onRetry = vi.fn();
    render(
      <StatusBanner
        status={{
          state: "failed",
          server: "http://127.0.0.1:3000",
          kind: "serverUnreachable",
          message: "cannot reach http://127.0.0.1:3000: Connection Failed: Connect error: Connection refused",
          detail: null,
          retryInMs: 2000,
        }}
        onRetry={onRetry}
      />,
    );
    const alert = screen.getByRole("alert");
    expect(alert).toHaveTextContent("The database server cannot be reached.");
    expect(alert).toHaveTextContent("Connection refused");
    expect(alert).toHaveTextContent("Retrying in 2 s.");
    fireEvent.click(within(alert).getByRole("button", { name: "Retry now" }));
    expect(onRetry).toHaveBeenCalledTimes(1);
  });

  it("keeps the technical detail of a failure out of the sentence, behind Technical details", () => {
    render(
      <StatusBanner
        status={{
          state: "failed",
          server: "embedded",
          kind: "serverNotStarted",
          message: "the local database could not start: its files are in use by process 1234",
          detail: "server.log, last lines:\nError: cannot take lock on database",
          retryInMs: 1000,
        }}
        onRetry={() => {}}
      />,
    );
    const alert = screen.getByRole("alert");
    expect(alert).toHaveTextContent("The local database server did not start.");
    expect(alert).toHaveTextContent("its files are in use by process 1234");
    const details = within(alert).getByText("Technical details").closest("details");
    expect(details).not.toHaveAttribute("open");
    expect(details).toHaveTextContent("Error: cannot take lock on database");
  });

  it("asks a device that has not joined for an invitation code and joins with it", async () => {
    let refuse = true;
    const calls = mockBackend({
      device_join: () => {
        if (refuse) throw { kind: "notFound", message: "no invitation has this code: it may have expired" };
        return null;
      },
    });
    render(
      <StatusBanner
        status={{ state: "failed", server: "http://db.example:3000", kind: "notJoined", message: "this device has not joined", detail: null, retryInMs: 5000 }}
        onRetry={() => undefined}
      />,
    );
    const alert = screen.getByRole("alert");
    expect(alert).toHaveTextContent("This device has not joined your heycat data on the shared server.");
    const join = within(alert).getByRole("button", { name: "Join" });
    expect(join).toBeDisabled();
    fireEvent.change(within(alert).getByLabelText(/Invitation code/), { target: { value: "7k2m-9qxd" } });
    fireEvent.click(join);
    expect(await within(alert).findByText(/no invitation has this code/)).toBeInTheDocument();
    refuse = false;
    fireEvent.click(join);
    await waitFor(() => expect(within(alert).queryByText(/no invitation has this code/)).toBeNull());
    expect(calls.filter((c) => c.cmd === "device_join").map((c) => c.args)).toEqual([
      { code: "7k2m-9qxd", url: null },
      { code: "7k2m-9qxd", url: null },
    ]);
  });

  it("says when migrating the data to this version failed", () => {
    render(
      <StatusBanner
        status={{ state: "failed", server: "embedded", kind: "migrationFailed", message: "the import failed", detail: null, retryInMs: 1000 }}
        onRetry={() => undefined}
      />,
    );
    expect(screen.getByRole("alert")).toHaveTextContent("Updating heycat's data to this version failed; it is unchanged.");
  });

  it("says when the connection was lost, keeps it shown as it was while it reconnects, and says when connected", () => {
    const { rerender } = render(
      <StatusBanner status={{ state: "offline", server: "s", message: "the connection dropped; reconnecting", retryInMs: 250 }} onRetry={() => {}} />,
    );
    const lost = screen.getByRole("alert");
    expect(lost).toHaveTextContent("The connection to the database was lost. the connection dropped; reconnecting. Retrying in 1 s.");
    // A retry under way: the same banner (the page under it does not move), saying so.
    rerender(<StatusBanner status={{ state: "connecting", server: "s", lastFailure: "the connection dropped" }} onRetry={() => {}} />);
    expect(screen.getByRole("alert")).toBe(lost);
    expect(lost).toHaveTextContent("The connection to the database was lost. the connection dropped; reconnecting. Retrying now…");
    rerender(<StatusBanner status={{ state: "connected", server: "http://127.0.0.1:3000" }} onRetry={() => {}} />);
    expect(screen.getByRole("status")).toHaveTextContent("Connected to http://127.0.0.1:3000");
    // The next retry after a failure the banner did not see (it mounted since) says why.
    rerender(
      <StatusBanner
        status={{ state: "connecting", server: "s", lastFailure: "the server stopped answering (nothing for 3 s)" }}
        onRetry={() => {}}
      />,
    );
    expect(screen.getByRole("status")).toHaveTextContent(
      "Reconnecting to the database at s… Last try: the server stopped answering (nothing for 3 s).",
    );
  });

  it("keeps a failure's technical details and a half-typed invitation code through each retry", () => {
    const notJoined = {
      state: "failed",
      server: "s",
      kind: "notJoined",
      message: "this device has not joined",
      detail: "403 from the server",
      retryInMs: 5000,
    } as const;
    const { rerender } = render(<StatusBanner status={notJoined} onRetry={() => {}} />);
    const code = within(screen.getByRole("alert")).getByRole("textbox");
    fireEvent.change(code, { target: { value: "7K2M" } });
    rerender(<StatusBanner status={{ state: "connecting", server: "s", lastFailure: notJoined.message }} onRetry={() => {}} />);
    const alert = screen.getByRole("alert");
    expect(alert).toHaveTextContent("This device has not joined your heycat data on the shared server.");
    expect(alert).toHaveTextContent("Technical details");
    expect(within(alert).getByRole("textbox")).toHaveValue("7K2M");
  });
});

describe("App", () => {
  it("retries from the banner through the connection_retry command", async () => {
    const calls = mockBackend({
      ...emptyLists,
      connection_status: () => ({ state: "failed", server: "s", kind: "versionMismatch", message: "other schema", detail: null, retryInMs: 5000 }),
    });
    render(<App />);
    const retry = await screen.findByRole("button", { name: "Retry now" });
    expect(screen.getByRole("alert")).toHaveTextContent("The server runs another version of heycat's data.");
    fireEvent.click(retry);
    await waitFor(() => expect(calls.map((c) => c.cmd)).toContain("connection_retry"));
  });

  it("lists, adds, edits and deletes dictionary entries through the commands", async () => {
    const calls = mockBackend({
      ...emptyLists,
      connection_status: () => connected,
      dictionary_entry_list: () => [wireEntry("a", "brb")],
      dictionary_entry_insert: (args) => ({ ...(args.row as object), rowVersion: "1" }),
      dictionary_entry_update: (args) => ({ ...(args.row as object), rowVersion: "2" }),
    });
    render(<App />);
    const dictionary = await screen.findByRole("region", { name: "Dictionary" });
    await within(dictionary).findByText("brb");

    const addForm = within(dictionary).getByRole("form", { name: "Add to Dictionary" });
    fireEvent.change(within(addForm).getByLabelText("Trigger"), { target: { value: "omw" } });
    fireEvent.change(within(addForm).getByLabelText("Expansion"), { target: { value: "on my way" } });
    fireEvent.click(within(addForm).getByLabelText("Whole utterance only"));
    fireEvent.click(within(addForm).getByRole("button", { name: "Add" }));
    await waitFor(() => expect(calls.some((c) => c.cmd === "dictionary_entry_insert")).toBe(true));
    const inserted = calls.find((c) => c.cmd === "dictionary_entry_insert")!.args.row as Record<string, unknown>;
    expect(inserted).toMatchObject({ trigger: "omw", expansion: "on my way", completeMatchOnly: true, suffix: null });
    expect(typeof inserted.createdAt).toBe("string");

    // The backend reports the insert as an event; the list follows without a reload.
    await emit("dictionary_entry:changed", { kind: "insert", row: { ...inserted, rowVersion: "1" } });
    await within(dictionary).findByText("omw");

    const brbRow = within(dictionary).getByText("brb").closest("tr")!;
    fireEvent.click(within(brbRow).getByRole("button", { name: "Edit" }));
    const editForm = within(dictionary).getByRole("form", { name: "Edit Dictionary" });
    fireEvent.change(within(editForm).getByLabelText("Expansion"), { target: { value: "be right back!" } });
    fireEvent.click(within(editForm).getByRole("button", { name: "Save" }));
    await waitFor(() => expect(calls.some((c) => c.cmd === "dictionary_entry_update")).toBe(true));
    expect(calls.find((c) => c.cmd === "dictionary_entry_update")!.args.row).toMatchObject({
      id: "a",
      expansion: "be right back!",
      rowVersion: "1",
    });

    fireEvent.click(within(within(dictionary).getByText("omw").closest("tr")!).getByRole("button", { name: "Delete" }));
    await waitFor(() =>
      expect(calls.find((c) => c.cmd === "dictionary_entry_delete")?.args).toEqual({ id: inserted.id, rowVersion: "1" }),
    );
  });

  it("shows a command's error next to the form, in the form's words", async () => {
    let refusal: object = {
      kind: "uniqueViolation",
      message: 'dictionary_entry.trigger "brb" is already used by another row',
      table: "dictionary_entry",
      field: "trigger",
      value: "brb",
    };
    mockBackend({
      ...emptyLists,
      connection_status: () => connected,
      dictionary_entry_insert: () => {
        throw refusal;
      },
    });
    render(<App />);
    const dictionary = await screen.findByRole("region", { name: "Dictionary" });
    const addForm = within(dictionary).getByRole("form", { name: "Add to Dictionary" });
    fireEvent.change(within(addForm).getByLabelText("Trigger"), { target: { value: "brb" } });
    fireEvent.click(within(addForm).getByRole("button", { name: "Add" }));
    expect(await within(addForm).findByRole("alert")).toHaveTextContent(/^The trigger "brb" is already used by another entry\.$/);
    // A refusal the form has no words for is shown as the server said it.
    refusal = { kind: "server", message: "the module panicked" };
    fireEvent.click(within(addForm).getByRole("button", { name: "Add" }));
    await waitFor(() => expect(within(addForm).getByRole("alert")).toHaveTextContent(/^the module panicked$/));
  });

  it("shows a recording with its transcriptions and edits settings", async () => {
    const recording = {
      id: "r1", filePath: "/rec/r1.wav", durationSecs: 2.5, sampleCount: "9007199254740993", stopReason: "Silence",
      createdAt: "1700000000000000", activeWindowAppName: null, activeWindowBundleId: null, activeWindowTitle: null, rowVersion: "1",
    };
    const transcription = {
      id: "t1", recordingId: "r1", text: "hello world", language: "en", modelVersion: "m", durationMs: "42",
      createdAt: "1700000000000000", rowVersion: "1",
    };
    const settings = {
      audioSelectedDevice: null, shortcutsDistinguishLeftRight: false, shortcutsRecordingMode: "Toggle",
      hotkeyRecordingShortcut: "CmdOrCtrl+Shift+Space", storageQuotaMb: 1024, rowVersion: "1",
    };
    const calls = mockBackend({
      ...emptyLists,
      connection_status: () => connected,
      recording_list: () => [recording],
      transcription_list_by_recording_id: (args) => (args.recordingId === "r1" ? [transcription] : []),
      settings_get: () => settings,
      settings_update: (args) => ({ ...(args.row as object), rowVersion: "2" }),
    });
    render(<App />);
    fireEvent.click(await screen.findByRole("button", { name: "Recordings" }));
    const recordings = await screen.findByRole("region", { name: "Recordings" });
    await within(recordings).findByText("9007199254740993");
    fireEvent.click(within(recordings).getByRole("button", { name: "Show transcriptions" }));
    const transcriptions = await within(recordings).findByRole("region", { name: "Transcriptions of /rec/r1.wav" });
    await within(transcriptions).findByText("hello world");
    expect(calls.filter((c) => c.cmd.startsWith("transcription_"))).toEqual([
      { cmd: "transcription_list_by_recording_id", args: { recordingId: "r1" } },
    ]);

    fireEvent.click(screen.getByRole("button", { name: "Settings" }));
    const shortcut = await screen.findByLabelText("Recording shortcut");
    fireEvent.change(shortcut, { target: { value: "F13" } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(calls.find((c) => c.cmd === "settings_update")?.args.row).toMatchObject({ hotkeyRecordingShortcut: "F13" }));
  });
});

describe("long lists", () => {
  const manyEntries = (count: number) => Array.from({ length: count }, (_, n) => wireEntry(`e${n}`, `t${String(n).padStart(3, "0")}`));
  const firstCells = (section: HTMLElement) =>
    within(section.querySelector("tbody")!)
      .getAllByRole("row")
      .map((row) => row.querySelector("td")!.textContent);

  it("shows the first page of a long list, says how many there are, and shows more on request", async () => {
    const calls = mockBackend({ ...emptyLists, connection_status: () => connected, dictionary_entry_list: () => manyEntries(130) });
    render(<App />);
    const dictionary = await screen.findByRole("region", { name: "Dictionary" });
    expect(await within(dictionary).findByText(/Showing 100 of 130\./)).toBeInTheDocument();
    expect(firstCells(dictionary)).toHaveLength(100);
    const showMore = within(dictionary).getByRole("button", { name: "Show more" });
    fireEvent.click(showMore);
    expect(showMore).toHaveAttribute("aria-disabled", "true");
    await waitFor(() => expect(firstCells(dictionary)).toHaveLength(130));
    expect(firstCells(dictionary).at(-1)).toBe("t129");
    expect(within(dictionary).queryByText(/Showing/)).toBeNull();
    expect(within(dictionary).queryByRole("button", { name: "Show more" })).toBeNull();
    // The first page (again once connected), then the one after the 100th row.
    const pages = calls.filter((c) => c.cmd === "dictionary_entry_page").map((c) => c.args);
    expect(new Set(pages.slice(0, -1).map((args) => JSON.stringify(args)))).toEqual(
      new Set([JSON.stringify({ order: "trigger", descending: false, after: null, limit: 100 })]),
    );
    expect(pages.at(-1)).toEqual({ order: "trigger", descending: false, after: wireEntry("e99", "t099"), limit: 100 });
  });

  it("does not call a long list empty when the rows it showed are gone", () => {
    const table: TableState<DictionaryEntry> = {
      rows: [], more: true, total: 5, loading: false, loadingMore: false, error: null,
      reload: () => {}, loadMore: () => {}, isPending: () => false, hasConflict: () => false,
    };
    render(<DictionaryView table={table} />);
    expect(screen.getByRole("region", { name: "Dictionary" })).toHaveTextContent("Showing 0 of 5.");
    expect(screen.queryByText("Nothing here yet.")).toBeNull();
  });

  it("loads the next page by itself when Show more scrolls into view, and again while it stays there", async () => {
    let inView = false;
    const observers: { report: () => void; watching: boolean }[] = [];
    vi.stubGlobal(
      "IntersectionObserver",
      class {
        private readonly watched: { report: () => void; watching: boolean };
        constructor(callback: IntersectionObserverCallback) {
          const report = () => callback([{ isIntersecting: inView } as IntersectionObserverEntry], this as never);
          this.watched = { report, watching: false };
          observers.push(this.watched);
        }
        // As in a browser, watching starts with a report of where the button is now.
        observe() {
          this.watched.watching = true;
          this.watched.report();
        }
        disconnect() {
          this.watched.watching = false;
        }
      },
    );
    try {
      mockBackend({ ...emptyLists, connection_status: () => connected, dictionary_entry_list: () => manyEntries(250) });
      render(<App />);
      const dictionary = await screen.findByRole("region", { name: "Dictionary" });
      await within(dictionary).findByText(/Showing 100 of 250\./);
      // Scrolled down to the button: the next page, and (a tall window) the one after.
      inView = true;
      act(() => observers.filter((o) => o.watching).forEach((o) => o.report()));
      await waitFor(() => expect(firstCells(dictionary)).toHaveLength(250));
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it("keeps text in code point order (capitals first) as rows arrive", async () => {
    mockBackend({ ...emptyLists, connection_status: () => connected, dictionary_entry_list: () => [wireEntry("a", "brb"), wireEntry("b", "afk")] });
    render(<App />);
    const dictionary = await screen.findByRole("region", { name: "Dictionary" });
    await within(dictionary).findByText("brb");
    await act(() => emit("dictionary_entry:changed", { kind: "insert", row: wireEntry("c", "Omw") }));
    await waitFor(() => expect(firstCells(dictionary)).toEqual(["Omw", "afk", "brb"]));
  });

  it("shows the newest recordings first, and a recording's own transcriptions as they change", async () => {
    const transcription = (id: string, recordingId: string, text: string) => ({
      id, recordingId, text, language: null, modelVersion: "m", durationMs: "42", createdAt: "1700000000000000", rowVersion: "1",
    });
    mockBackend({
      ...emptyLists,
      connection_status: () => connected,
      recording_list: () => [wireRecording("r1", "/rec/old.wav", "1700000000000000"), wireRecording("r2", "/rec/new.wav", "1700000000000001")],
      transcription_list_by_recording_id: () => [],
    });
    render(<App />);
    fireEvent.click(await screen.findByRole("button", { name: "Recordings" }));
    const recordings = await screen.findByRole("region", { name: "Recordings" });
    await within(recordings).findByText("/rec/old.wav");
    expect(firstCells(recordings).filter((cell) => cell?.startsWith("/rec"))).toEqual(["/rec/new.wav", "/rec/old.wav"]);

    const oldRow = within(recordings).getByText("/rec/old.wav").closest("tr")!;
    fireEvent.click(within(oldRow.nextElementSibling as HTMLElement).getByRole("button", { name: "Show transcriptions" }));
    const old = await within(recordings).findByRole("region", { name: "Transcriptions of /rec/old.wav" });
    await within(old).findByText("Nothing here yet.");
    await act(() => emit("transcription:changed", { kind: "insert", row: transcription("t1", "r1", "hello") }));
    await act(() => emit("transcription:changed", { kind: "insert", row: transcription("t2", "r2", "not this one") }));
    await within(old).findByText("hello");
    expect(within(old).queryByText("not this one")).toBeNull();
    await act(() =>
      emit("transcription:changed", { kind: "update", oldRow: transcription("t1", "r1", "hello"), row: transcription("t1", "r2", "hello") }),
    );
    await waitFor(() => expect(within(old).queryByText("hello")).toBeNull());
    await act(() =>
      emit("transcription:changed", { kind: "update", oldRow: transcription("t2", "r2", "not this one"), row: transcription("t2", "r1", "moved here") }),
    );
    await within(old).findByText("moved here");
  });
});

describe("your devices", () => {
  it("makes an invitation code for another device, or says why it cannot", async () => {
    let embedded = true;
    mockBackend({
      settings_get: () => ({
        audioSelectedDevice: null, shortcutsDistinguishLeftRight: false, shortcutsRecordingMode: "Toggle",
        hotkeyRecordingShortcut: "F13", storageQuotaMb: 1024, rowVersion: "1",
      }),
      conflict_list: () => [],
      device_invite: () => {
        if (embedded) throw { kind: "badInput", message: "this device keeps its data in its own embedded server" };
        return { code: "7K2M-9QXD-4HBT-0RWN-6CFA-3JPE-5V", expiresInSecs: 600 };
      },
    });
    render(<SettingsView />);
    const devices = await screen.findByRole("region", { name: "Your devices" });
    fireEvent.click(within(devices).getByRole("button", { name: "Add another device…" }));
    expect(await within(devices).findByRole("alert")).toHaveTextContent("its own embedded server");
    embedded = false;
    fireEvent.click(within(devices).getByRole("button", { name: "Add another device…" }));
    const shown = await within(devices).findByRole("status");
    expect(shown).toHaveTextContent("enter 7K2M-9QXD-4HBT-0RWN-6CFA-3JPE-5V within 10 minutes");
    expect(within(devices).queryByRole("alert")).toBeNull();
  });
});

describe("the list of your devices", () => {
  const settingsRow = () => ({
    audioSelectedDevice: null, shortcutsDistinguishLeftRight: false, shortcutsRecordingMode: "Toggle",
    hotkeyRecordingShortcut: "F13", storageQuotaMb: 1024, rowVersion: "1",
  });

  it("lists each device by name with when it was last seen, renames this one and forgets a lost one", async () => {
    const now = Date.now();
    let devices = [
      { id: "a", name: "Laptop", lastSeenMs: now, thisDevice: true },
      { id: "b", name: "Phone", lastSeenMs: now - 5 * 60_000, thisDevice: false },
      { id: "c", name: "Old tablet", lastSeenMs: now - 3 * 86_400_000, thisDevice: false },
    ];
    const invoked = mockBackend({
      settings_get: settingsRow,
      conflict_list: () => [],
      device_list: () => devices,
      device_rename: (args) => {
        const name = String(args.name);
        devices = devices.map((d) => (d.thisDevice ? { ...d, name } : d));
        return name;
      },
      device_forget: (args) => {
        const deviceId = String(args.deviceId);
        devices = devices.filter((d) => d.id !== deviceId);
        return {
          forgotten: "Old tablet",
          database: "heycat-7k2m9x4q",
          rows: { dictionary_entry: 4, settings: 1 },
          backup: "/b.json",
          rejoin: [{ device: devices[1], invitation: { code: "7K2M-9QXD-4HBT-0RWN-6CFA-3JPE-5VAB-CD12-34", expiresInSecs: 600 } }],
        };
      },
    });
    render(<SettingsView />);
    const section = await screen.findByRole("region", { name: "Your devices" });
    expect(await within(section).findByText(/Laptop \(this device\)/)).toBeVisible();
    expect(within(section).getByText(/Phone \(last seen 5 minutes ago\)/)).toBeVisible();
    expect(within(section).getByText(/Old tablet \(last seen 3 days ago\)/)).toBeVisible();

    fireEvent.change(within(section).getByLabelText("This device's name"), { target: { value: "Kitchen laptop" } });
    fireEvent.click(within(section).getByRole("button", { name: "Rename" }));
    expect(await within(section).findByText(/Kitchen laptop \(this device\)/)).toBeVisible();
    expect(invoked.find((c) => c.cmd === "device_rename")?.args).toMatchObject({ name: "Kitchen laptop" });

    // Forgetting asks once more, and can be called off.
    fireEvent.click(within(section).getByRole("button", { name: "Forget Old tablet…" }));
    fireEvent.click(within(section).getByRole("button", { name: "Keep it" }));
    expect(invoked.some((c) => c.cmd === "device_forget")).toBe(false);
    fireEvent.click(within(section).getByRole("button", { name: "Forget Old tablet…" }));
    fireEvent.click(within(section).getByRole("button", { name: "Forget Old tablet for good" }));
    expect(
      await within(section).findByText(
        "Old tablet is forgotten: your data (5 items) moved where it cannot reach it. On Phone, join again with 7K2M-9QXD-4HBT-0RWN-6CFA-3JPE-5VAB-CD12-34 within 10 minutes.",
      ),
    ).toBeVisible();
    expect(invoked.find((c) => c.cmd === "device_forget")?.args).toMatchObject({ deviceId: "c" });
    await waitFor(() => expect(within(section).queryByText(/Old tablet \(last seen/)).toBeNull());
  });

  it("says when a device was last seen in words", () => {
    const now = 1_700_000_000_000;
    expect(seenInWords(now - 10_000, now)).toBe("just now");
    expect(seenInWords(now - 60_000, now)).toBe("1 minute ago");
    expect(seenInWords(now - 2 * 3_600_000, now)).toBe("2 hours ago");
    expect(seenInWords(now - 86_400_000, now)).toBe("1 day ago");
  });
});

describe("sync", () => {
  const settingsRow = () => ({
    audioSelectedDevice: null, shortcutsDistinguishLeftRight: false, shortcutsRecordingMode: "Toggle",
    hotkeyRecordingShortcut: "F13", storageQuotaMb: 1024, rowVersion: "1",
  });

  it("sets up sync with a server, showing each step, then what was copied", async () => {
    let finish: (summary: unknown) => void = () => {};
    const invoked = mockBackend({
      settings_get: settingsRow,
      conflict_list: () => [],
      sync_setup: () => new Promise((resolve) => (finish = resolve)),
    });
    render(<SettingsView />);
    const sync = await screen.findByRole("region", { name: "Sync" });
    fireEvent.change(within(sync).getByLabelText("Sync server address"), { target: { value: " https://sync.example " } });
    fireEvent.click(within(sync).getByRole("button", { name: "Set up sync" }));
    await waitFor(() => expect(invoked.some((c) => c.cmd === "sync_setup")).toBe(true));
    expect(invoked.find((c) => c.cmd === "sync_setup")?.args).toMatchObject({ url: "https://sync.example" });
    await act(() => emit("sync:setup", { step: "carry", server: "https://sync.example" }));
    expect(await within(sync).findByRole("status")).toHaveTextContent("Copying this device's data to it…");
    expect(within(sync).getByRole("button", { name: "Set up sync" })).toBeDisabled();
    await act(async () =>
      finish({ server: "https://sync.example", rows: { dictionary_entry: 2, recording: 1 }, backup: "/b.json" }),
    );
    expect(await within(sync).findByText(/now syncs with https:\/\/sync.example: 3 items were copied/)).toBeVisible();
  });

  it("stops syncing, saying what the device keeps, or why not", async () => {
    let syncing = false;
    mockBackend({
      settings_get: settingsRow,
      conflict_list: () => [],
      sync_stop: () => {
        if (!syncing) throw { kind: "badInput", message: "this device does not sync: its data is its own already" };
        return { path: "/b.json", schemaVersion: 4, rows: { dictionary_entry: 4, settings: 1 } };
      },
    });
    render(<SettingsView />);
    const sync = await screen.findByRole("region", { name: "Sync" });
    fireEvent.click(within(sync).getByRole("button", { name: "Stop syncing" }));
    expect(await within(sync).findByRole("alert")).toHaveTextContent("Sync was not stopped: this device does not sync");
    syncing = true;
    fireEvent.click(within(sync).getByRole("button", { name: "Stop syncing" }));
    expect(await within(sync).findByText("This device no longer syncs: it keeps 5 items as they were on the server.")).toBeVisible();
    expect(within(sync).queryByRole("alert")).toBeNull();
  });

  it("joins with a code and the server's address, saying what became of this device's items", async () => {
    const invoked = mockBackend({
      settings_get: settingsRow,
      conflict_list: () => [],
      device_join: () => ({ added: { dictionary_entry: 3 }, unchanged: 0, conflicts: 1, kept: "/b.json" }),
    });
    render(<SettingsView />);
    const sync = await screen.findByRole("region", { name: "Sync" });
    const join = within(sync).getByRole("button", { name: "Join" });
    expect(join).toBeDisabled();
    fireEvent.change(within(sync).getByLabelText("Sync server address"), { target: { value: "https://sync.example" } });
    fireEvent.change(within(sync).getByLabelText("Code from your other device"), { target: { value: "7k2m 9qxd" } });
    fireEvent.click(join);
    expect(await within(sync).findByText("Joined: 3 items were added from this device; 1 differs, see Conflicts.")).toBeVisible();
    expect(invoked.find((c) => c.cmd === "device_join")?.args).toMatchObject({ code: "7k2m 9qxd", url: "https://sync.example" });
    await act(() => emit("device:joined", { added: {}, unchanged: 1, conflicts: 0, kept: null }));
    expect(await within(sync).findByText("Joined: 0 items were added from this device; 1 item was there already.")).toBeVisible();
  });

  it("says why sync was not set up, in the backend's words", async () => {
    mockBackend({
      settings_get: settingsRow,
      conflict_list: () => [],
      sync_setup: () => {
        throw { kind: "offline", message: "cannot reach http://10.0.0.9:3000: nothing answers there: check the address" };
      },
    });
    render(<SettingsView />);
    const sync = await screen.findByRole("region", { name: "Sync" });
    fireEvent.change(within(sync).getByLabelText("Sync server address"), { target: { value: "http://10.0.0.9:3000" } });
    fireEvent.click(within(sync).getByRole("button", { name: "Set up sync" }));
    expect(await within(sync).findByRole("alert")).toHaveTextContent("Sync was not set up: cannot reach http://10.0.0.9:3000");
    expect(within(sync).queryByRole("status")).toBeNull();
  });
});

describe("offline and conflicts", () => {
  it("shows writes waiting to sync, progress, refused writes and a damaged outbox", () => {
    const { rerender } = render(<SyncBanner status={{ ...idleSync, pending: 3 }} />);
    expect(screen.getByRole("status", { name: "Sync" })).toHaveTextContent("3 changes are saved on this device and will sync");
    rerender(<SyncBanner status={{ ...idleSync, pending: 3, syncing: [1, 3] }} />);
    expect(screen.getByRole("status", { name: "Sync" })).toHaveTextContent("Syncing 1 of 3 changes");
    rerender(
      <SyncBanner
        status={{
          ...idleSync,
          damaged: "outbox.log was damaged (a partial record at byte 96); its 2 intact records are kept",
          rejected: [
            {
              opId: "op",
              table: "dictionary_entry",
              kind: "uniqueViolation",
              message: 'dictionary_entry.trigger "brb" is already used by another row',
              field: "trigger",
              value: "brb",
            },
            { opId: "op2", table: "note", kind: "badInput", message: "this change cannot be carried to version 4" },
          ],
        }}
      />,
    );
    const banner = screen.getByRole("status", { name: "Sync" });
    expect(banner).toHaveTextContent("data files were damaged; everything readable in them is kept");
    const refused = within(banner).getAllByRole("listitem");
    expect(refused[0]).toHaveTextContent(/^The trigger "brb" is already used by another entry\.$/);
    expect(refused[1]).toHaveTextContent("note: this change cannot be carried to version 4");
    rerender(<SyncBanner status={idleSync} />);
    expect(screen.queryByRole("status", { name: "Sync" })).toBeNull();
  });

  it("marks rows whose changes have not synced yet", async () => {
    mockBackend({
      ...emptyLists,
      connection_status: () => ({ state: "offline", server: "s", message: "the connection dropped", retryInMs: 500 }),
      dictionary_entry_list: () => [wireEntry("a", "brb"), wireEntry("b", "omw")],
      sync_status: () => ({ ...idleSync, pending: 1, pendingKeys: { ...idleSync.pendingKeys, added: { dictionary_entry: ['"b"'] } } }),
    });
    render(<App />);
    const dictionary = await screen.findByRole("region", { name: "Dictionary" });
    const omw = (await within(dictionary).findByText("omw")).closest("tr")!;
    await within(omw).findByText("not synced yet");
    expect(within(within(dictionary).getByText("brb").closest("tr")!).queryByText("not synced yet")).toBeNull();
  });

  it("shows a conflict's two versions side by side and settles it three ways", async () => {
    const conflict = {
      id: "op-7", table: "dictionary_entry", key: '"a"', operation: "update", baseVersion: "1", createdAt: "5",
      mine: { ...wireEntry("a", "brb"), expansion: "mine" },
      theirs: { ...wireEntry("a", "brb", "2"), expansion: "theirs" },
    };
    const calls = mockBackend({ ...emptyLists, connection_status: () => connected, conflict_list: () => [conflict] });
    render(<App />);
    const card = await screen.findByRole("article", { name: 'Conflict on dictionary_entry "a"' });
    const expansion = within(card).getByText("expansion").closest("tr")!;
    expect(expansion).toHaveTextContent("mine");
    expect(expansion).toHaveTextContent("theirs");

    fireEvent.click(within(card).getByRole("button", { name: "Keep mine" }));
    await waitFor(() => expect(calls.at(-1)).toEqual({ cmd: "conflict_resolve", args: { id: "op-7", resolution: { choice: "keepMine" } } }));
    fireEvent.click(within(card).getByRole("button", { name: "Keep the server's" }));
    await waitFor(() => expect(calls.at(-1)?.args).toEqual({ id: "op-7", resolution: { choice: "keepTheirs" } }));

    fireEvent.click(within(card).getByRole("button", { name: "Merge…" }));
    fireEvent.change(within(card).getByLabelText("expansion"), { target: { value: "mine and theirs" } });
    fireEvent.click(within(card).getByRole("button", { name: "Save merge" }));
    await waitFor(() =>
      expect(calls.at(-1)?.args).toMatchObject({ id: "op-7", resolution: { choice: "merge", row: { id: "a", expansion: "mine and theirs" } } }),
    );

    // Settled elsewhere (the backend's event): the card goes.
    await emit("conflict:changed", { kind: "delete", row: conflict });
    await waitFor(() => expect(screen.queryByRole("article", { name: 'Conflict on dictionary_entry "a"' })).toBeNull());
  });
});

describe("migrations", () => {
  it("shows a migration's progress, its end and a failure", async () => {
    mockBackend({ ...emptyLists, connection_status: () => ({ state: "connecting", server: "s", lastFailure: null }) });
    render(<App />);
    await emit("migration:status", { state: "running", from: 1, to: 3, step: "import" });
    expect(await screen.findByRole("status", { name: "Migration" })).toHaveTextContent(
      "Updating your data from version 1 to 3: bringing your data over",
    );
    await emit("migration:status", { state: "done", from: 1, to: 3, backup: "/data/backups/heycat-v1-to-v3.json" });
    await waitFor(() =>
      expect(screen.getByRole("status", { name: "Migration" })).toHaveTextContent("Your data was updated from version 1 to 3."),
    );
    await emit("migration:status", { state: "failed", from: 1, to: 3, message: "the import step failed", restored: true });
    const alert = await screen.findByRole("alert", { name: "Migration" });
    expect(alert).toHaveTextContent("failed. the import step failed");
    expect(alert).toHaveTextContent("Your data is as it was");
  });

  it("shows a migration that ended before the window listened (a webview slower to load than the migration)", async () => {
    mockBackend({
      ...emptyLists,
      connection_status: () => connected,
      migration_status: () => ({ state: "done", from: 1, to: 3, backup: null }),
    });
    render(<App />);
    expect(await screen.findByRole("status", { name: "Migration" })).toHaveTextContent(
      "Your data was updated from version 1 to 3.",
    );
  });
});

describe("storage", () => {
  const MB = 1024 * 1024;

  it("warns near the limit and opens the storage view with usage per table", async () => {
    mockBackend({ ...emptyLists, connection_status: () => connected });
    render(<App />);
    await screen.findByRole("region", { name: "Dictionary" });
    expect(screen.queryByRole("alert", { name: "Storage" })).toBeNull();
    await emit("storage:warning", wireUsage(0.92 * MB, MB, "warning"));
    const banner = await screen.findByRole("alert", { name: "Storage" });
    expect(banner).toHaveTextContent("heycat's data uses 92% of its 1.0 MB limit.");
    fireEvent.click(within(banner).getByRole("button", { name: "Free space…" }));
    const view = await screen.findByRole("region", { name: "Storage" });
    expect(view).toHaveTextContent("Using 1000 B of 1.0 MB (0%)");
    const byTable = within(view).getByRole("table", { name: "Usage by table" });
    expect(within(byTable).getByText("transcription").closest("tr")).toHaveTextContent("transcription3900 B");
    expect(within(byTable).getByRole("meter", { name: "transcription usage" })).toHaveAttribute("value", "900");
  });

  it("keeps the Storage tab's figures current with writes made in the app and on other devices", async () => {
    let entries = 0;
    const usage = () => ({ ...wireUsage(1000 + entries * 100, MB), tables: [{ table: "dictionary_entry", rows: entries, bytes: entries * 100 }] });
    const calls = mockBackend({
      ...emptyLists,
      connection_status: () => connected,
      storage_usage: usage,
      dictionary_entry_insert: (args) => {
        entries += 1;
        return { ...(args.row as object), rowVersion: "1" };
      },
    });
    render(<App />);
    const dictionary = await screen.findByRole("region", { name: "Dictionary" });
    const addForm = within(dictionary).getByRole("form", { name: "Add to Dictionary" });
    fireEvent.change(within(addForm).getByLabelText("Trigger"), { target: { value: "brb" } });
    fireEvent.click(within(addForm).getByRole("button", { name: "Add" }));
    await waitFor(() => expect(entries).toBe(1));
    const row = calls.find((c) => c.cmd === "dictionary_entry_insert")!.args.row as object;
    await emit("dictionary_entry:changed", { kind: "insert", row: { ...row, rowVersion: "1" } });

    // Opened from the tab (not the banner): measured when shown.
    fireEvent.click(screen.getByRole("button", { name: "Storage" }));
    const view = await screen.findByRole("region", { name: "Storage" });
    const byTable = within(view).getByRole("table", { name: "Usage by table" });
    await waitFor(() => expect(within(byTable).getByText("dictionary_entry").closest("tr")).toHaveTextContent("dictionary_entry1100 B"));

    // A row from another device arrives while the tab is shown.
    entries += 1;
    await emit("dictionary_entry:changed", { kind: "insert", row: wireEntry("remote", "omw") });
    await waitFor(() => expect(within(byTable).getByText("dictionary_entry").closest("tr")).toHaveTextContent("dictionary_entry2200 B"));
    expect(view).toHaveTextContent("Using 1.2 KB of 1.0 MB");
  });

  it("shows a write refused for storage with a way to free space", async () => {
    mockBackend({
      ...emptyLists,
      connection_status: () => connected,
      dictionary_entry_insert: () => {
        throw { kind: "storageFull", message: "heycat's data would exceed its storage limit of 1 MB (1010 KB used)" };
      },
    });
    render(<App />);
    const dictionary = await screen.findByRole("region", { name: "Dictionary" });
    const addForm = within(dictionary).getByRole("form", { name: "Add to Dictionary" });
    fireEvent.change(within(addForm).getByLabelText("Trigger"), { target: { value: "brb" } });
    fireEvent.click(within(addForm).getByRole("button", { name: "Add" }));
    const alert = await within(addForm).findByRole("alert");
    expect(alert).toHaveTextContent("would exceed its storage limit of 1 MB");
    fireEvent.click(within(alert).getByRole("button", { name: "Free space…" }));
    expect(await screen.findByRole("region", { name: "Storage" })).toBeInTheDocument();
  });

  it("previews and deletes old recordings, exports, and raises the limit, showing each result", async () => {
    let used = 0.95 * MB;
    const settings = {
      audioSelectedDevice: null, shortcutsDistinguishLeftRight: false, shortcutsRecordingMode: "Toggle",
      hotkeyRecordingShortcut: "F13", storageQuotaMb: 1, rowVersion: "1",
    };
    const calls = mockBackend({
      ...emptyLists,
      connection_status: () => connected,
      storage_usage: () => wireUsage(used, MB, used >= 0.9 * MB ? "warning" : "ok"),
      storage_cleanup_preview: () => ({
        table: "recording",
        items: [
          { key: "r1", row: wireRecording("r1", "/rec/old.wav", "1700000000000000"), bytes: 0.25 * MB },
          { key: "r2", row: wireRecording("r2", "/rec/older.wav", "1700000000000001"), bytes: 0.25 * MB },
        ],
        freedBytes: 0.5 * MB,
      }),
      storage_cleanup: () => {
        used -= 0.5 * MB;
        return wireUsage(used, MB);
      },
      storage_export: () => ({ path: "/data/exports/heycat-export-1.json", schemaVersion: 4, rows: { recording: 2, settings: 1 } }),
      settings_get: () => settings,
      settings_update: (args) => ({ ...(args.row as object), rowVersion: "2" }),
    });
    render(<App />);
    fireEvent.click(await screen.findByRole("button", { name: "Storage" }));
    const view = await screen.findByRole("region", { name: "Storage" });
    await within(view).findByText(/Nearly at the limit/);

    const cleanup = within(view).getByRole("form", { name: "Delete old recordings" });
    fireEvent.change(within(cleanup).getByLabelText("How many (oldest first)"), { target: { value: "2" } });
    fireEvent.click(within(cleanup).getByRole("button", { name: "Preview" }));
    const preview = await within(cleanup).findByRole("region", { name: "Recordings to delete" });
    expect(preview).toHaveTextContent("/rec/old.wav");
    expect(preview).toHaveTextContent("Deleting these 2 recordings and their transcriptions frees 512 KB.");
    fireEvent.click(within(preview).getByRole("button", { name: "Delete 2 recordings" }));
    const result = await within(view).findByRole("status", { name: "Storage result" });
    expect(result).toHaveTextContent("freed 512 KB; now using 461 KB of 1.0 MB");
    expect(calls.find((c) => c.cmd === "storage_cleanup")?.args).toEqual({ table: "recording", keys: ["r1", "r2"] });
    expect(calls.find((c) => c.cmd === "storage_cleanup_preview")?.args).toEqual({ count: 2, table: null });
    await waitFor(() => expect(within(view).queryByText(/Nearly at the limit/)).toBeNull());

    fireEvent.click(within(within(view).getByRole("form", { name: "Export data" })).getByRole("button", { name: "Export" }));
    await waitFor(() =>
      expect(within(view).getByRole("status", { name: "Storage result" })).toHaveTextContent(
        "Exported 3 rows to /data/exports/heycat-export-1.json.",
      ),
    );

    const limit = within(view).getByRole("form", { name: "Raise the limit" });
    fireEvent.change(within(limit).getByLabelText("Limit in MB (now 1)"), { target: { value: "4096" } });
    fireEvent.click(within(limit).getByRole("button", { name: "Save limit" }));
    await waitFor(() => expect(calls.find((c) => c.cmd === "settings_update")?.args.row).toMatchObject({ storageQuotaMb: 4096 }));
    expect(await within(view).findByText("The limit is now 4096 MB.")).toBeInTheDocument();
  });
});
