#!/usr/bin/env bash
# InfluxDB 2.7 OSS on 127.0.0.1:18086, built from its Go module (no release binary can be
# fetched here). usage: infra/local/influxdb.sh build|start|stop|status|restart
# The build (libflux in Rust + influxd in Go, ~4 min cold, ~2.8 GB of caches) runs once into
# $OFFSITE_CACHE/influxdb/bin and is reused while its version file matches. It runs niced so
# that it does not starve the other servers' start-up or tests on a small machine.
set -euo pipefail
SERVICE=influxdb
source "$(dirname "$0")/lib.sh"
HAS_BUILD=1
PROC_MATCH=influxd

INFLUXDB_VERSION=v2.7.12
PKG_CONFIG_VERSION=v0.2.14
GO_TAGS=sqlite_foreign_keys,sqlite_json   # as influxdb's GNUmakefile (COMMON_TAGS); no UI assets
BUILD_ID="influxdb $INFLUXDB_VERSION pkg-config $PKG_CONFIG_VERSION tags $GO_TAGS"

BASE="$OFFSITE_CACHE/influxdb"
BIN="$BASE/bin/influxd"
VERSION_FILE="$BASE/bin/VERSION"
DATA="$BASE/data"
PIDFILE="$BASE/influxd.pid"
LOG="$BASE/influxd.log"
BUILD_LOG="$BASE/build.log"
URL="http://127.0.0.1:$INFLUX_PORT"
mkdir -p "$BASE/bin" "$DATA"

# Go and cargo caches live in the offsite cache too, so an empty cache means a cold build.
export GOMODCACHE="$OFFSITE_CACHE/go/mod" GOCACHE="$OFFSITE_CACHE/go/build" GOTOOLCHAIN=local GOFLAGS=-mod=readonly
export CARGO_HOME="${OFFSITE_CARGO_HOME:-$OFFSITE_CACHE/cargo}"

built() { [[ -x "$BIN" && -f "$VERSION_FILE" && "$(cat "$VERSION_FILE")" == "$BUILD_ID" ]]; }

# PATH without any other copy of influxdata's pkg-config: two copies call each other forever.
clean_path() {
  local out="" dir
  IFS=: read -ra dirs <<<"$PATH"
  for dir in "${dirs[@]}"; do
    [[ -z "$dir" || "$dir" == "$1" ]] && continue
    if [[ -x "$dir/pkg-config" ]] && go version -m "$dir/pkg-config" 2>/dev/null | grep -q 'influxdata/pkg-config'; then
      say "leaving $dir off PATH for the build: it holds another influxdata pkg-config"; continue
    fi
    out="${out:+$out:}$dir"
  done
  printf '%s' "$out"
}

do_build() {
  if built; then say "binary up to date: $BIN ($BUILD_ID)"; return 0; fi
  # Toolchains where this machine kind keeps them, for shells whose PATH lacks them.
  for d in /usr/local/go/bin "$HOME/.cargo/bin"; do
    [[ -d "$d" && ":$PATH:" != *":$d:"* ]] && PATH="$PATH:$d"
  done
  command -v go >/dev/null || die "go not found on PATH"
  command -v cargo >/dev/null || die "cargo (rustup) not found on PATH"
  local t0; t0=$(now_ms)
  local tools="$BASE/tools"
  mkdir -p "$tools"
  say "building influxd $INFLUXDB_VERSION (cold: several minutes); log: $BUILD_LOG"
  {
    echo "== $(date -Is) $BUILD_ID"
    GOBIN="$tools" GOFLAGS= go install "github.com/influxdata/pkg-config@$PKG_CONFIG_VERSION"
    cd "$INFRA_DIR/influxdb"
    PATH="$tools:$(clean_path "$tools")" \
    RUSTUP_TOOLCHAIN=stable \
    RUSTC_WRAPPER="$INFRA_DIR/influxdb/rustc-cap-lints.sh" \
    CGO_ENABLED=1 \
      nice -n 10 go build -tags "$GO_TAGS" \
        -ldflags "-X main.version=${INFLUXDB_VERSION#v} -X main.commit=offsite-local" \
        -o "$BIN.tmp" github.com/influxdata/influxdb/v2/cmd/influxd
  } >>"$BUILD_LOG" 2>&1 || { tail -n 30 "$BUILD_LOG" >&2; die "build failed; full log: $BUILD_LOG"; }
  mv -f "$BIN.tmp" "$BIN"
  echo "$BUILD_ID" >"$VERSION_FILE"
  say "built $BIN in $(( ($(now_ms) - t0) / 1000 )) s"
}

healthy() { curl -fsS --max-time 2 "$URL/health" 2>/dev/null | grep -q '"status": *"pass"'; }

setup_once() {
  local allowed
  allowed="$(curl -fsS --max-time 5 "$URL/api/v2/setup")" || die "GET /api/v2/setup failed"
  if grep -q '"allowed": *false' <<<"$allowed"; then say "already set up (org $INFLUX_ORG, bucket $INFLUX_BUCKET)"; return 0; fi
  curl -fsS --max-time 10 -X POST "$URL/api/v2/setup" -H 'Content-Type: application/json' \
    -d "{\"username\":\"$INFLUX_USER\",\"password\":\"$INFLUX_PASSWORD\",\"org\":\"$INFLUX_ORG\",\"bucket\":\"$INFLUX_BUCKET\",\"token\":\"$INFLUX_TOKEN\"}" \
    >/dev/null || die "POST /api/v2/setup failed"
  say "set up org $INFLUX_ORG, bucket $INFLUX_BUCKET, token $INFLUX_TOKEN"
}

do_start() {
  if pid_alive "$PIDFILE"; then say "already running (pid $(cat "$PIDFILE")) on $URL; stop: bash infra/local/influxdb.sh stop"; return 0; fi
  port_open "$INFLUX_PORT" && die "127.0.0.1:$INFLUX_PORT is taken by another process"
  do_build
  local t0; t0=$(now_ms)
  ( cd "$DATA" && exec setsid "$BIN" --bolt-path "$DATA/influxd.bolt" --engine-path "$DATA/engine" \
      --sqlite-path "$DATA/influxd.sqlite" --http-bind-address "127.0.0.1:$INFLUX_PORT" \
      --reporting-disabled --log-level warn ) >>"$LOG" 2>&1 </dev/null &
  echo $! >"$PIDFILE"
  if ! wait_for 60 "influxd /health" healthy; then
    tail -n 20 "$LOG" >&2; die "not healthy after 60 s; log: $LOG"
  fi
  setup_once
  say "ready in $(( $(now_ms) - t0 )) ms: $URL (org $INFLUX_ORG, bucket $INFLUX_BUCKET, token $INFLUX_TOKEN); log $LOG; stop: bash infra/local/influxdb.sh stop"
}

do_stop() { stop_pidfile "$PIDFILE" 30; }

do_status() {
  if pid_alive "$PIDFILE" && healthy; then say "running (pid $(cat "$PIDFILE"), RSS $(rss_of "$PIDFILE")) on $URL"
  else say "not running"; return 1; fi
}

dispatch "$@"
