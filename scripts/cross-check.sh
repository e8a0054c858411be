#!/usr/bin/env bash
# Proves that the runtime, the local server and a whole app (heycat's demo, with the code its
# build script generates) compile for macOS (aarch64-apple-darwin) and Windows
# (x86_64-pc-windows-msvc): `cargo check` with Debian's Rust building std for the target, since
# rustup cannot download targets here. A check only: nothing is linked or run for those systems.
# Builds into target/cross, so a second run redoes only what changed.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$HEYCAT_ROOT"

TARGETS=(aarch64-apple-darwin x86_64-pc-windows-msvc)
PACKAGES=(-p heycat-local-server -p heycat-runtime -p heycat-app)

ensure_debian_web_toolchain
# tauri-build compiles the app's Windows resource (icon, manifest) with llvm-rc.
command -v llvm-rc >/dev/null 2>&1 || need_apt llvm
# The app embeds its frontend (tauri's generate_context! wants the built files).
if [ ! -f app/ui/dist/index.html ]; then
  ensure_ui_packages
  log "building the frontend (the app embeds it)"
  (cd app/ui && npm run --silent build >&2)
fi

# - RUSTC_BOOTSTRAP: -Zbuild-std on Debian's stable rustc.
# - CARGO_FEATURE_PURE: blake3's own switch (read by its build script only) for its Rust code
#   instead of its C, assembly and NEON, which need a C compiler for the target.
# - TAURI_CONFIG: no sidecar binaries, which do not exist for these targets here (tauri-build
#   merges it into tauri.conf.json).
# - HEYCAT_MODULE_TARGET_DIR: the wasm module the app's build script builds is the one the
#   normal build made (it does not depend on the target).
export RUSTC_BOOTSTRAP=1 CARGO_FEATURE_PURE=1 TAURI_CONFIG='{"bundle":{"externalBin":[]}}'
export HEYCAT_MODULE_TARGET_DIR="${CARGO_TARGET_DIR:-$HEYCAT_ROOT/target}"
for target in "${TARGETS[@]}"; do
  extra=()
  # objc2-exception-helper (Tauri's macOS webview) compiles Objective-C with Apple's clang and
  # SDK; it skips that where it is told it runs for docs.rs, which has neither (the check needs
  # only its Rust).
  [ "$target" = aarch64-apple-darwin ] && extra=(DOCS_RS=1)
  log "cargo check for $target: ${PACKAGES[*]}"
  started=$(date +%s)
  env "${extra[@]}" cargo +debian-web check --locked --target "$target" -Zbuild-std=std,panic_abort \
    "${PACKAGES[@]}" --target-dir "$HEYCAT_ROOT/target/cross"
  log "cargo check for $target passed in $(( $(date +%s) - started )) s"
done
