#!/usr/bin/env bash
# The schema dev loop on heycat's app: builds and runs the app, and on every save of a file in
# app/schema/ or app/ui/src/ checks the schema, regenerates the TypeScript, rebuilds the
# frontend and the app (module included), and restarts it on the same data dir, which migrates
# its database (asking here before anything that drops data). Prints the time from each save
# to the new app connected. Ctrl-C ends it (and the app).
# The app's data is in target/heycat-dev/data unless HEYCAT_DEV_DATA_DIR says otherwise.
# Without a display (headless Linux) the window opens on a virtual one (Xvfb).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$HEYCAT_ROOT"

bash scripts/setup.sh
target="${CARGO_TARGET_DIR:-$HEYCAT_ROOT/target}"
cargo build --locked -q -p heycat-schema

ensure_display
"$target/debug/heycat-schema" dev --schema app/schema --typescript app/ui/src/heycat --react \
  --watch app/ui/src --data-dir "${HEYCAT_DEV_DATA_DIR:-$target/heycat-dev/data}" \
  --build "(cd app/ui && npm run --silent build >/dev/null) && cargo build --locked -q -p heycat-app --bin heycat-data" \
  -- "$target/debug/heycat-data"
