#!/usr/bin/env bash
# Usage: tools/mongo-emulator/stop.sh [PIDFILE]   (default tools/mongo-emulator/.pid)
# Stops the emulator started by start.sh: SIGTERM, then SIGKILL after ~5 s.
set -euo pipefail

DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PIDFILE="${1:-$DIR/.pid}"

if [[ ! -f "$PIDFILE" ]]; then
  echo "mongo-emulator: no pid file at $PIDFILE; nothing to stop" >&2
  exit 0
fi
PID="$(cat "$PIDFILE")"
if [[ ! "$PID" =~ ^[0-9]+$ ]]; then
  rm -f "$PIDFILE"; echo "mongo-emulator: bad pid file removed" >&2; exit 0
fi
if ! kill -0 "$PID" 2>/dev/null; then
  rm -f "$PIDFILE"; echo "mongo-emulator: PID $PID not running; pid file removed" >&2; exit 0
fi
# Safety: only signal it if it really is our server.js
if [[ -r "/proc/$PID/cmdline" ]] && ! tr '\0' ' ' <"/proc/$PID/cmdline" | grep -q "mongo-emulator/server.js"; then
  echo "mongo-emulator: PID $PID is not the emulator; refusing to kill (pid file kept)" >&2
  exit 1
fi
kill -TERM "$PID" 2>/dev/null || true
for _ in $(seq 1 50); do
  kill -0 "$PID" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$PID" 2>/dev/null; then
  echo "mongo-emulator: PID $PID ignored SIGTERM; sending SIGKILL" >&2
  kill -KILL "$PID" 2>/dev/null || true
fi
rm -f "$PIDFILE"
echo "mongo-emulator: stopped PID $PID" >&2
