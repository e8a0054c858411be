#!/usr/bin/env bash
# Runs every check and test: formatting, clippy, and the whole test suite (which starts real
# spacetimedb-standalone servers on loopback). Installs what is missing first.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$HEYCAT_ROOT"

start=$(date +%s)
bash scripts/setup.sh
# Build the module once up front; the tests reuse it.
HEYCAT_MODULE_WASM="$(bash scripts/build-module.sh)"
export HEYCAT_MODULE_WASM

log "cargo fmt --check (and the schema files, which the app includes unformatted)"
cargo fmt --all -- --check
rustfmt --edition 2021 --check schema/*.rs
log "heycat-schema check (generated/ is current)"
cargo run --locked -q -p heycat-codegen --bin heycat-schema -- check
log "building the frontend (the app embeds it)"
(cd app/ui && npm run --silent build >&2)
log "cargo clippy (all targets, -D warnings)"
cargo clippy --workspace --all-targets --locked -- -D warnings
log "cargo test"
cargo test --workspace --locked
log "frontend: tsc --noEmit and vitest"
(cd app/ui && npm run --silent typecheck && npm test --silent)
log "all checks passed in $(( $(date +%s) - start )) s"
