#!/usr/bin/env bash
# Apache Kafka 3.9.1, single node KRaft (broker+controller) on 127.0.0.1:19092 (controller
# 19093), from Maven Central jars. usage: infra/local/kafka.sh build|start|stop|status|restart
set -euo pipefail
SERVICE=kafka
source "$(dirname "$0")/lib.sh"
HAS_BUILD=1
PROC_MATCH=kafka.Kafka

KAFKA_VERSION=3.9.1
BASE="$OFFSITE_CACHE/kafka"
LIB="$BASE/lib-$KAFKA_VERSION"
DATA="$BASE/data"
CONF="$BASE/server.properties"
CLUSTER_ID_FILE="$BASE/cluster-id"
PIDFILE="$BASE/kafka.pid"
LOG="$BASE/kafka.log"
mkdir -p "$BASE" "$DATA"

java_cmd() { java -Xms256m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true \
  -Dlog4j.configuration="file:$INFRA_DIR/kafka/log4j.properties" -cp "$LIB/*" "$@"; }

do_build() {
  if [[ -f "$LIB/.complete" ]]; then return 0; fi
  command -v java >/dev/null || apt_install openjdk-17-jre-headless
  command -v mvn >/dev/null || apt_install maven
  local t0; t0=$(now_ms)
  say "resolving kafka_2.13:$KAFKA_VERSION from Maven Central into $LIB"
  rm -rf "$LIB.tmp"
  mvn -q -B -f "$INFRA_DIR/kafka/pom.xml" -Dmaven.repo.local="$OFFSITE_CACHE/m2" \
    dependency:copy-dependencies -DoutputDirectory="$LIB.tmp" >"$BASE/mvn.log" 2>&1 \
    || { tail -n 30 "$BASE/mvn.log" >&2; die "mvn dependency:copy-dependencies failed; log: $BASE/mvn.log"; }
  rm -rf "$LIB" && mv "$LIB.tmp" "$LIB" && touch "$LIB/.complete"
  say "$(ls "$LIB"/*.jar | wc -l) jars in $(( ($(now_ms) - t0) / 1000 )) s"
}

configure() {
  sed -e "s|@DATA@|$DATA|; s|@PORT@|$KAFKA_PORT|g; s|@CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" \
    "$INFRA_DIR/kafka/server.properties.in" >"$CONF"
  [[ -s "$CLUSTER_ID_FILE" ]] || java_cmd kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1 >"$CLUSTER_ID_FILE"
  # Format only once: formatting again with a new id over old data fails.
  if [[ ! -f "$DATA/meta.properties" ]]; then
    java_cmd kafka.tools.StorageTool format -t "$(cat "$CLUSTER_ID_FILE")" -c "$CONF" >>"$LOG" 2>&1 \
      || { tail -n 20 "$LOG" >&2; die "storage format failed"; }
  fi
}

# A real Metadata (v0) request over the wire: ready when the broker lists itself.
metadata_ok() {
  local size body
  exec 3<>"/dev/tcp/127.0.0.1/$KAFKA_PORT" || return 1
  # size 19: api_key 3, version 0, correlation id 7, client id "ready" (len 5), topics [] (0)
  printf '\x00\x00\x00\x13\x00\x03\x00\x00\x00\x00\x00\x07\x00\x05ready\x00\x00\x00\x00' >&3
  size=$(timeout 3 dd bs=1 count=4 <&3 2>/dev/null | od -An -tu4 --endian=big | tr -d ' ')
  [[ "$size" =~ ^[0-9]+$ && "$size" -gt 8 ]] || { exec 3>&-; return 1; }
  body=$(timeout 3 dd bs="$size" count=1 iflag=fullblock <&3 2>/dev/null | od -An -tx1 -v | tr -d ' \n')
  exec 3>&-
  # correlation id 7, then at least one broker, whose entry ends with our port.
  [[ "${body:0:8}" == 00000007 && $((16#${body:8:8})) -ge 1 && "$body" == *"$(printf '%08x' "$KAFKA_PORT")"* ]]
}

ready() { grep -q 'Kafka Server started' "$LOG" 2>/dev/null && port_open "$KAFKA_PORT" && metadata_ok; }

do_start() {
  if pid_alive "$PIDFILE"; then say "already running (pid $(cat "$PIDFILE")) on 127.0.0.1:$KAFKA_PORT; stop: bash infra/local/kafka.sh stop"; return 0; fi
  port_open "$KAFKA_PORT" && die "127.0.0.1:$KAFKA_PORT is taken by another process"
  do_build
  local t0; t0=$(now_ms)
  configure
  : >"$LOG.start"; mv -f "$LOG" "$LOG.prev" 2>/dev/null || true; mv "$LOG.start" "$LOG"
  ( exec setsid java -Xms256m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true \
      -Dlog4j.configuration="file:$INFRA_DIR/kafka/log4j.properties" \
      -cp "$LIB/*" kafka.Kafka "$CONF" ) >>"$LOG" 2>&1 </dev/null &
  echo $! >"$PIDFILE"
  if ! wait_for 90 "kafka ready" ready; then
    tail -n 30 "$LOG" >&2; die "not ready after 90 s; log: $LOG"
  fi
  say "ready in $(( $(now_ms) - t0 )) ms: KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT; log $LOG; stop: bash infra/local/kafka.sh stop"
}

do_stop() { stop_pidfile "$PIDFILE" 60; }

do_status() {
  if pid_alive "$PIDFILE" && metadata_ok; then say "running (pid $(cat "$PIDFILE"), RSS $(rss_of "$PIDFILE")) on 127.0.0.1:$KAFKA_PORT"
  else say "not running"; return 1; fi
}

dispatch "$@"
