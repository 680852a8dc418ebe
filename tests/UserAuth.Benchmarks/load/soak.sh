#!/usr/bin/env bash
# The soak (issue 14): mixed reads and writes at about 80% of the measured capacity for SOAK_MINUTES (default 10)
# minutes against the service as deployed (Release, Production, the embedded store), one wrk run per minute; reports
# errors (must be 0), p50/p99 per minute and the service's RSS per minute (should stay flat), checks that the users
# gained equal the creates answered, and writes docs/SOAK.md.
#
#   bash tests/UserAuth.Benchmarks/load/soak.sh                 # seeds 100,000 users, calibrates, soaks 10 minutes
#   SOAK_DB=<seeded db> SOAK_DATA=<its data folder> bash tests/UserAuth.Benchmarks/load/soak.sh   # on a seeded database
#
# Settings: SOAK_MINUTES (10), SOAK_USERS (100000, when it seeds), SOAK_CONCURRENCY (16), SOAK_SHARE (0.8 of the
# capacity), SOAK_RATE (requests/s; skips the calibration), SOAK_REPORT (1: write docs/SOAK.md), BENCH_OUT (results).
# The mix (ops.lua, op "mix"): 30% lookup by email, 10% first page, 10% page 100, 10% sessions of a user, 10% attribute
# filter, 15% createUser, 15% updateUser. Not part of .ci/run.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
cd "$root"
OUT=${BENCH_OUT:-/tmp/userauth-soak-$(date -u +%Y%m%dT%H%M%S)}
mkdir -p "$OUT"
. "$here/lib.sh"
MINUTES=${SOAK_MINUTES:-10}; C=${SOAK_CONCURRENCY:-16}; SHARE=${SOAK_SHARE:-0.8}; USERS=${SOAK_USERS:-100000}
results="$OUT/soak.jsonl"; : >"$results"
command -v wrk >/dev/null || { echo "wrk is required: apt-get install wrk"; exit 2; }
if [ "${SOAK_BUILD:-1}" = 1 ]; then log "build (Release)"; build_release || exit 1; fi
DB=${SOAK_DB:-}; DATA=${SOAK_DATA:-}
if [ -z "$DB" ]; then
  DB="$OUT/db/userauth.db"; DATA="$OUT/data"; mkdir -p "$OUT/db"
  log "seed $USERS users (+ a second application) through the store"
  dotnet "$BENCH_DLL" seed "$DB" "$USERS" "$DATA" >"$OUT/seed.log" 2>&1 || { tail -20 "$OUT/seed.log"; exit 1; }
fi
trap stop_service EXIT
start_service "$DB" || exit 1
log "service up (pid $svc_pid), $(item_total) users listed"
# RUN makes the created users of each wrk run unique (ops.lua): 900 for the calibration, 900 + minute after it.
wrk_run() { # SECONDS RATE RUN
  OP=mix DATA="$DATA" BASE="$BASE" TOKEN="$TOKEN" RUN=$3 RATE=$2 THREADS=2 \
    wrk -t2 -c"$C" -d"$1s" --timeout 10s -s "$here/ops.lua" "http://127.0.0.1:$PORT" 2>&1 | grep '^RESULT ' | sed 's/^RESULT //'
}
echo "{\"kind\":\"start\",\"date\":\"$(date -u +%FT%TZ)\",\"commit\":\"$(git rev-parse --short HEAD)\",\"dirty\":$( [ -z "$(git status --porcelain --untracked-files=no)" ] && echo false || echo true),\"load\":\"$(cut -d' ' -f1-3 /proc/loadavg)\",\"minutes\":$MINUTES,\"concurrency\":$C,\"nproc\":$(nproc)}" >>"$results"
if [ -n "${SOAK_RATE:-}" ]; then
  RATE=$SOAK_RATE; log "rate $RATE requests/s (SOAK_RATE)"
else
  cal=$(wrk_run 30 0 900)
  cap=$(/usr/bin/python3 -c "import json,sys; d=json.loads(sys.argv[1]); print(d['requests']*1e6/d['duration_us'])" "$cal")
  RATE=$(/usr/bin/python3 -c "print(int(float('$cap') * float('$SHARE')))")
  echo "{\"kind\":\"capacity\",\"rps\":$cap,\"share\":$SHARE,\"rate\":$RATE,\"wrk\":$cal}" >>"$results"
  log "capacity of the mix: $(printf '%.0f' "$cap") requests/s unthrottled (c=$C, 30 s); soaking at $RATE requests/s"
fi
before=$(item_total)
pids=$(tree "$svc_pid")
for m in $(seq "$MINUTES"); do
  t0=$(cpu_ticks $pids)
  line=$(wrk_run 60 "$RATE" $((900 + m)))
  t1=$(cpu_ticks $pids)
  [ -n "$line" ] || { log "minute $m: wrk failed"; line='{"requests":0,"duration_us":1,"non2xx":0,"connect":0,"read":0,"write":0,"timeout":0,"p50_us":0,"p95_us":0,"p99_us":0,"max_us":0,"mean_us":0,"creates_sent":0}'; }
  echo "{\"kind\":\"minute\",\"minute\":$m,\"rss_kb\":$(rss_kb $pids),\"cpu_ms\":$(( (t1 - t0) * 1000 / TCK )),\"db_bytes\":$(( $(stat -c %s "$DB") + $(stat -c %s "$DB-wal" 2>/dev/null || echo 0) )),\"load\":\"$(cut -d' ' -f1 /proc/loadavg)\",\"wrk\":$line}" >>"$results"
  log "  minute $m: $(/usr/bin/python3 -c "import json,sys; d=json.loads(sys.argv[1]); w=d['wrk']; print('%6.0f req/s  p50 %6.2f ms  p99 %7.2f ms  errors %d  RSS %d MiB' % (w['requests']*1e6/w['duration_us'], w['p50_us']/1000, w['p99_us']/1000, w['non2xx']+w['connect']+w['read']+w['write']+w['timeout'], d['rss_kb']//1024))" "$(tail -1 "$results")")"
done
sleep 2
after=$(item_total)
echo "{\"kind\":\"end\",\"date\":\"$(date -u +%FT%TZ)\",\"before\":$before,\"after\":$after,\"load\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}" >>"$results"
log "users listed before $before, after $after"
if [ "${SOAK_REPORT:-1}" = 1 ]; then
  /usr/bin/python3 "$here/soak_report.py" "$results" "$root/docs/SOAK.md" && log "wrote docs/SOAK.md from $results"
fi
