// @heycat/runtime: heycat-runtime's TypeScript, what the bindings of every schema share (the
// typed `invoke` and `listen`, the errors, the 64-bit value types, the runtime's own commands and
// events) and the runtime's IPC types. The React hooks are `@heycat/runtime/react`.
export * from "./types.js";
export * from "./runtime.js";
