//! The notes app against real `spacetimedb-standalone` servers (started by `heycat-harness` on
//! free 127.0.0.1 ports with temporary data dirs), driven through Tauri's mock runtime the way
//! its frontend drives it: by invoking the commands generated from `schema/`.
//!
//! One test binary, so the app and the toolkit are linked once for every test.

mod support;

mod conflicts;
mod crud;
mod migration;
mod offline;
mod storage;
mod two_devices;
mod words;
