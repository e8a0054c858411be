#!/usr/bin/env bash
# Installs what heycat-data needs and is missing; skips what is there. Safe to run again.
#   - spacetimedb-standalone 1.2.0 (cargo install --locked; 10-25 minutes the first time), and a
#     copy of it beside each app's tauri.conf.json, which the apps ship (a Tauri sidecar)
#   - a way to build wasm32 (an installed rustup target, else Debian's rustc-web + build-std)
#   - Tauri's Linux libraries (WebKitGTK ...), and the npm workspace's packages (the runtime's
#     TypeScript package @heycat/runtime, built, and the frontends that depend on it)
#   - for the real-window tests: Xvfb, WebKitWebDriver and tauri-driver
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command -v cargo >/dev/null 2>&1 || { log "cargo is missing: install Rust with rustup (https://rustup.rs) first"; exit 1; }
ensure_server
ensure_sidecars
log "wasm32 build path: $(ensure_wasm_toolchain)"
ensure_tauri_deps
ensure_tauri_driver
ensure_ui_packages
log "setup complete"
