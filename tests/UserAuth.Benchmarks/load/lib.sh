# Shared by the load suite's scripts (run.sh, soak.sh, profile.sh): the service as deployed (Release build, environment
# Production, the embedded store, request logging to a file), the bench client, and process accounting from /proc.
# Source it from the repository root with `here` set to this folder and OUT set to a results folder.
API_DLL=${BENCH_API_DLL:-src/UserAuth.Api/bin/Release/net10.0/UserAuth.Api.dll}
BENCH_DLL=${BENCH_BENCH_DLL:-tests/UserAuth.Benchmarks/bin/Release/net10.0/UserAuth.Benchmarks.dll}
PORT=${BENCH_PORT:-5999}
CLIENT=bench-client; SECRET=bench-secret-0123; COMPANY=1001; APP=65f0c0ffee00000000000b01; APP2=65f0c0ffee00000000000b02
BASE="/service/platform/user/v1.0/company/$COMPANY/application/$APP"
TOKEN_PATH="/service/panel/authentication/v1.0/company/$COMPANY/oauth/token"
BASIC=$(printf '%s:%s' "$CLIENT" "$SECRET" | base64 -w0)
TCK=$(getconf CLK_TCK)

log() { echo "[$(date -u +%T)] $*" | tee -a "$OUT/run.log"; }
# Builds Release and runs from a copy of the output in $OUT/bin, so a build in the worktree during a long run does not
# change what is measured.
build_release() {
  dotnet build src/UserAuth.Api -c Release -v q -nologo >"$OUT/build.log" 2>&1 || { tail -20 "$OUT/build.log"; return 1; }
  dotnet build tests/UserAuth.Benchmarks -c Release -v q -nologo >>"$OUT/build.log" 2>&1 || { tail -20 "$OUT/build.log"; return 1; }
  # (The benchmark host finds the repository from its own folder, so its copy stays under tests/UserAuth.Benchmarks/bin.)
  local bench_copy; bench_copy="$(pwd)/tests/UserAuth.Benchmarks/bin/load-run-$(basename "$OUT")"
  rm -rf "$OUT/bin" "$bench_copy"; mkdir -p "$OUT/bin"
  cp -a "$(dirname "$API_DLL")" "$OUT/bin/api" && cp -a "$(dirname "$BENCH_DLL")" "$bench_copy" || return 1
  API_DLL="$OUT/bin/api/UserAuth.Api.dll"; BENCH_DLL="$bench_copy/UserAuth.Benchmarks.dll"
}

# ---- process accounting ----------------------------------------------------------------------------------------
tree() { local p=$1; echo "$p"; for c in $(ps -o pid= --ppid "$p" 2>/dev/null); do tree "$c"; done; }
cpu_ticks() { local s=0 p; for p in "$@"; do [ -r "/proc/$p/stat" ] && s=$((s + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo $s; }
rss_peak_kb() { local s=0 p v; for p in "$@"; do v=$(awk '/VmHWM/{print $2}' "/proc/$p/status" 2>/dev/null); s=$((s + ${v:-0})); done; echo $s; }
rss_kb() { local s=0 p v; for p in "$@"; do v=$(awk '/VmRSS/{print $2}' "/proc/$p/status" 2>/dev/null); s=$((s + ${v:-0})); done; echo $s; }
reset_peak() { local p; for p in "$@"; do { echo 5 >"/proc/$p/clear_refs"; } 2>/dev/null; done; }

# ---- the service -----------------------------------------------------------------------------------------------
# start_service DB [SETTING=VALUE...]: extra settings are environment variables for the service (e.g.
# Storage__Sqlite__SingleWriter=false).
svc_pid=""
start_service() {
  local db=$1; shift
  env ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="http://127.0.0.1:$PORT" \
  Storage__Provider=Sqlite Storage__Sqlite__Path="$db" \
  Auth__SigningKey="load-suite-signing-key-0123456789abcdef0123456789abcdef" \
  Auth__BootstrapClients__0__ClientId=$CLIENT Auth__BootstrapClients__0__ClientSecret=$SECRET Auth__BootstrapClients__0__CompanyId=$COMPANY \
  Auth__TokenRequestsPerMinute=100000000 Auth__DefaultRequestsPerSecond=0 Sessions__CookieSecret="load-suite-session-cookie-secret-0123456789" \
  Secrets__EncryptionKey="$(printf 'load-suite-encryption-key-32-byt' | base64 -w0)" Lifecycle__ErasureJobEnabled=false \
  "$@" dotnet "$API_DLL" >"$OUT/service.log" 2>&1 &
  svc_pid=$!
  for _ in $(seq 120); do curl -sf "http://127.0.0.1:$PORT/health/ready" >/dev/null && break; sleep 0.5; done
  curl -sf "http://127.0.0.1:$PORT/health/ready" >/dev/null || { log "the service did not start"; tail -20 "$OUT/service.log"; return 1; }
  TOKEN=$(curl -sf -u "$CLIENT:$SECRET" -d grant_type=client_credentials "http://127.0.0.1:$PORT$TOKEN_PATH" | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['access_token'])")
}
stop_service() { [ -n "$svc_pid" ] && kill "$svc_pid" 2>/dev/null && wait "$svc_pid" 2>/dev/null; svc_pid=""; }
item_total() { curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT$BASE/customers/list?page_size=1" | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['page']['item_total'])"; }

# profile_op NAME OP SECONDS DATA: a dotnet-trace CPU-sampling trace of the running service while wrk drives OP at c=16;
# writes $OUT/profile-NAME.{nettrace,speedscope.json,top.txt} (top frames by profile.py).
profile_op() {
  local name=$1 op=$2 secs=$3 data=$4 tracer
  export PATH="$PATH:$HOME/.dotnet/tools"
  command -v dotnet-trace >/dev/null || dotnet tool install --global dotnet-trace >/dev/null 2>&1 || { log "no dotnet-trace: profile skipped"; return 1; }
  dotnet-trace collect -p "$svc_pid" --profile dotnet-sampled-thread-time --duration "00:00:00:$((secs + 2))" \
    -o "$OUT/profile-$name.nettrace" --format Speedscope >"$OUT/profile-$name.log" 2>&1 &
  tracer=$!
  sleep 2
  OP=$op DATA="$data" BASE="$BASE" TOKEN="$TOKEN" RUN=${PROFILE_RUN:-95} TOKEN_PATH="$TOKEN_PATH" BASIC="$BASIC" \
    wrk -t2 -c16 -d"${secs}s" --timeout 10s -s "$here/ops.lua" "http://127.0.0.1:$PORT" | grep '^RESULT' >"$OUT/profile-$name.wrk"
  wait $tracer
  /usr/bin/python3 "$here/profile.py" "$OUT/profile-$name.speedscope.json" >"$OUT/profile-$name.top.txt" 2>&1
  rm -f "$OUT/profile-$name.nettrace"
}
