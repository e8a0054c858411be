#!/usr/bin/env bash
# The main job: installs what is missing, builds heycat's frontend and app (its build script
# generates everything from app/schema and builds the SpacetimeDB module), and runs the app.
# With no server configured (HEYCAT_SERVER_URL or server.json in the app's data dir) the app
# starts its own spacetimedb-standalone on 127.0.0.1 and publishes the module to it.
# Without a display (headless Linux) the window opens on a virtual one (Xvfb).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$HEYCAT_ROOT"

bash scripts/setup.sh
log "building the frontend"
(cd app/ui && npm run --silent build >&2)
log "building the app"
cargo build --locked -q -p heycat-app --bin heycat-data

ensure_display
log "starting heycat data (data dir: ${HEYCAT_DATA_DIR:-default})"
"${CARGO_TARGET_DIR:-$HEYCAT_ROOT/target}/debug/heycat-data"
