#!/usr/bin/env bash
# Shows which local servers run, their pid and RSS. usage: bash infra/local/status.sh
set -uo pipefail
dir="$(dirname "$0")"
rc=0
for s in mosquitto postgres kafka influxdb; do bash "$dir/$s.sh" status || rc=1; done
exit $rc
