#!/usr/bin/env bash
# Builds heycat's SpacetimeDB module to wasm32 and prints the path of the .wasm on stdout.
# HEYCAT_SCHEMA_VERSION=N builds released schema version N instead of the current schema,
# HEYCAT_SCHEMA_DIR=DIR the schema in DIR (tests).
# Uses an installed wasm32-unknown-unknown target when there is one, otherwise Debian's
# rustc-web with -Zbuild-std (installing it if needed), and says which.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cd "$HEYCAT_ROOT"
target_dir="$(wasm_target_dir)"
path="$(ensure_wasm_toolchain)"
args=(build -p heycat-module --release --target wasm32-unknown-unknown --target-dir "$target_dir")
case "$path" in
  rustup)
    log "building the module with the installed wasm32-unknown-unknown target"
    cargo "${args[@]}" >&2
    ;;
  debian)
    log "building the module with Debian's rustc-web and -Zbuild-std (no rustup wasm32 target here)"
    RUSTC_BOOTSTRAP=1 cargo +debian-web "${args[@]}" -Zbuild-std=std,panic_abort >&2
    ;;
esac
built="$target_dir/wasm32-unknown-unknown/release/heycat_module.wasm"
# Each variant gets its own file, so building another (an earlier version, a test schema)
# never replaces one somebody is using.
variant="current"
[ -n "${HEYCAT_SCHEMA_VERSION:-}" ] && variant="v$HEYCAT_SCHEMA_VERSION"
[ -n "${HEYCAT_SCHEMA_DIR:-}" ] && variant="dir-$(printf '%s' "$HEYCAT_SCHEMA_DIR" | cksum | cut -d' ' -f1)"
wasm="$target_dir/heycat_module-$variant.wasm"
cp "$built" "$wasm"
log "module ($variant): $wasm ($(stat -c %s "$wasm") bytes)"
echo "$wasm"
