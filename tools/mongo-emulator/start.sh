#!/usr/bin/env bash
# Usage: tools/mongo-emulator/start.sh [PORT] [PIDFILE]
#   PORT    default $MONGO_EMULATOR_PORT or 27099
#   PIDFILE default tools/mongo-emulator/.pid
# Installs if needed, starts server.js in the background, waits (<= ~20 s) for the
# port to accept TCP connections, then prints the connection string on stdout.
# Server output goes to PIDFILE's directory as mongo-emulator-PORT.log.
set -euo pipefail

DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PORT="${1:-${MONGO_EMULATOR_PORT:-27099}}"
PIDFILE="${2:-$DIR/.pid}"
HOST="${MONGO_EMULATOR_HOST:-127.0.0.1}"
TIMEOUT_S="${MONGO_EMULATOR_START_TIMEOUT:-20}"

fail() { echo "mongo-emulator: ERROR: $*" >&2; exit 1; }

[[ "$PORT" =~ ^[0-9]+$ ]] && (( PORT >= 1 && PORT <= 65535 )) || fail "invalid port '$PORT'"

port_open() {
  # bash /dev/tcp probe (no extra tools needed), bounded to 1 s
  timeout 1 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$HOST" "$PORT" 2>/dev/null
}

if [[ -f "$PIDFILE" ]]; then
  OLD="$(cat "$PIDFILE" 2>/dev/null || true)"
  if [[ -n "$OLD" ]] && kill -0 "$OLD" 2>/dev/null; then
    fail "already running with PID $OLD (pid file $PIDFILE); run stop.sh first"
  fi
  rm -f "$PIDFILE"
fi

if port_open; then
  fail "port $HOST:$PORT is already in use by another process"
fi

bash "$DIR/install.sh" || fail "install failed"

mkdir -p "$(dirname "$PIDFILE")"
LOG="$(dirname "$PIDFILE")/mongo-emulator-$PORT.log"
MONGO_EMULATOR_HOST="$HOST" nohup node "$DIR/server.js" "$PORT" >"$LOG" 2>&1 </dev/null &
PID=$!
echo "$PID" > "$PIDFILE"

deadline=$(( SECONDS + TIMEOUT_S ))
until port_open; do
  if ! kill -0 "$PID" 2>/dev/null; then
    rm -f "$PIDFILE"
    echo "---- $LOG ----" >&2; cat "$LOG" >&2 || true
    fail "emulator process exited before accepting connections on $HOST:$PORT"
  fi
  if (( SECONDS >= deadline )); then
    kill "$PID" 2>/dev/null || true
    rm -f "$PIDFILE"
    echo "---- $LOG ----" >&2; cat "$LOG" >&2 || true
    fail "emulator did not accept connections on $HOST:$PORT within ${TIMEOUT_S}s"
  fi
  sleep 0.2
done

echo "mongo-emulator: started PID $PID (pid file $PIDFILE, log $LOG)" >&2
echo "mongodb://$HOST:$PORT/?directConnection=true"
