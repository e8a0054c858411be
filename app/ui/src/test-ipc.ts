// The IPC boundary, mocked for tests: records every `invoke`, answers from a table of
// handlers, and lets a test emit backend events.
import { mockIPC } from "@tauri-apps/api/mocks";

export type Invoked = { cmd: string; args: Record<string, unknown> };
export type Handler = (args: Record<string, unknown>) => unknown;

/** Mocks `invoke`: each command answers with its handler (or null); returns the call log. */
export function mockBackend(handlers: Record<string, Handler>): Invoked[] {
  const calls: Invoked[] = [];
  mockIPC(
    (cmd, args) => {
      const call = { cmd, args: (args ?? {}) as Record<string, unknown> };
      calls.push(call);
      const handler = handlers[cmd];
      return handler ? handler(call.args) : null;
    },
    { shouldMockEvents: true },
  );
  return calls;
}

/** A dictionary entry as the Rust side sends it. */
export function wireEntry(id: string, trigger: string, version = "1") {
  return {
    id,
    trigger,
    expansion: `${trigger} expanded`,
    suffix: null,
    autoEnter: false,
    disableSuffix: false,
    completeMatchOnly: false,
    createdAt: "1700000000000000",
    rowVersion: version,
  };
}
