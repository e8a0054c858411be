#!/usr/bin/env bash
# Packages the crates an adopter depends on, as `cargo publish` would (into target/package),
# and proves that each package builds from what is in it: the .crate files are unpacked into a
# workspace of their own, where they depend on one another as on crates.io, and checked offline.
# A crate that reads a file outside its folder (an `include_str!` of `../..`) fails here rather
# than on crates.io. `cargo package`'s own verification would find the same, with a full build
# of every package in another profile: the whole dependency tree again.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$HEYCAT_ROOT"

crates=(heycat heycat-macros heycat-runtime heycat-local-server heycat-codegen heycat-contract heycat-plan
  heycat-canonical heycat-schema)
# Where cargo puts packages: the target dir, wherever CARGO_TARGET_DIR points it.
target="${CARGO_TARGET_DIR:-$HEYCAT_ROOT/target}"
packages="$target/package"
rm -rf "$packages"
cargo package --offline --locked --allow-dirty --no-verify "${crates[@]/#/--package=}"

unpacked="$packages/unpacked"
mkdir -p "$unpacked"
members=()
for crate in "${crates[@]}"; do
  file=$(ls "$packages/$crate"-[0-9]*.crate)
  # -m: the files get the time of unpacking (a package holds one fixed time for all), so cargo
  # sees that they changed since the last check.
  tar -xzmf "$file" -C "$unpacked"
  members+=("$(basename "$file" .crate)")
done
{
  echo "# The packages as crates.io would hold them, each depending on the others' packages."
  echo "[workspace]"
  echo "resolver = \"2\""
  printf 'members = [%s]\n' "$(printf '"%s", ' "${members[@]}")"
  echo "[patch.crates-io]"
  for member in "${members[@]}"; do echo "${member%-[0-9]*} = { path = \"$member\" }"; done
  # The workspace's profiles, so the check reuses what its builds compiled.
  sed -n '/^\[profile/,$p' Cargo.toml
} >"$unpacked/Cargo.toml"
# The versions the workspace is built and tested with (cargo drops what the packages do not use).
cp Cargo.lock "$unpacked/Cargo.lock"
CARGO_TARGET_DIR="$target" cargo check --offline --workspace --manifest-path "$unpacked/Cargo.toml"
