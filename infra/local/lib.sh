# Shared helpers for infra/local/*.sh (sourced, not run). Everything these scripts build,
# download or write lives under OFFSITE_CACHE (default ~/.cache/offsite), outside the repo.
# Ports are fixed and non-default so they never clash with the all-in-one's embedded
# servers (MQTT 1883, HTTP 8080) or with a system-wide server on the default ports.

HOME="${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}"
OFFSITE_CACHE="${OFFSITE_CACHE:-$HOME/.cache/offsite}"
INFRA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# Each can be moved (e.g. to run a second, separate set with another OFFSITE_CACHE).
MQTT_PORT_LOCAL="${OFFSITE_MQTT_PORT:-18830}"
KAFKA_PORT="${OFFSITE_KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${OFFSITE_KAFKA_CONTROLLER_PORT:-19093}"
POSTGRES_PORT="${OFFSITE_POSTGRES_PORT:-15432}"
INFLUX_PORT="${OFFSITE_INFLUX_PORT:-18086}"

INFLUX_ORG=offsite
INFLUX_BUCKET=offsite
INFLUX_TOKEN=offsite-dev-token
INFLUX_USER=offsite
INFLUX_PASSWORD=offsite-dev-password

mkdir -p "$OFFSITE_CACHE"

say() { printf '%s: %s\n' "${SERVICE:-infra}" "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

now_ms() { date +%s%3N; }

# pid_alive FILE: true when FILE names a live process whose command line contains PROC_MATCH
# (set by each script), so a stale pid file whose number was reused does not count.
pid_alive() {
  local f="$1" pid
  [[ -s "$f" ]] || return 1
  pid="$(cat "$f")"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  [[ -z "${PROC_MATCH:-}" ]] || tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$PROC_MATCH"
}

# port_open PORT: true when something accepts TCP connections on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.2 s until it succeeds.
wait_for() {
  local limit="$1" what="$2"; shift 2
  local deadline=$(( $(date +%s) + limit ))
  until "$@"; do
    if (( $(date +%s) >= deadline )); then return 1; fi
    sleep 0.2
  done
}

# stop_pidfile FILE SECONDS: SIGTERM, wait for a clean exit, SIGKILL only as a last resort.
stop_pidfile() {
  local f="$1" limit="${2:-30}" pid
  if ! pid_alive "$f"; then rm -f "$f"; say "not running"; return 0; fi
  pid="$(cat "$f")"
  kill -TERM "$pid"
  local deadline=$(( $(date +%s) + limit ))
  while kill -0 "$pid" 2>/dev/null; do
    if (( $(date +%s) >= deadline )); then
      say "pid $pid still running after ${limit}s: SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; break
    fi
    sleep 0.2
  done
  rm -f "$f"
  say "stopped (pid $pid)"
}

# rss_tree PID: resident set size in MB of PID and its children (PostgreSQL forks backends).
rss_tree() {
  local pids; pids="$(printf '%s\n' "$1" $(pgrep -P "$1") | paste -sd, -)"
  ps -o rss= -p "$pids" 2>/dev/null | awk '{ s += $1 } END { printf "%d MB", s / 1024 }'
}
# rss_of FILE: rss_tree of the process in pid FILE.
rss_of() { if pid_alive "$1"; then rss_tree "$(cat "$1")"; else echo "-"; fi; }

# apt_install PACKAGE...: installs missing Debian packages, running `apt-get update` only once
# per cache (and only when something is actually missing).
apt_install() {
  local missing=()
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
  (( ${#missing[@]} == 0 )) && return 0
  [[ $(id -u) -eq 0 ]] || die "need root to apt-get install ${missing[*]} (or install them yourself)"
  if [[ ! -f "$OFFSITE_CACHE/.apt-updated" ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -q -o DPkg::Lock::Timeout=300 >&2 && touch "$OFFSITE_CACHE/.apt-updated"
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-upgrade -o DPkg::Lock::Timeout=300 "${missing[@]}" >&2
}

# usage_and_dispatch: every per-server script takes start|stop|status (build where relevant).
dispatch() {
  local cmd="${1:-start}"
  case "$cmd" in
    start|stop|status|build|restart) ;;
    *) echo "usage: $0 start|stop|status|restart${HAS_BUILD:+|build}" >&2; exit 2 ;;
  esac
  if [[ "$cmd" == restart ]]; then do_stop; do_start; else "do_$cmd"; fi
}
do_build() { say "nothing to build"; }
