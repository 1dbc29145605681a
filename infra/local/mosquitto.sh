#!/usr/bin/env bash
# Mosquitto 2 (Debian package) on 127.0.0.1:18830 with infra/local/mosquitto/mosquitto.conf.
# usage: infra/local/mosquitto.sh build|start|stop|status|restart
set -euo pipefail
SERVICE=mosquitto
source "$(dirname "$0")/lib.sh"
HAS_BUILD=1
PROC_MATCH=mosquitto

BASE="$OFFSITE_CACHE/mosquitto"
CONF="$INFRA_DIR/mosquitto/mosquitto.conf"   # kept in the repo; copied when the port moves
PIDFILE="$BASE/mosquitto.pid"
LOG="$BASE/mosquitto.log"
MOSQUITTO=/usr/sbin/mosquitto
mkdir -p "$BASE"

do_build() { [[ -x "$MOSQUITTO" ]] || apt_install mosquitto; }

do_start() {
  if pid_alive "$PIDFILE"; then say "already running (pid $(cat "$PIDFILE")) on mqtt://127.0.0.1:$MQTT_PORT_LOCAL; stop: bash infra/local/mosquitto.sh stop"; return 0; fi
  port_open "$MQTT_PORT_LOCAL" && die "127.0.0.1:$MQTT_PORT_LOCAL is taken by another process"
  do_build
  if [[ "$MQTT_PORT_LOCAL" != 18830 ]]; then
    sed "s/^listener 18830 /listener $MQTT_PORT_LOCAL /" "$INFRA_DIR/mosquitto/mosquitto.conf" >"$BASE/mosquitto.conf"
    CONF="$BASE/mosquitto.conf"
  fi
  # As root, mosquitto drops to the mosquitto user after reading its config: keep it readable.
  chmod a+r "$CONF" 2>/dev/null || true
  local t0; t0=$(now_ms)
  ( exec setsid "$MOSQUITTO" -c "$CONF" ) >>"$LOG" 2>&1 </dev/null &
  echo $! >"$PIDFILE"
  if ! wait_for 20 "mosquitto port" port_open "$MQTT_PORT_LOCAL"; then
    tail -n 20 "$LOG" >&2; die "not listening after 20 s; log: $LOG"
  fi
  pid_alive "$PIDFILE" || { tail -n 20 "$LOG" >&2; die "exited at start; log: $LOG"; }
  say "ready in $(( $(now_ms) - t0 )) ms: MQTT_URL=mqtt://127.0.0.1:$MQTT_PORT_LOCAL; log $LOG; stop: bash infra/local/mosquitto.sh stop"
}

do_stop() { stop_pidfile "$PIDFILE" 10; }

do_status() {
  if pid_alive "$PIDFILE" && port_open "$MQTT_PORT_LOCAL"; then say "running (pid $(cat "$PIDFILE"), RSS $(rss_of "$PIDFILE")) on mqtt://127.0.0.1:$MQTT_PORT_LOCAL"
  else say "not running"; return 1; fi
}

dispatch "$@"
