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

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  need_apt xvfb
  display=":${HEYCAT_XVFB_DISPLAY:-99}"
  log "no display: starting Xvfb on $display (set DISPLAY to use a real one)"
  Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
  xvfb_pid=$!
  trap 'kill "$xvfb_pid" 2>/dev/null' EXIT
  export DISPLAY="$display"
  sleep 1
fi
log "starting heycat data (data dir: ${HEYCAT_DATA_DIR:-default})"
"${CARGO_TARGET_DIR:-$HEYCAT_ROOT/target}/debug/heycat-data"
