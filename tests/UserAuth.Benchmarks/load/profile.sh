#!/usr/bin/env bash
# Profiles one operation of the load suite: starts the service (as run.sh does) on a seeded database, drives OP with
# wrk, records a CPU-sampling trace of the service with dotnet-trace meanwhile, and prints the top frames (exclusive
# and inclusive, as % of the service's busy thread time on request threads) with profile.py.
#
#   bash tests/UserAuth.Benchmarks/load/profile.sh <seeded database> <data folder> [OP] [seconds]
#   e.g. bash tests/UserAuth.Benchmarks/load/profile.sh /tmp/userauth-load-x/db-100000/userauth.db /tmp/userauth-load-x/data-100000 lookup_email 20
#
# The database and data folder come from a run.sh round (or `dotnet UserAuth.Benchmarks.dll seed <db> <users> <folder>`).
# Installs dotnet-trace as a global tool when it is missing. Output: the .speedscope.json and the summary
# (profile-OP.top.txt) in $OUT (default /tmp/userauth-profile-<time>). run.sh does the same for its largest size.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
cd "$root"
DB=${1:?database}; DATA=${2:?data folder}; OP=${3:-lookup_email}; SECONDS_=${4:-20}; C=${BENCH_PROFILE_CONCURRENCY:-16}
OUT=${BENCH_OUT:-/tmp/userauth-profile-$(date -u +%Y%m%dT%H%M%S)}
mkdir -p "$OUT"
. "$here/lib.sh"
build_release || exit 1
trap stop_service EXIT
start_service "$DB" || exit 1
log "service up (pid $svc_pid); warming up $OP"
run() { OP=$OP DATA="$DATA" BASE="$BASE" TOKEN="$TOKEN" RUN=$1 TOKEN_PATH="$TOKEN_PATH" BASIC="$BASIC" \
        wrk -t2 -c"$C" -d"$2s" --timeout 10s -s "$here/ops.lua" "http://127.0.0.1:$PORT" | grep '^RESULT'; }
run 90 5 >/dev/null
PROFILE_RUN=91 profile_op "$OP" "$OP" "$SECONDS_" "$DATA"
cat "$OUT/profile-$OP.wrk" "$OUT/profile-$OP.top.txt"
