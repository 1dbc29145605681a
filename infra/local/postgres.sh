#!/usr/bin/env bash
# PostgreSQL 15 (Debian package) on 127.0.0.1:15432, trust auth on loopback, database
# `offsite`. usage: infra/local/postgres.sh build|start|stop|status|restart
set -euo pipefail
SERVICE=postgres
source "$(dirname "$0")/lib.sh"
HAS_BUILD=1

PG_MAJOR=15
PGBIN="/usr/lib/postgresql/$PG_MAJOR/bin"
DATABASE=offsite
URL="postgres://postgres@127.0.0.1:$POSTGRES_PORT/$DATABASE"
PG_USER=postgres

as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u "$PG_USER" -- "$@"; else "$@"; fi; }

do_build() {
  [[ -x "$PGBIN/initdb" ]] || apt_install "postgresql-$PG_MAJOR"
  command -v psql >/dev/null || apt_install postgresql-client
}

# The cluster lives in $OFFSITE_CACHE/postgres. The server may not run as root, and the
# postgres user cannot enter a cache under a private home (/root is 0700): then the cluster
# goes to postgres's own home and $OFFSITE_CACHE/postgres is a symlink to it. Nothing outside
# the cache changes mode.
resolve_root() {
  local link="$OFFSITE_CACHE/postgres"
  if [[ $(id -u) -ne 0 ]]; then PGROOT="$link"; mkdir -p "$PGROOT"; return; fi
  if [[ -L "$link" ]]; then PGROOT="$(readlink -f "$link")"; mkdir -p "$PGROOT"; chown "$PG_USER:" "$PGROOT"; return; fi
  mkdir -p "$link"
  chown "$PG_USER:" "$link"
  if runuser -u "$PG_USER" -- test -w "$link"; then PGROOT="$link"; return; fi
  local home; home="$(getent passwd "$PG_USER" | cut -d: -f6)"
  PGROOT="$home/offsite-$(printf '%s' "$OFFSITE_CACHE" | md5sum | cut -c1-8)"
  mkdir -p "$PGROOT" && chown "$PG_USER:" "$PGROOT"
  rmdir "$link" 2>/dev/null || die "$link is not empty and not usable by $PG_USER"
  ln -s "$PGROOT" "$link"
  say "$PG_USER cannot enter $OFFSITE_CACHE: cluster in $PGROOT ($link links to it)"
}

paths() { DATA="$PGROOT/data"; SOCK="$PGROOT/run"; LOG="$PGROOT/postgres.log"; }

running() { [[ -f "$DATA/postmaster.pid" ]] && as_pg "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

do_start() {
  do_build
  resolve_root; paths
  if running; then say "already running (pid $(head -n1 "$DATA/postmaster.pid")) on 127.0.0.1:$POSTGRES_PORT; stop: bash infra/local/postgres.sh stop"; return 0; fi
  port_open "$POSTGRES_PORT" && die "127.0.0.1:$POSTGRES_PORT is taken by another process"
  local t0; t0=$(now_ms)
  if [[ ! -f "$DATA/PG_VERSION" ]]; then
    as_pg "$PGBIN/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >>"$PGROOT/initdb.log" 2>&1 \
      || { tail -n 20 "$PGROOT/initdb.log" >&2; die "initdb failed"; }
  fi
  as_pg mkdir -p "$SOCK"
  as_pg "$PGBIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 \
    -o "-p $POSTGRES_PORT -c listen_addresses=127.0.0.1 -k $SOCK -c max_connections=200" start >/dev/null \
    || { tail -n 20 "$LOG" >&2; die "pg_ctl start failed; log: $LOG"; }
  if [[ "$(psql -h 127.0.0.1 -p "$POSTGRES_PORT" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")" != 1 ]]; then
    psql -h 127.0.0.1 -p "$POSTGRES_PORT" -U postgres -d postgres -qc "CREATE DATABASE $DATABASE" || die "CREATE DATABASE $DATABASE failed"
  fi
  psql "$URL" -tAc 'SELECT 1' >/dev/null || die "SELECT 1 on $URL failed"
  say "ready in $(( $(now_ms) - t0 )) ms: DATABASE_URL=$URL; log $LOG; stop: bash infra/local/postgres.sh stop"
}

do_stop() {
  resolve_root; paths
  if ! running; then say "not running"; return 0; fi
  local pid; pid="$(head -n1 "$DATA/postmaster.pid")"
  as_pg "$PGBIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >/dev/null
  say "stopped (pid $pid)"
}

do_status() {
  resolve_root; paths
  if running && "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$POSTGRES_PORT"; then
    local pid; pid="$(head -n1 "$DATA/postmaster.pid")"
    say "running (pid $pid, RSS $(rss_tree "$pid") with its backends) on 127.0.0.1:$POSTGRES_PORT"
  else say "not running"; return 1; fi
}

dispatch "$@"
