#!/usr/bin/env bash
# Stops the servers that infra/local/up.sh started (clean shutdown through their pid files;
# data stays in $OFFSITE_CACHE). usage: bash infra/local/down.sh [server...]
set -uo pipefail
dir="$(dirname "$0")"
servers=("$@")
(( ${#servers[@]} )) || servers=(influxdb kafka postgres mosquitto)
rc=0
for s in "${servers[@]}"; do bash "$dir/$s.sh" stop || rc=1; done
exit $rc
