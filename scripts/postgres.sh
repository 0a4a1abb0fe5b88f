#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: `start` installs the server from Debian's
# packages when it is missing, creates a cluster in a temporary folder as a non-root user,
# listens on loopback only (a free port) and prints the lines to `eval`:
#   GESAL_TEST_POSTGRES=postgres://gesal:PASSWORD@127.0.0.1:PORT/gesal   (a superuser role)
#   GESAL_TEST_POSTGRES_DIR=FOLDER                                      (`stop` removes it)
# `stop FOLDER` stops that cluster and deletes it. Nothing outside FOLDER is touched.
# fsync is off (tests need no durability) unless GESAL_PG_FSYNC=on (for benchmarks).
#
#   eval "$(scripts/postgres.sh start)"; ...; scripts/postgres.sh stop "$GESAL_TEST_POSTGRES_DIR"
set -euo pipefail

say() { printf 'postgres: %s\n' "$*" >&2; }

bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

# The cluster runs as this user: initdb and postgres refuse root.
owner() {
  if [ "$(id -u)" -ne 0 ]; then id -un; elif id postgres >/dev/null 2>&1; then echo postgres; else echo nobody; fi
}

as_owner() {
  local user=$1; shift
  if [ "$(id -un)" = "$user" ]; then "$@"; else runuser -u "$user" -- "$@"; fi
}

start() {
  if [ -z "$(bindir)" ]; then
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    say "installing the PostgreSQL server from Debian's packages"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
  fi
  local bin user dir port password
  bin=$(bindir) || { say "no initdb after installing postgresql"; exit 1; }
  user=$(owner)
  dir=$(mktemp -d /tmp/gesal-postgres.XXXXXX)
  chown "$user" "$dir"
  chmod 700 "$dir"
  password=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
  printf '%s\n' "$password" > "$dir/password"
  chown "$user" "$dir/password"
  as_owner "$user" "$bin/initdb" -D "$dir/data" -U gesal --pwfile="$dir/password" -A scram-sha-256 -E UTF8 --no-locale >/dev/null
  # A free loopback port: ask the kernel for one, then hand it to the server.
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  as_owner "$user" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=${GESAL_PG_FSYNC:-off} -c max_connections=100" start >/dev/null
  as_owner "$user" env PGPASSWORD="$password" "$bin/psql" -q -h 127.0.0.1 -p "$port" -U gesal -d postgres -c "CREATE DATABASE gesal" >/dev/null
  say "a throwaway cluster on 127.0.0.1:$port in $dir ($("$bin/postgres" --version))"
  echo "export GESAL_TEST_POSTGRES=postgres://gesal:$password@127.0.0.1:$port/gesal"
  echo "export GESAL_TEST_POSTGRES_DIR=$dir"
}

stop() {
  local dir=${1:?usage: postgres.sh stop FOLDER}
  case "$dir" in /tmp/gesal-postgres.*) ;; *) say "refusing to remove $dir: not a folder this script made"; exit 1 ;; esac
  local bin
  bin=$(bindir) || true
  if [ -n "$bin" ] && [ -d "$dir/data" ]; then
    as_owner "$(stat -c %U "$dir")" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: scripts/postgres.sh start | stop FOLDER" >&2; exit 2 ;;
esac
