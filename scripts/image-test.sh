#!/usr/bin/env bash
# The container image, checked where Docker cannot build or run images (our CI machines):
#  1. static checks of Dockerfile and docker-compose.yml (pinned base images, /data owned by the app user and a
#     volume, MongoDB healthy only as primary, auth on, port not public, API healthcheck, restart policy, waits);
#  2. the Dockerfile's build stage for real: its COPY lines into a scratch build context (minus .dockerignore) and
#     its RUN lines (restore, publish);
#  3. its runtime stage: its RUN lines (with the image's /data under a scratch root), its ENV, then its ENTRYPOINT
#     as the unprivileged APP_UID (1654, as in the .NET base images) with the embedded store in that /data: ready,
#     a token, a customer written, the database file owned by that user; and, as a control, the same start with a
#     /data the user cannot write fails.
# Prints TAP-like "ok"/"not ok" lines and "# pass N" / "# fail N"; exits non-zero on a failure.
#   bash scripts/image-test.sh
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
APP_UID=${APP_UID:-1654}
pass=0; fail=0
ok() { echo "ok - $*"; pass=$((pass + 1)); }
not_ok() { echo "not ok - $*"; fail=$((fail + 1)); }
check() { local what=$1; shift; if "$@" >/dev/null 2>&1; then ok "$what"; else not_ok "$what"; fi; }
finish() {
  echo "# pass $pass"
  echo "# fail $fail"
  [ "$fail" -eq 0 ]
  exit
}

# ------------------------------------------------------------------ 1. static checks
check "Dockerfile: every base image is pinned by version (x.y.z)" \
  bash -c '! grep -E "^FROM " Dockerfile | grep -vqE "^FROM [^ ]+:[0-9]+\.[0-9]+\.[0-9]+( |$)"'
check "Dockerfile: /data is created and owned by the app user" grep -qE '^RUN .*mkdir -p /data.*chown "?\$APP_UID' Dockerfile
check "Dockerfile: /data is a volume" grep -qE '^VOLUME \[?"?/data"?\]?' Dockerfile
check "Dockerfile: the app runs as the app user" grep -qE '^USER \$APP_UID' Dockerfile

compose_check() {
  python3 - "$1" <<'PY'
import sys, yaml
d = yaml.safe_load(open("docker-compose.yml"))["services"]
mongo, api = d["mongo"], d["api"]
test = " ".join(mongo["healthcheck"]["test"])
env = mongo.get("environment", {})
checks = {
  "primary": ("isWritablePrimary" in test or "myState" in test) and "quit(" in test,
  "auth": bool(env.get("MONGO_INITDB_ROOT_PASSWORD")) and "--keyFile" in " ".join(mongo.get("command", [])),
  "port": all(str(p).startswith("127.0.0.1:") for p in mongo.get("ports", [])),
  "api": bool(api.get("healthcheck", {}).get("test")) and api.get("restart") in ("always", "unless-stopped", "on-failure")
         and api["depends_on"]["mongo"]["condition"] == "service_healthy"
         and "@mongo" in api["environment"]["Storage__MongoDb__ConnectionString"],
}
sys.exit(0 if checks[sys.argv[1]] else 1)
PY
}
if python3 -c "import yaml" 2>/dev/null; then
  check "compose: the MongoDB healthcheck fails unless the node is the writable primary" compose_check primary
  check "compose: MongoDB has authentication on (root password, replica-set key file)" compose_check auth
  check "compose: MongoDB's port is bound to 127.0.0.1 or not published" compose_check port
  check "compose: the API has a healthcheck and a restart policy, waits for a healthy MongoDB and logs in to it" compose_check api
else
  echo "ok - compose checks # SKIP python3 has no yaml module (apt-get install python3-yaml)"
fi

# ------------------------------------------------------------------ 2. build stage
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/userauth-image.XXXXXX")
chmod 755 "$SCRATCH"
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$SCRATCH"; }
trap cleanup EXIT
CTX=$SCRATCH/src APP=$SCRATCH/app IMAGE=$SCRATCH/image
mkdir -p "$CTX" "$APP" "$IMAGE"

# Lines of one stage (0 = build, 1 = runtime), continuation lines joined.
stage_lines() {
  awk -v want="$1" '
    /^FROM / { stage++ }
    { line = line $0 }
    /\\$/ { sub(/\\$/, "", line); next }
    { if (stage - 1 == want && line !~ /^[[:space:]]*(#|$)/) print line; line = "" }' Dockerfile
}
# The build context: the repository minus .dockerignore's patterns (all of the form **/name or name).
excludes=()
while read -r pattern; do
  [ -z "$pattern" ] && continue
  excludes+=("--exclude=${pattern#\*\*/}")
done < .dockerignore
mkdir -p "$SCRATCH/context"
tar -C "$ROOT" "${excludes[@]}" -cf - . | tar -C "$SCRATCH/context" -xf -

build_ok=1
while read -r line; do
  case "$line" in
    COPY\ --from=*) ;;
    COPY\ *)
      read -r -a parts <<<"${line#COPY }"
      dest=${parts[-1]}; unset 'parts[-1]'
      mkdir -p "$CTX/$dest"
      for src in "${parts[@]}"; do
        # Docker copies a directory's contents into the destination, a file into it.
        if [ -d "$SCRATCH/context/$src" ]; then cp -r "$SCRATCH/context/${src%/}/." "$CTX/$dest" || build_ok=0
        else cp "$SCRATCH/context/$src" "$CTX/$dest" || build_ok=0; fi
      done ;;
    RUN\ *)
      cmd=${line#RUN }
      cmd=${cmd// \/app/ $APP}
      echo "# build stage: $cmd" | sed "s|$SCRATCH|<scratch>|g"
      (cd "$CTX" && bash -c "$cmd") >"$SCRATCH/build.log" 2>&1 || { build_ok=0; tail -20 "$SCRATCH/build.log"; } ;;
  esac
done < <(stage_lines 0)
if [ "$build_ok" = 1 ] && [ -f "$APP/UserAuth.Api.dll" ]; then
  ok "the Dockerfile's build stage (its COPY and RUN lines: restore, publish) produces UserAuth.Api.dll"
else
  not_ok "the Dockerfile's build stage (its COPY and RUN lines: restore, publish) produces UserAuth.Api.dll"
  finish
fi

# ------------------------------------------------------------------ 3. runtime stage as an unprivileged user
chmod -R a+rX "$APP"
declare -A ENVS=()
entry=
while read -r line; do
  case "$line" in
    RUN\ *)
      cmd=${line#RUN }
      cmd=${cmd//\/data/$IMAGE\/data}
      APP_UID=$APP_UID bash -c "$cmd" || not_ok "runtime stage: $line" ;;
    ENV\ *)
      for kv in ${line#ENV }; do ENVS[${kv%%=*}]=${kv#*=}; done ;;
    ENTRYPOINT\ *)
      entry=$(python3 -c 'import json,sys; print(" ".join(json.loads(sys.argv[1])))' "${line#ENTRYPOINT }") ;;
  esac
done < <(stage_lines 1)
check "runtime stage: /data exists, owned by APP_UID $APP_UID" test "$(stat -c %u "$IMAGE/data" 2>/dev/null)" = "$APP_UID"

as_app_user() {
  if [ "$(id -u)" = 0 ]; then setpriv --reuid="$APP_UID" --regid="$APP_UID" --clear-groups "$@"; else "$@"; fi
}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
mkdir -p "$IMAGE/home" && chown "$APP_UID" "$IMAGE/home" 2>/dev/null
secret=image-test-secret-123
start_app() { # $1 = SQLite path
  (cd "$APP" && env -i PATH="$PATH" HOME="$IMAGE/home" DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    ASPNETCORE_URLS="$base" Storage__Sqlite__Path="$1" \
    Auth__SigningKey=image-test-signing-key-0123456789abcdef0123456789 \
    Auth__BootstrapClients__0__ClientId=image-test Auth__BootstrapClients__0__ClientSecret=$secret \
    Auth__BootstrapClients__0__CompanyId=1 \
    Secrets__EncryptionKey=$(head -c 32 /dev/urandom | base64) Sessions__CookieSecret=image-test-cookie-secret-0123456789abcdef \
    Logging__Json=false \
    setsid bash -c "$(declare -f as_app_user); APP_UID=$APP_UID as_app_user $entry") >"$SCRATCH/app.log" 2>&1 &
  PID=$!
}
sqlite_path=${ENVS[Storage__Sqlite__Path]//\/data/$IMAGE\/data}
start_app "$sqlite_path"
ready=0
for _ in $(seq 1 60); do
  if curl -sf "$base/health/ready" >/dev/null 2>&1; then ready=1; break; fi
  kill -0 "$PID" 2>/dev/null || break
  sleep 1
done
if [ "$ready" = 1 ]; then
  ok "the published app starts as uid $APP_UID (Production, embedded store in the image's /data) and is ready"
  token=$(curl -sf -u "image-test:$secret" -d grant_type=client_credentials \
    "$base/service/panel/authentication/v1.0/company/1/oauth/token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" -H 'content-type: application/json' \
    -d '{"username":"image_test","phone_number":"+91 98200 55555"}' \
    "$base/service/platform/user/v1.0/company/1/application/000000000000000000000004/customers")
  check "a token and a created customer (200) through the published app" test "$status" = 200
  check "the database file is in /data, owned by uid $APP_UID" test "$(stat -c %u "$sqlite_path" 2>/dev/null)" = "$APP_UID"
else
  not_ok "the published app starts as uid $APP_UID (Production, embedded store in the image's /data) and is ready"
  tail -20 "$SCRATCH/app.log"
fi
kill -- -"$PID" 2>/dev/null; wait "$PID" 2>/dev/null; PID=

# Control: a /data the app user cannot write (what the image had before) stops start-up.
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$IMAGE/rootonly" && chmod 700 "$IMAGE/rootonly"
  start_app "$IMAGE/rootonly/userauth.db"
  exited=0
  for _ in $(seq 1 30); do kill -0 "$PID" 2>/dev/null || { exited=1; break; }; sleep 1; done
  check "control: with a /data the app user cannot write, start-up fails" test "$exited" = 1
  kill -- -"$PID" 2>/dev/null; wait "$PID" 2>/dev/null; PID=
fi
finish
