# Shared helpers for heycat-data's scripts. Source it; do not run it.
# Everything here is idempotent: it checks first and installs only what is missing.

set -euo pipefail

HEYCAT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SPACETIMEDB_VERSION="1.2.0"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

log() { printf '\033[1m[heycat]\033[0m %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs the Debian packages among "$@" that are not installed yet.
need_apt() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# The real SpacetimeDB server, built from crates.io (10-25 minutes the first time).
ensure_server() {
  if command -v spacetimedb-standalone >/dev/null 2>&1 &&
     spacetimedb-standalone --version 2>/dev/null | grep -q "$SPACETIMEDB_VERSION"; then
    return 0
  fi
  need_apt pkg-config libssl-dev
  log "installing spacetimedb-standalone $SPACETIMEDB_VERSION with cargo (first time only; 10-25 minutes)"
  cargo install spacetimedb-standalone --version "$SPACETIMEDB_VERSION" --locked --quiet
}

# The database program each app of this repository ships with, put where Tauri takes it from
# (<app>/binaries/spacetimedb-standalone-<target triple>, a sidecar): the one ensure_server
# installed, copied only when it changed.
ensure_sidecars() {
  local app
  for app in app examples/notes; do
    (cd "$HEYCAT_ROOT" && cargo run --locked -q -p heycat-schema -- sidecar --app "$app" >&2)
  done
}

# Prints how this machine builds wasm32 (what heycat-codegen's module build then uses):
# "rustup" when the target is installed normally, otherwise sets up and prints "debian"
# (Debian's rustc-web with build-std, linked as the rustup toolchain debian-web).
ensure_wasm_toolchain() {
  if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    echo rustup
    return 0
  fi
  ensure_debian_web_toolchain
  echo debian
}

# Debian's Rust with its std sources (and the lld that links wasm), linked as the rustup
# toolchain debian-web: it builds std for a target rustup cannot download here (-Zbuild-std).
ensure_debian_web_toolchain() {
  need_apt rustc-web cargo-web rust-web-src lld-22
  if ! rustup toolchain list | grep -q '^debian-web'; then
    log "linking Debian's Rust as the rustup toolchain debian-web"
    rustup toolchain link debian-web /usr >&2
  fi
}

# What Tauri 2 needs to build on Linux (WebKitGTK and friends), and what the tests that open
# the app's real window use (a virtual display, xdotool, WebKitGTK's WebDriver).
ensure_tauri_deps() {
  need_apt pkg-config build-essential libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libayatana-appindicator3-dev \
    xvfb xdotool webkit2gtk-driver
}

# tauri-driver, the WebDriver front the real-window tests drive the app through (about 30 s
# to build the first time).
TAURI_DRIVER_VERSION="2.1.0"
ensure_tauri_driver() {
  if cargo install --list 2>/dev/null | grep -q "^tauri-driver v$TAURI_DRIVER_VERSION:"; then
    return 0
  fi
  log "installing tauri-driver $TAURI_DRIVER_VERSION with cargo"
  cargo install tauri-driver --version "$TAURI_DRIVER_VERSION" --locked --quiet
}

# mdBook, which builds the book in docs/ (about 2 minutes to build the first time; the search
# index is its only feature used).
MDBOOK_VERSION="0.5.4"
ensure_mdbook() {
  if cargo install --list 2>/dev/null | grep -q "^mdbook v$MDBOOK_VERSION:"; then
    return 0
  fi
  log "installing mdbook $MDBOOK_VERSION with cargo"
  cargo install mdbook --version "$MDBOOK_VERSION" --locked --quiet --no-default-features --features search
}

# Node.js and npm for the frontend (the machine's, else Debian's).
ensure_node() {
  command -v npm >/dev/null 2>&1 || need_apt nodejs npm
}

# The npm workspace's packages (package.json at the root: the runtime's TypeScript, the package
# @heycat/runtime in runtime/ts, and the frontends that depend on it as an app does: app/ui,
# examples/notes/ui, tests/zoo), installed from package-lock.json when it changed, and
# @heycat/runtime's build (its JavaScript and .d.ts in runtime/ts/dist, what the frontends
# import), redone when a file of the package is newer than it.
ensure_ui_packages() {
  ensure_node
  local stamp="$HEYCAT_ROOT/node_modules/.heycat-lock-hash"
  local want
  want="$(sha256sum "$HEYCAT_ROOT/package-lock.json" | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    # Installing builds @heycat/runtime too (its `prepare` script).
    log "installing the npm workspace's packages (npm ci)"
    (cd "$HEYCAT_ROOT" && npm ci --no-audit --no-fund --loglevel=error >&2)
    echo "$want" > "$stamp"
  fi
  local ts="$HEYCAT_ROOT/runtime/ts"
  if [ ! -f "$ts/dist/index.js" ] ||
     [ -n "$(find "$ts" -maxdepth 1 -type f -newer "$ts/dist/index.js" \( -name '*.ts' -o -name '*.json' \) -print -quit)" ]; then
    log "building @heycat/runtime (runtime/ts/dist)"
    (cd "$ts" && npm run --silent build >&2)
  fi
}

# The example app's frontend, type-checked and bundled into examples/notes/ui/dist (which its
# Tauri build embeds).
build_notes_ui() {
  ensure_ui_packages
  log "building the example app's frontend"
  (cd "$HEYCAT_ROOT/examples/notes/ui" && npm run --silent build >&2)
}

# `npm pack` of @heycat/runtime holds its JavaScript, its .d.ts, its README and nothing else
# (neither its sources nor its tests).
check_runtime_pack() {
  (cd "$HEYCAT_ROOT/runtime/ts" && npm pack --dry-run --json --silent) | node -e '
    const [pack] = JSON.parse(require("fs").readFileSync(0, "utf8"));
    const files = pack.files.map((file) => file.path).sort();
    const modules = ["index", "react", "runtime", "types"];
    const want = ["README.md", ...modules.flatMap((m) => [`dist/${m}.d.ts`, `dist/${m}.js`]), "package.json"].sort();
    if (JSON.stringify(files) !== JSON.stringify(want)) {
      console.error(`npm pack of ${pack.id} holds\n  ${files.join("\n  ")}\nnot\n  ${want.join("\n  ")}`);
      process.exit(1);
    }'
}

# A display for the app's window: the one there is, or, on a headless Linux, a virtual one
# (Xvfb on :99, or HEYCAT_XVFB_DISPLAY), stopped when the calling script exits.
ensure_display() {
  if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
    return 0
  fi
  need_apt xvfb
  local display=":${HEYCAT_XVFB_DISPLAY:-99}"
  log "no display: starting Xvfb on $display (set DISPLAY to use a real one)"
  Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
  xvfb_pid=$!
  trap 'kill "$xvfb_pid" 2>/dev/null' EXIT
  export DISPLAY="$display"
  sleep 1
}
