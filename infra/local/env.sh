#!/usr/bin/env bash
# Prints the variables that point the services and integration tests at the servers that
# infra/local/up.sh starts. usage: eval "$(bash infra/local/env.sh)"
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cat <<VARS
export MQTT_URL=mqtt://127.0.0.1:$MQTT_PORT_LOCAL
export KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT
export INFLUX_URL=http://127.0.0.1:$INFLUX_PORT
export INFLUX_TOKEN=$INFLUX_TOKEN
export INFLUX_ORG=$INFLUX_ORG
export INFLUX_BUCKET=$INFLUX_BUCKET
export DATABASE_URL=postgres://postgres@127.0.0.1:$POSTGRES_PORT/offsite
VARS
