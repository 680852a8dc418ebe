#!/usr/bin/env bash
# The load suite (issue 9): seeds 10k / 100k / 1M users through the store, drives the service over loopback with
# wrk at concurrency 1, 16 and 64, measures the ceiling (/health/live), runs the in-process BenchmarkDotNet cases of
# the store and service, and runs the peer (Parse Server 9 on PostgreSQL 15) on the same users; then writes
# docs/BENCHMARKS.md (between its load-suite markers) and the plots in docs/bench/.
#
#   bash tests/UserAuth.Benchmarks/load/run.sh            # everything (about 45-60 minutes on 2 cores)
#   BENCH_SIZES="10000" BENCH_DURATION=5 BENCH_PEER=0 BENCH_BDN=0 bash tests/UserAuth.Benchmarks/load/run.sh   # a quick look
#
# Settings (environment): BENCH_SIZES (users of the main application per round; a second application gets a tenth),
# BENCH_CONCURRENCY ("1 16 64"), BENCH_DURATION (seconds per wrk run, default 10), BENCH_OPS (which operations),
# BENCH_PEER (1: run Parse Server when PostgreSQL and npm are there), BENCH_BDN (1: run BenchmarkDotNet too),
# BENCH_OUT (results folder, default /tmp/userauth-load-<date>), BENCH_REPORT (1: rewrite docs/BENCHMARKS.md).
# Not part of .ci/run. Needs wrk (apt-get install wrk); installs it, PostgreSQL and python3-matplotlib with apt-get
# when missing and allowed (BENCH_APT=1, default).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
cd "$root"

SIZES=${BENCH_SIZES:-"10000 100000 1000000"}
CONC=${BENCH_CONCURRENCY:-"1 16 64"}
DUR=${BENCH_DURATION:-10}
OPS=${BENCH_OPS:-"health lookup_email lookup_phone list_first list_deep list_q_email list_broad search_1 search_50 attr_filter group_members groups_of_user update sessions_list session_create token create"}
PEER_OPS=${BENCH_PEER_OPS:-"peer_health peer_lookup_email peer_list_first peer_list_deep peer_create"}
OUT=${BENCH_OUT:-/tmp/userauth-load-$(date -u +%Y%m%dT%H%M%S)}
PEER_PORT=${BENCH_PEER_PORT:-1337}
PG_PORT=${BENCH_PG_PORT:-54329}
mkdir -p "$OUT"
results="$OUT/results.jsonl"
: >"$results"
. "$here/lib.sh"

need_apt() { [ "${BENCH_APT:-1}" = 1 ] && { [ -f "$OUT/.apt-updated" ] || { apt-get update -qq >/dev/null 2>&1; touch "$OUT/.apt-updated"; }; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1; }; }
command -v wrk >/dev/null || need_apt wrk || { echo "wrk is required: apt-get install wrk"; exit 2; }
/usr/bin/python3 -c "import matplotlib" 2>/dev/null || need_apt python3-matplotlib || log "no matplotlib: the report will have no plots"

# ---- machine and code ------------------------------------------------------------------------------------------
{
  echo "{\"kind\":\"machine\",\"cpu\":\"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)\",\"nproc\":$(nproc),"\
"\"mem_kb\":$(grep MemTotal /proc/meminfo | awk '{print $2}'),\"os\":\"$(. /etc/os-release; echo "$PRETTY_NAME")\","\
"\"kernel\":\"$(uname -r)\",\"dotnet\":\"$(dotnet --version)\",\"wrk\":\"$(wrk -v 2>&1 | head -1 | awk '{print $2}')\","\
"\"commit\":\"$(git rev-parse --short HEAD)\",\"dirty\":$( [ -z "$(git status --porcelain --untracked-files=no)" ] && echo false || echo true),"\
"\"date\":\"$(date -u +%FT%TZ)\",\"load_before\":\"$(cut -d' ' -f1-3 /proc/loadavg)\",\"duration_s\":$DUR}"
} >>"$results"

log "build (Release)"
build_release || exit 1

# run_wrk SYSTEM SIZE OP CONC PIDS... : one wrk run, one JSON line in results.jsonl
run_count=0
run_wrk() {
  local system=$1 size=$2 op=$3 c=$4; shift 4
  local pids=("$@") threads=$(( c < 2 ? 1 : 2 )) url
  run_count=$((run_count + 1))
  [ "${system}" = peer ] && url="http://127.0.0.1:$PEER_PORT" || url="http://127.0.0.1:$PORT"
  reset_peak "${pids[@]}"
  local before; before=$(cpu_ticks "${pids[@]}")
  local out
  out=$(OP=$op DATA="$OUT/data-$size" BASE="$BASE" TOKEN="$TOKEN" RUN=$run_count TOKEN_PATH="$TOKEN_PATH" BASIC="$BASIC" \
        PARSE_APP=APP PARSE_KEY=KEY wrk -t"$threads" -c"$c" -d"${DUR}s" --timeout 10s -s "$here/ops.lua" "$url" 2>&1)
  local after; after=$(cpu_ticks "${pids[@]}")
  local rss; rss=$(rss_peak_kb "${pids[@]}")
  local line; line=$(grep '^RESULT ' <<<"$out" | sed 's/^RESULT //')
  if [ -z "$line" ]; then log "  $system $op c=$c: wrk failed: $(tail -3 <<<"$out" | tr '\n' ' ')"; return; fi
  echo "{\"kind\":\"wrk\",\"system\":\"$system\",\"users\":$size,\"op\":\"$op\",\"concurrency\":$c,\"cpu_ms\":$(( (after - before) * 1000 / TCK )),\"rss_peak_kb\":$rss,\"load\":\"$(cut -d' ' -f1 /proc/loadavg)\",\"wrk\":$line}" >>"$results"
  log "  $system $(printf '%-16s' "$op") c=$(printf '%-3s' "$c") $(/usr/bin/python3 -c "import json,sys; d=json.loads(sys.argv[1]); print('%8.0f req/s  p50 %7.2f ms  p99 %7.2f ms  errors %d' % (d['requests']*1e6/d['duration_us'], d['p50_us']/1000, d['p99_us']/1000, d['non2xx']+d['connect']+d['read']+d['write']+d['timeout']))" "$line")"
}

# ---- the peer: Parse Server 9 on PostgreSQL 15 -----------------------------------------------------------------
PEER=${BENCH_PEER:-1}
pg_bin=""; pg_dir="$OUT/pg"; parse_pid=""
peer_prepare() {
  [ "$PEER" = 1 ] || return 1
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  if [ -z "$pg_bin" ]; then need_apt postgresql; pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1); fi
  if [ -z "$pg_bin" ]; then log "peer skipped: PostgreSQL cannot be installed here (apt-get install postgresql failed)"; PEER=0; return 1; fi
  if [ ! -d "$here/peer/node_modules/parse-server" ]; then
    (cd "$here/peer" && npm install --no-audit --no-fund >"$OUT/npm.log" 2>&1) || { log "peer skipped: npm install parse-server failed (see $OUT/npm.log)"; PEER=0; return 1; }
  fi
  rm -rf "$pg_dir"; mkdir -p "$pg_dir"; chown postgres "$pg_dir"
  runuser -u postgres -- "$pg_bin/initdb" -D "$pg_dir/data" --auth=trust -U postgres >"$OUT/pg-init.log" 2>&1 || { log "peer skipped: initdb failed"; PEER=0; return 1; }
  runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir/data" -o "-p $PG_PORT -k $pg_dir -c listen_addresses=127.0.0.1 -c shared_buffers=256MB -c fsync=on" -l "$pg_dir/pg.log" -w start >/dev/null \
    || { log "peer skipped: PostgreSQL did not start"; PEER=0; return 1; }
  return 0
}
psql_() { "$pg_bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -q "$@"; }
peer_seed_and_start() { # SIZE
  local size=$1
  psql_ -d postgres -c "DROP DATABASE IF EXISTS parse;" -c "CREATE DATABASE parse;"
  start_parse
  # Parse makes _User (with its indexes) on the first signup; then the seeded users go in with \copy.
  curl -sf -H 'X-Parse-Application-Id: APP' -H 'Content-Type: application/json' -d '{"username":"first","password":"first-password","email":"first@example.org","app":"b00"}' "http://127.0.0.1:$PEER_PORT/parse/users" >/dev/null
  curl -sf -H 'X-Parse-Application-Id: APP' -H 'X-Parse-Master-Key: KEY' -H 'Content-Type: application/json' -d '{"username":"x","phone":"1","email":"x@example.org","firstName":"x","lastName":"x","app":"b00"}' "http://127.0.0.1:$PEER_PORT/parse/classes/Customer" >/dev/null
  local hash; hash=$(psql_ -d parse -At -c 'SELECT "_hashed_password" FROM "_User" LIMIT 1;')
  psql_ -d parse -c "CREATE TEMP TABLE seed (id text, username text, email text, created text, updated text, phone text, app text);" \
    -c "\\copy seed FROM '$OUT/data-$size/parse_users.csv' WITH (FORMAT csv)" \
    -c "INSERT INTO \"_User\" (\"objectId\", username, email, \"createdAt\", \"updatedAt\", \"_hashed_password\", \"emailVerified\", app) SELECT id, username, email, created::timestamptz, updated::timestamptz, '$hash', true, app FROM seed;" \
    -c "CREATE INDEX IF NOT EXISTS \"_User_app_createdAt\" ON \"_User\" (app, \"createdAt\" DESC);" \
    -c "CREATE INDEX IF NOT EXISTS \"_User_app_email\" ON \"_User\" (app, email);" \
    -c "VACUUM ANALYZE \"_User\";"
}
start_parse() {
  (cd "$here/peer" && exec node node_modules/parse-server/bin/parse-server --appId APP --masterKey KEY --masterKeyIps 127.0.0.1,::1 \
     --databaseURI "postgres://postgres@127.0.0.1:$PG_PORT/parse" --port "$PEER_PORT" --cluster 2 \
     --serverURL "http://127.0.0.1:$PEER_PORT/parse" --mountPath /parse --logLevel error >"$OUT/parse.log" 2>&1) &
  parse_pid=$!
  for _ in $(seq 120); do curl -sf "http://127.0.0.1:$PEER_PORT/parse/health" >/dev/null && return 0; sleep 0.5; done
  log "Parse Server did not start"; tail -20 "$OUT/parse.log"; return 1
}
stop_parse() { [ -n "$parse_pid" ] && { for p in $(tree "$parse_pid" | tac); do kill "$p" 2>/dev/null; done; wait "$parse_pid" 2>/dev/null; }; parse_pid=""; }
peer_stop() { stop_parse; [ -n "$pg_bin" ] && [ -d "$pg_dir/data" ] && runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null 2>&1; true; }
pg_pids() { pgrep -u postgres -f "$pg_dir/data" | head -1 | { read -r p && tree "$p"; }; }
trap 'stop_service; peer_stop' EXIT

peer_prepare && log "peer: Parse Server $(node -p "require('$here/peer/node_modules/parse-server/package.json').version") on PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}')"

# warm_up OP: unmeasured runs of BENCH_WARMUP seconds (default 5), so the measured runs do not include the JIT and
# tiering: repeated until the service compiled fewer than 100 methods during one (its dotnet_jit_compiled_methods_total
# on /metrics), at most BENCH_WARMUP_MAX seconds (default 60). createUser under load kept the JIT busy for about 30 s
# after a restart (10,000 methods; the tiering thread used more CPU than the requests in the 5 s after a 5 s warm-up).
jit_methods() { curl -sf "http://127.0.0.1:$PORT/metrics" | awk '/^dotnet_jit_compiled_methods_total/ {print int($2)}'; }
warm_up() {
  local spent=0 before after
  while :; do
    run_count=$((run_count + 1))
    before=$(jit_methods)
    OP=$1 DATA="$OUT/data-$size" BASE="$BASE" TOKEN="$TOKEN" RUN=$run_count TOKEN_PATH="$TOKEN_PATH" BASIC="$BASIC" \
      wrk -t2 -c16 -d"${BENCH_WARMUP:-5}s" --timeout 10s -s "$here/ops.lua" "http://127.0.0.1:$PORT" >/dev/null 2>&1
    after=$(jit_methods); spent=$((spent + ${BENCH_WARMUP:-5}))
    if [ -z "$before" ] || [ -z "$after" ] || [ $((after - before)) -lt 100 ] || [ "$spent" -ge "${BENCH_WARMUP_MAX:-60}" ]; then
      log "warm-up of $1: ${spent} s (methods compiled in its last ${BENCH_WARMUP:-5} s: $(( ${after:-0} - ${before:-0} )))"
      return 0
    fi
  done
}

# run_create OP CONC: a createUser wrk run (OP: create or one of its variants) of the round's service at size $size,
# with the users listed before and after it (a create_check line: every answered create is there).
run_create() {
  local op=$1 c=$2 before after last
  before=$(item_total)
  run_wrk service "$size" "$op" "$c" $(tree "$svc_pid")
  after=$(item_total)
  last=$(tail -1 "$results")
  echo "{\"kind\":\"create_check\",\"users\":$size,\"concurrency\":$c,\"before\":$before,\"after\":$after,\"result\":$last}" >>"$results"
}

# create_variant OP SETTING WHAT: createUser measured on the round's database $db with the service started with one
# setting changed (SETTING, an environment assignment; WHAT says which, in the log), warmed up, at each concurrency.
create_variant() {
  local op=$1 setting=$2 what=$3 c
  start_service "$db" "$setting" || exit 1
  log "service up $what"
  warm_up "$op"
  for c in $CONC; do run_create "$op" "$c"; done
  stop_service
}

# ---- rounds ----------------------------------------------------------------------------------------------------
for size in $SIZES; do
  db="$OUT/db-$size/userauth.db"; mkdir -p "$(dirname "$db")"
  if [ "${BENCH_RESEED:-1}" = 0 ] && [ -f "$db" ]; then
    log "reusing the seeded database $db (BENCH_RESEED=0)"
  else
    rm -rf "$(dirname "$db")"; mkdir -p "$(dirname "$db")"
    log "seed $size users (+ a second application) through the store"
    t0=$(date +%s.%N)
    dotnet "$BENCH_DLL" seed "$db" "$size" "$OUT/data-$size" >"$OUT/seed-$size.log" 2>&1 || { tail -20 "$OUT/seed-$size.log"; exit 1; }
    t1=$(date +%s.%N)
    echo "{\"kind\":\"seed\",\"system\":\"service\",\"users\":$size,\"seconds\":$(echo "$t1 - $t0" | bc),\"db_bytes\":$(stat -c %s "$db")}" >>"$results"
  fi
  start_service "$db" || exit 1
  log "service up (pid $svc_pid), $(item_total) users listed"
  for op in $OPS; do
    # Each operation's code is warmed up (JIT tiering) before it is measured: the first operation after a start used
    # to pay for it (the lookup by email, measured first, cost up to 2x the same lookup by phone at c=1 and c=16, and
    # the same at c=64).
    [ "${BENCH_WARMUP:-5}" != 0 ] && warm_up "$op"
    for c in $CONC; do
      if [ "$op" = create ]; then run_create create "$c"; else run_wrk service "$size" "$op" "$c" $(tree "$svc_pid"); fi
    done
  done
  # The profile behind "what bounds it": the lookup and createUser at the largest size, after the measured runs.
  if [ "${BENCH_PROFILE:-1}" = 1 ] && [ "$size" = "${SIZES##* }" ]; then
    log "profile (dotnet-trace) of lookup_email and create at $size users"
    PROFILE_RUN=96 profile_op lookup_email lookup_email 15 "$OUT/data-$size"
    PROFILE_RUN=97 profile_op create create 15 "$OUT/data-$size"
  fi
  stop_service
  # Issue 10 item 5, before and after in the same run: createUser with the single writer switched off (every write
  # on its own connection, contending for SQLite's lock, as before the writer), against the `create` rows above.
  if [ "${BENCH_BEFORE_WRITER:-1}" = 1 ]; then
    create_variant create_nowriter Storage__Sqlite__SingleWriter=false "without the single writer (Storage:Sqlite:SingleWriter=false)"
  fi
  # The durability trade-off measured (not the default): createUser with synchronous=NORMAL on the writer, which
  # syncs at checkpoints only (an answered write survives a process crash, not a power loss).
  if [ "${BENCH_SYNC_NORMAL:-1}" = 1 ]; then
    create_variant create_sync_normal Storage__Sqlite__Synchronous=Normal "with Storage:Sqlite:Synchronous=Normal (not the default)"
  fi

  # The soak (issue 14) on this round's database, when asked for (BENCH_SOAK_MINUTES; at BENCH_SOAK_SIZE users).
  if [ "${BENCH_SOAK_MINUTES:-0}" -gt 0 ] && [ "$size" = "${BENCH_SOAK_SIZE:-100000}" ]; then
    log "soak: ${BENCH_SOAK_MINUTES} minutes at $size users (soak.sh)"
    BENCH_OUT="$OUT/soak" BENCH_API_DLL="$API_DLL" BENCH_BENCH_DLL="$BENCH_DLL" SOAK_DB="$db" SOAK_DATA="$OUT/data-$size" SOAK_MINUTES=$BENCH_SOAK_MINUTES SOAK_BUILD=0 \
      SOAK_REPORT="${BENCH_REPORT:-1}" bash "$here/soak.sh" >>"$OUT/run.log" 2>&1 || log "soak failed: see $OUT/soak/run.log"
  fi

  if [ "$PEER" = 1 ]; then
    log "peer: seed $size users with \\copy"
    t0=$(date +%s.%N)
    if peer_seed_and_start "$size" >>"$OUT/peer-seed.log" 2>&1; then
      t1=$(date +%s.%N)
      echo "{\"kind\":\"seed\",\"system\":\"peer\",\"users\":$size,\"seconds\":$(echo "$t1 - $t0" | bc)}" >>"$results"
      for op in $PEER_OPS; do
        for c in $CONC; do
          run_wrk peer "$size" "$op" "$c" $(tree "$parse_pid") $(pg_pids)
        done
      done
    else
      log "peer: seeding failed (see $OUT/peer-seed.log)"
    fi
    stop_parse
  fi
done
peer_stop

# ---- in-process (BenchmarkDotNet) ------------------------------------------------------------------------------
if [ "${BENCH_BDN:-1}" = 1 ]; then
  log "BenchmarkDotNet: service and store in-process (10,000 users)"
  (cd "$OUT" && dotnet "$BENCH_DLL" --filter '*CustomersService*' '*Http_Health*' '*Service_Token*' >"$OUT/bdn.log" 2>&1) || log "BenchmarkDotNet failed: see $OUT/bdn.log"
  for f in "$OUT"/BenchmarkDotNet.Artifacts/results/*-report.csv; do [ -f "$f" ] && cp "$f" "$OUT/bdn.csv"; done
fi
echo "{\"kind\":\"end\",\"date\":\"$(date -u +%FT%TZ)\",\"load_after\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}" >>"$results"

if [ "${BENCH_REPORT:-1}" = 1 ]; then
  /usr/bin/python3 "$here/report.py" "$OUT" "$root/docs" && log "wrote docs/BENCHMARKS.md and docs/bench/*.png from $OUT"
fi
log "results: $results"
