#!/usr/bin/env bash
# Runs every check and test: formatting, clippy, and the whole test suite (which starts real
# spacetimedb-standalone servers on loopback), for the toolkit, heycat's demo app and the
# example app that adopts the toolkit as an outside project. Installs what is missing first.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$HEYCAT_ROOT"

start=$(date +%s)
bash scripts/setup.sh
schema() { cargo run --locked -q -p heycat-schema -- "$@"; }
# The example is a workspace of its own; from its folder cargo also reads its
# .cargo/config.toml, which shares this target dir.
notes() { (cd examples/notes && cargo "$@"); }

log "cargo fmt --check (and the schema files, which the apps include unformatted, and the module's fixed part)"
cargo fmt --all -- --check
notes fmt -- --check
rustfmt --edition 2021 --check app/schema/*.rs examples/notes/schema/*.rs tests/zoo/schema/*.rs tests/fleet/v*/schema/*.rs codegen/module/*.rs
log "heycat-schema check (the schemas are released versions, the TypeScript is current)"
schema check --schema app/schema --typescript app/ui/src/heycat --react
schema check --schema examples/notes/schema --typescript examples/notes/ui/src/data
schema check --schema tests/zoo/schema --typescript tests/zoo/ts --react
for version in tests/fleet/v*/schema; do schema check --schema "$version"; done
log "building the frontends (the apps embed them)"
(cd app/ui && npm run --silent build >&2)
build_notes_ui
log "cargo clippy (all targets, -D warnings)"
cargo clippy --workspace --all-targets --locked -- -D warnings
notes clippy --all-targets --locked -- -D warnings
log "cargo doc (the crates an adopter depends on: no broken link, none to a private item)"
RUSTDOCFLAGS="-D rustdoc::broken_intra_doc_links -D rustdoc::private_intra_doc_links" cargo doc --no-deps --locked \
  -p heycat -p heycat-macros -p heycat-runtime -p heycat-local-server -p heycat-codegen -p heycat-contract \
  -p heycat-plan -p heycat-canonical
log "cargo package (the crates an adopter depends on), each package checked on its own against the others"
bash scripts/package.sh
log "cargo check for macOS and Windows (the runtime, the local server and heycat's demo)"
bash scripts/cross-check.sh
log "the docs: each code block (Rust compiles and runs, TypeScript type-checks, commands, flags, env vars exist), link, book page"
cargo test --workspace --locked -q --test docs --test rust_blocks
log "the book (mdbook build docs, into target/book)"
ensure_mdbook
# mdbook exits 0 on a missing include or a bad link target: any warning fails the step.
book_log="$(mdbook build docs --dest-dir "${CARGO_TARGET_DIR:-$HEYCAT_ROOT/target}/book" 2>&1)"
if grep -E "WARN|ERROR" <<<"$book_log" >&2; then
  log "mdbook build docs warned (above)"
  exit 1
fi
log "cargo test (the docs' tests ran above)"
cargo test --workspace --locked --exclude heycat-docs
notes test --locked
log "the benchmark suite, quick mode (a debug build: it proves the suite runs; its figures are not the performance page's)"
cargo test --locked -q -p heycat-app --bench suite -- --quick
log "frontend: tsc and vitest in each npm workspace member (@heycat/runtime, app/ui, examples/notes/ui, tests/zoo)"
npm run --silent typecheck --workspaces
npm test --silent --workspaces --if-present
log "npm pack of @heycat/runtime (its JavaScript, .d.ts and README)"
check_runtime_pack
log "all checks passed in $(( $(date +%s) - start )) s"
