//! Switches only tests use, behind the `test-hooks` feature: tests/harness turns it on, so
//! every test build has it, and a plain build of an app does not (a shipped app reads none of
//! this).

/// Set (to anything) in the environment of a process whose embedded server is to live the way
/// it does on macOS: not tied to the process by the system (no `PR_SET_PDEATHSIG` on Linux, no
/// job object on Windows), so that the next start has to end it (`leftover.rs`).
pub const FALLBACK_LIFETIME_ENV: &str = heycat_contract::env::TEST_FALLBACK_LIFETIME;
