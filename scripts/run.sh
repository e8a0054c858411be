#!/usr/bin/env bash
# The main job: installs what is missing, starts a local SpacetimeDB server, publishes heycat's
# generated module and shows it serving every table. Arguments go to heycat-local
# (--once to exit after showing the tables, --data-dir DIR to choose where data lives).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$HEYCAT_ROOT"

bash scripts/setup.sh
HEYCAT_MODULE_WASM="$(bash scripts/build-module.sh)"
export HEYCAT_MODULE_WASM
exec cargo run --locked -q -p heycat-harness --bin heycat-local -- "$@"
