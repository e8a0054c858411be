// Sample rows in their TypeScript form, for the bindings' usage file and tests.
import type {
  Conflict,
  Correction,
  DictionaryEntry,
  Recording,
  Settings,
  Transcription,
  VoiceCommand,
  WindowContext,
} from "../heycat";

/** 2^53 + 1: a double cannot hold it. */
export const ABOVE_2_53 = 9007199254740993n;

export const dictionaryEntry: DictionaryEntry = {
  id: "d1",
  trigger: "brb",
  expansion: "be right back",
  suffix: null,
  autoEnter: false,
  disableSuffix: false,
  completeMatchOnly: true,
  createdAt: 1700000000000001n,
  rowVersion: 1n,
};

export const recording: Recording = {
  id: "r1",
  filePath: "/rec/r1.wav",
  durationSecs: 12.5,
  sampleCount: ABOVE_2_53,
  stopReason: "Silence",
  createdAt: 1700000000000002n,
  activeWindowAppName: "kitty",
  activeWindowBundleId: null,
  activeWindowTitle: null,
  rowVersion: 1n,
};

export const transcription: Transcription = {
  id: "t1",
  recordingId: "r1",
  text: "hello world",
  language: "en",
  modelVersion: "parakeet-v3",
  durationMs: 420n,
  createdAt: 1700000000000003n,
  rowVersion: 1n,
};

export const correction: Correction = {
  id: "c1",
  transcriptionId: "t1",
  original: "hello world",
  corrected: "Hello, world!",
  createdAt: 1700000000000007n,
  rowVersion: 1n,
};

export const voiceCommand: VoiceCommand = {
  id: "v1",
  trigger: "open browser",
  actionType: "OpenApp",
  parameters: [{ key: "app", value: "Firefox" }],
  enabled: true,
  createdAt: 1700000000000004n,
  rowVersion: 1n,
};

export const windowContext: WindowContext = {
  id: "w1",
  name: "Terminal",
  matcherAppName: "kitty",
  matcherTitlePattern: null,
  matcherBundleId: null,
  commandMode: "Merge",
  dictionaryMode: "Replace",
  commandIds: ["v1"],
  dictionaryEntryIds: ["d1"],
  enabled: true,
  priority: 2,
  createdAt: 1700000000000005n,
  rowVersion: 1n,
};

export const settings: Settings = {
  audioSelectedDevice: null,
  shortcutsDistinguishLeftRight: false,
  shortcutsRecordingMode: "PushToTalk",
  hotkeyRecordingShortcut: "F13",
  storageQuotaMb: 1024,
  rowVersion: 1n,
};

export const conflict: Conflict = {
  id: "op-1",
  key: '"d1"',
  operation: "update",
  baseVersion: 1n,
  createdAt: 1700000000000006n,
  table: "dictionary_entry",
  mine: { ...dictionaryEntry, expansion: "mine" },
  theirs: { ...dictionaryEntry, expansion: "theirs", rowVersion: 2n },
};
