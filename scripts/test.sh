#!/usr/bin/env bash
# Runs every test suite: the .NET unit/integration/contract tests (SQLite and the MongoDB adapter) and the
# end-to-end suite through the official JS client (against SQLite and against the MongoDB adapter).
# Needs only the .NET SDK and Node.js/npm; installs the npm packages it needs.
#
# MongoDB, the most real one reachable: USERAUTH_TEST_MONGODB=<connection string> names a real server. Otherwise
# the .NET tests start a Testcontainers MongoDB replica set where a Docker engine answers (probed here in well under a
# second; USERAUTH_TEST_DOCKER=0 when none does, so the tests do not try), and fall back to the MongoDB wire emulator
# in tools/mongo-emulator, which this script starts (our CI machines: no mongod, no Docker engine). The end-to-end
# suite over MongoDB uses USERAUTH_TEST_MONGODB or the emulator. Tests the emulator cannot honour (the real-server
# suite: explain plans, unique indexes, TTL, failover) are skipped with the reason. The summary says which server ran.
# USERAUTH_TEST_NO_EMULATOR=1 turns the emulator off.
#
# Ends with a summary line "N passed, N failed[, N skipped]"; exits non-zero on any failure.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
LOGS=$(mktemp -d "${TMPDIR:-/tmp}/userauth-test.XXXXXX")
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

passed=0; failed=0; skipped=0; broken=0
say() { printf '\n== %s\n' "$*"; }

EMULATOR_PID_FILE="$LOGS/mongo-emulator.pid"
cleanup() { [ -f "$EMULATOR_PID_FILE" ] && bash tools/mongo-emulator/stop.sh "$EMULATOR_PID_FILE" >/dev/null 2>&1; true; }
trap cleanup EXIT

say "build (Release)"
if ! dotnet build UserAuth.sln -c Release -nologo -v q >"$LOGS/build.log" 2>&1; then
  grep -E "error|warning" "$LOGS/build.log" | sort -u | head -50
  echo "build failed (log: $LOGS/build.log)"
  echo "0 passed, 1 failed"
  exit 1
fi
echo "build succeeded"

# ---- which MongoDB the MongoDB tests use (edit here to change how the server is picked) ----
export USERAUTH_TEST_MONGODB_REPORT="$LOGS/mongodb-server.txt"
if [ -z "${USERAUTH_TEST_MONGODB:-}" ] && [ -z "${USERAUTH_TEST_DOCKER:-}" ]; then
  if command -v docker >/dev/null && timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
    say "a Docker engine answers: the .NET MongoDB tests use a Testcontainers replica set (mongo:7.0)"
  else
    export USERAUTH_TEST_DOCKER=0
  fi
fi
if [ -z "${USERAUTH_TEST_MONGODB:-}" ] && [ "${USERAUTH_TEST_NO_EMULATOR:-0}" != "1" ]; then
  say "MongoDB wire emulator (no MongoDB server is installable here; see tools/mongo-emulator/README.md)"
  port=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})")
  if url=$(bash tools/mongo-emulator/start.sh "$port" "$EMULATOR_PID_FILE"); then
    export USERAUTH_TEST_MONGODB="$url" USERAUTH_TEST_MONGODB_EMULATOR=1
    echo "emulator at $url"
  else
    echo "the MongoDB emulator did not start: the MongoDB tests will be skipped with that reason"
    broken=$((broken + 1))
  fi
fi
# ---- end of the MongoDB choice ----

say "dotnet test"
# Pass or fail is the exit code; the TRX report gives the counts and every skipped test's reason.
# The tests' own files (SQLite databases, job folders, key rings) go to a temporary folder of this run (TMPDIR, which
# Path.GetTempPath() reads), removed when the tests end, so repeated runs leave nothing behind in /tmp.
mkdir -p "$LOGS/tmp"
TMPDIR="$LOGS/tmp" dotnet test UserAuth.sln -c Release --no-build --logger "trx;LogFileName=dotnet-tests.trx" --results-directory "$LOGS" \
  >"$LOGS/dotnet-test.log" 2>&1
dotnet_rc=$?
rm -rf "$LOGS/tmp"
grep -E "\[FAIL\]|^\s+Failed |Error Message|^\s+at UserAuth|^(Passed|Failed)!" "$LOGS/dotnet-test.log" | head -200
if summary=$(node scripts/trx-summary.mjs "$LOGS"/*.trx 2>>"$LOGS/dotnet-test.log"); then
  read -r p f s <<<"$(head -1 <<<"$summary")"
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  tail -n +2 <<<"$summary"
  # A non-zero exit with no failed test (crash, abort, unreadable report) still fails the run.
  if [ "$dotnet_rc" -ne 0 ] && [ "$f" -eq 0 ]; then broken=$((broken + 1)); fi
else
  echo "no readable TRX report (dotnet test exit code $dotnet_rc; log: $LOGS/dotnet-test.log)"
  broken=$((broken + 1))
fi

run_e2e() {
  local label=$1; shift
  say "end-to-end with the official client ($label)"
  env "$@" bash tests/e2e/run.sh 2>&1 | tee "$LOGS/e2e-$label.log" | grep -E "^(not ok|# (pass|fail|skipped|todo|tests))|^\[e2e\]| # SKIP|Error|assert" | head -200
  local rc=${PIPESTATUS[0]}
  # Counts from the TAP summary node:test ends with; pass or fail is the exit code.
  local p f s
  p=$(awk '/^# pass [0-9]+$/ {n=$3} END {print n+0}' "$LOGS/e2e-$label.log")
  f=$(awk '/^# fail [0-9]+$/ {n=$3} END {print n+0}' "$LOGS/e2e-$label.log")
  s=$(awk '/^# skipped [0-9]+$/ {n=$3} END {print n+0}' "$LOGS/e2e-$label.log")
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then broken=$((broken + 1)); fi
}

run_e2e sqlite USERAUTH_E2E_STORE=Sqlite
if [ -n "${USERAUTH_TEST_MONGODB:-}" ]; then
  run_e2e mongodb USERAUTH_E2E_STORE=MongoDb USERAUTH_E2E_MONGODB="$USERAUTH_TEST_MONGODB"
else
  echo "end-to-end over MongoDB skipped: no MongoDB server (set USERAUTH_TEST_MONGODB)"
fi

say "container image without Docker: the Dockerfile's publish step, run as an unprivileged user (scripts/image-test.sh)"
bash scripts/image-test.sh 2>&1 | tee "$LOGS/image.log" | grep -E "^(not ok|ok)|^# (pass|fail)|error"
image_rc=${PIPESTATUS[0]}
p=$(grep -E "^# pass [0-9]+" "$LOGS/image.log" | tail -1 | awk '{print $3}'); f=$(grep -E "^# fail [0-9]+" "$LOGS/image.log" | tail -1 | awk '{print $3}')
passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
if [ "$image_rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then broken=$((broken + 1)); fi

failed=$((failed + broken))
echo
echo "logs: $LOGS"
if [ -s "$USERAUTH_TEST_MONGODB_REPORT" ]; then
  sort -u "$USERAUTH_TEST_MONGODB_REPORT" | sed 's/^/.NET MongoDB tests ran against: /'
fi
if [ -n "${USERAUTH_TEST_MONGODB:-}" ]; then
  [ "${USERAUTH_TEST_MONGODB_EMULATOR:-0}" = "1" ] && e2e_mongo="the MongoDB wire emulator" || e2e_mongo="a real MongoDB (USERAUTH_TEST_MONGODB)"
  echo "end-to-end over MongoDB ran against: $e2e_mongo"
fi
if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
