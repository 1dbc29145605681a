#!/usr/bin/env bash
# Starts Mosquitto, PostgreSQL, Kafka and InfluxDB on loopback (idempotent: a running server is
# left alone). The InfluxDB build, when needed, runs in the background meanwhile.
# usage: bash infra/local/up.sh [server...]   (default: all)   then: eval "$(bash infra/local/env.sh)"
set -euo pipefail
SERVICE=up
source "$(dirname "$0")/lib.sh"
servers=("$@")
(( ${#servers[@]} )) || servers=(mosquitto postgres kafka influxdb)

t_all=$(now_ms)
build_pid=""
if [[ " ${servers[*]} " == *" influxdb "* ]]; then
  bash "$INFRA_DIR/influxdb.sh" build & build_pid=$!
fi

failed=() timings=()
for s in "${servers[@]}"; do
  [[ "$s" == influxdb && -n "$build_pid" ]] && { wait "$build_pid" || { failed+=("influxdb(build)"); continue; }; }
  t0=$(now_ms)
  if bash "$INFRA_DIR/$s.sh" start; then timings+=("$s $(( $(now_ms) - t0 ))")
  else failed+=("$s"); fi
done

say "time to ready (ms, including any install/build): ${timings[*]:-none}"
say "all done in $(( ($(now_ms) - t_all) / 1000 )) s; logs under $OFFSITE_CACHE; variables: eval \"\$(bash infra/local/env.sh)\"; stop: bash infra/local/down.sh"
if (( ${#failed[@]} )); then die "failed to start: ${failed[*]}"; fi
