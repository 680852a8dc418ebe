#!/usr/bin/env bash
# End-to-end suite: starts the (already built) UserAuth service on a free
# loopback port with a throw-away store, runs the node:test files against it
# through the official @gofynd/fdk-client-javascript clients, stops the
# service and exits with the tests' status.
#
#   bash tests/e2e/run.sh                  # every *.test.mjs
#   bash tests/e2e/run.sh auth.test.mjs    # some files (names relative to tests/e2e)
#
# Build first:  dotnet build src/UserAuth.Api -c Release
#
# Environment (all optional):
#   USERAUTH_E2E_DLL      path to a built UserAuth.Api.dll; default: the Release
#                         build output if present, else `dotnet run --no-build`
#   USERAUTH_E2E_STORE    Sqlite (default) or MongoDb
#   USERAUTH_E2E_MONGODB  MongoDB connection string (with USERAUTH_E2E_STORE=MongoDb)
#   USERAUTH_E2E_KEEP=1   keep the temp dir (database, service log) afterwards
#   (the service also inherits this script's environment: export any other
#   setting it needs, e.g. Logging__LogLevel__Default=Warning)
#   USERAUTH_E2E_URL      test an already running service instead of starting
#                         one; then USERAUTH_E2E_CLIENT_ID/_SECRET and
#                         USERAUTH_E2E_OTHER_CLIENT_ID/_SECRET must name its
#                         bootstrap clients of companies 1001 and 2002
#                         (USERAUTH_E2E_ADMIN_CLIENT_ID/_SECRET, optional: a
#                         client:admin client of 1001 for clients.test.mjs)
set -euo pipefail

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$E2E_DIR/../.." && pwd)
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
export no_proxy="$NO_PROXY"

log() { printf '[e2e] %s\n' "$*" >&2; }

rand_hex() { node -e "process.stdout.write(require('crypto').randomBytes(+process.argv[1]).toString('hex'))" "$1"; }
free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})"
}

# ------------------------------------------------------------ dependencies
if [ ! -d "$E2E_DIR/node_modules/@gofynd/fdk-client-javascript" ] || [ ! -d "$E2E_DIR/node_modules/fdk-client-javascript-3" ]; then
  log "installing the pinned clients (npm ci)"
  (cd "$E2E_DIR" && npm ci --no-audit --no-fund >&2)
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/userauth-e2e.XXXXXX")
SERVICE_PID=""
cleanup() {
  local rc=$?
  if [ -n "$SERVICE_PID" ] && kill -0 "$SERVICE_PID" 2>/dev/null; then
    # the service runs in its own process group (setsid): stop the group
    kill -TERM -- "-$SERVICE_PID" 2>/dev/null || kill -TERM "$SERVICE_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$SERVICE_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$SERVICE_PID" 2>/dev/null || true
  fi
  if [ "${USERAUTH_E2E_KEEP:-0}" = "1" ]; then
    log "kept $TMP"
  else
    rm -rf "$TMP"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ----------------------------------------------------------------- service
if [ -n "${USERAUTH_E2E_URL:-}" ]; then
  : "${USERAUTH_E2E_CLIENT_ID:?}" "${USERAUTH_E2E_CLIENT_SECRET:?}" "${USERAUTH_E2E_OTHER_CLIENT_ID:?}" "${USERAUTH_E2E_OTHER_CLIENT_SECRET:?}"
  export USERAUTH_E2E_URL USERAUTH_E2E_CLIENT_ID USERAUTH_E2E_CLIENT_SECRET USERAUTH_E2E_OTHER_CLIENT_ID USERAUTH_E2E_OTHER_CLIENT_SECRET
  log "testing the running service at $USERAUTH_E2E_URL"
else
  PORT=$(free_port)
  export USERAUTH_E2E_URL="http://127.0.0.1:$PORT"
  export USERAUTH_E2E_COMPANY_ID=1001 USERAUTH_E2E_OTHER_COMPANY_ID=2002
  export USERAUTH_E2E_CLIENT_ID=e2e-client USERAUTH_E2E_CLIENT_SECRET=$(rand_hex 24)
  export USERAUTH_E2E_OTHER_CLIENT_ID=e2e-other-client USERAUTH_E2E_OTHER_CLIENT_SECRET=$(rand_hex 24)
  # clients.test.mjs manages API clients with it (scope client:admin).
  export USERAUTH_E2E_ADMIN_CLIENT_ID=e2e-admin-client USERAUTH_E2E_ADMIN_CLIENT_SECRET=$(rand_hex 24)

  svc_env=(
    ASPNETCORE_ENVIRONMENT=Production
    DOTNET_ENVIRONMENT=Production
    ASPNETCORE_URLS="$USERAUTH_E2E_URL"
    Auth__SigningKey="$(rand_hex 32)"
    Auth__BootstrapClients__0__ClientId="$USERAUTH_E2E_CLIENT_ID"
    Auth__BootstrapClients__0__ClientSecret="$USERAUTH_E2E_CLIENT_SECRET"
    Auth__BootstrapClients__0__CompanyId=1001
    Auth__BootstrapClients__1__ClientId="$USERAUTH_E2E_OTHER_CLIENT_ID"
    Auth__BootstrapClients__1__ClientSecret="$USERAUTH_E2E_OTHER_CLIENT_SECRET"
    Auth__BootstrapClients__1__CompanyId=2002
    Auth__BootstrapClients__5__ClientId="$USERAUTH_E2E_ADMIN_CLIENT_ID"
    Auth__BootstrapClients__5__ClientSecret="$USERAUTH_E2E_ADMIN_CLIENT_SECRET"
    Auth__BootstrapClients__5__CompanyId=1001
    Auth__BootstrapClients__5__Scopes="user:read user:write client:admin"
    Secrets__EncryptionKey="$(node -e "process.stdout.write(require('crypto').randomBytes(32).toString('base64'))")"
    Sessions__CookieSecret="$(rand_hex 32)"
    # groups.test.mjs serves its CSV files from a loopback HTTP server: the fetch policy allows that only with this.
    FileFetch__AllowLoopback=true
    Jobs__PollIntervalMs=200
  )
  if [ "${USERAUTH_E2E_STORE:-Sqlite}" = "MongoDb" ]; then
    : "${USERAUTH_E2E_MONGODB:?USERAUTH_E2E_STORE=MongoDb needs USERAUTH_E2E_MONGODB=<connection string>}"
    svc_env+=(
      Storage__Provider=MongoDb
      Storage__MongoDb__ConnectionString="$USERAUTH_E2E_MONGODB"
      Storage__MongoDb__Database="userauth_e2e_$(rand_hex 6)"
    )
  else
    svc_env+=(Storage__Provider=Sqlite Storage__Sqlite__Path="$TMP/e2e.db")
  fi

  DLL=${USERAUTH_E2E_DLL:-$ROOT/src/UserAuth.Api/bin/Release/net10.0/UserAuth.Api.dll}
  if [ -f "$DLL" ]; then
    log "starting $(basename "$DLL") on $USERAUTH_E2E_URL (store: ${USERAUTH_E2E_STORE:-Sqlite})"
    (cd "$(dirname "$DLL")" && exec env "${svc_env[@]}" setsid dotnet "$DLL" --urls "$USERAUTH_E2E_URL") >"$TMP/service.log" 2>&1 &
  else
    log "starting dotnet run --project src/UserAuth.Api --no-build -c Release on $USERAUTH_E2E_URL (store: ${USERAUTH_E2E_STORE:-Sqlite})"
    (cd "$ROOT" && exec env "${svc_env[@]}" setsid dotnet run --project src/UserAuth.Api --no-build -c Release --no-launch-profile -- --urls "$USERAUTH_E2E_URL") >"$TMP/service.log" 2>&1 &
  fi
  SERVICE_PID=$!

  ready=0
  for _ in $(seq 1 120); do
    if ! kill -0 "$SERVICE_PID" 2>/dev/null; then break; fi
    if node -e "fetch(process.argv[1]).then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))" "$USERAUTH_E2E_URL/health/ready"; then
      ready=1; break
    fi
    sleep 0.5
  done
  if [ "$ready" != 1 ]; then
    log "the service did not become ready within 60 s (GET /health/ready); its log:"
    tail -n 80 "$TMP/service.log" >&2 || true
    exit 1
  fi
  log "service ready"
fi

# ------------------------------------------------------------------- tests
cd "$E2E_DIR"
if [ "$#" -gt 0 ]; then files=("$@"); else files=(*.test.mjs); fi
set +e
node --test --test-reporter=tap "${files[@]}"
status=$?
set -e
if [ "$status" -ne 0 ] && [ -f "$TMP/service.log" ]; then
  log "tests failed; last lines of the service log:"
  tail -n 40 "$TMP/service.log" >&2 || true
fi
exit "$status"
