# Shared by the load suite's scripts (run.sh, soak.sh, profile.sh): the service as deployed (Release build, environment
# Production, the embedded store, request logging to a file), the bench client, and process accounting from /proc.
# Source it from the repository root with `here` set to this folder and OUT set to a results folder.
API_DLL=src/UserAuth.Api/bin/Release/net10.0/UserAuth.Api.dll
BENCH_DLL=tests/UserAuth.Benchmarks/bin/Release/net10.0/UserAuth.Benchmarks.dll
PORT=${BENCH_PORT:-5999}
CLIENT=bench-client; SECRET=bench-secret-0123; COMPANY=1001; APP=65f0c0ffee00000000000b01; APP2=65f0c0ffee00000000000b02
BASE="/service/platform/user/v1.0/company/$COMPANY/application/$APP"
TOKEN_PATH="/service/panel/authentication/v1.0/company/$COMPANY/oauth/token"
BASIC=$(printf '%s:%s' "$CLIENT" "$SECRET" | base64 -w0)
TCK=$(getconf CLK_TCK)

log() { echo "[$(date -u +%T)] $*" | tee -a "$OUT/run.log"; }
build_release() {
  dotnet build src/UserAuth.Api -c Release -v q -nologo >"$OUT/build.log" 2>&1 || { tail -20 "$OUT/build.log"; return 1; }
  dotnet build tests/UserAuth.Benchmarks -c Release -v q -nologo >>"$OUT/build.log" 2>&1 || { tail -20 "$OUT/build.log"; return 1; }
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
  Auth__TokenRequestsPerMinute=100000000 Sessions__CookieSecret="load-suite-session-cookie-secret-0123456789" \
  Secrets__EncryptionKey="$(printf 'load-suite-encryption-key-32-byt' | base64 -w0)" Lifecycle__ErasureJobEnabled=false \
  "$@" dotnet "$API_DLL" >"$OUT/service.log" 2>&1 &
  svc_pid=$!
  for _ in $(seq 120); do curl -sf "http://127.0.0.1:$PORT/health/ready" >/dev/null && break; sleep 0.5; done
  curl -sf "http://127.0.0.1:$PORT/health/ready" >/dev/null || { log "the service did not start"; tail -20 "$OUT/service.log"; return 1; }
  TOKEN=$(curl -sf -u "$CLIENT:$SECRET" -d grant_type=client_credentials "http://127.0.0.1:$PORT$TOKEN_PATH" | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['access_token'])")
}
stop_service() { [ -n "$svc_pid" ] && kill "$svc_pid" 2>/dev/null && wait "$svc_pid" 2>/dev/null; svc_pid=""; }
item_total() { curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT$BASE/customers/list?page_size=1" | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['page']['item_total'])"; }
