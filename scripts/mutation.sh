#!/usr/bin/env bash
# Mutation testing (Stryker.NET, a local .NET tool: .config/dotnet-tools.json; settings: stryker-config.json).
# Not part of scripts/test.sh or CI: it is slow (see docs/MUTATION.md for timings).
#
#   bash scripts/mutation.sh [file ...]
#
# Mutates the named source files (paths under src/UserAuth.Api, e.g. Features/Customers/UserService.cs; default: every
# src/**/*Service.cs and Features/Auth/PlatformAccessHandler.cs) in ONE Stryker run (the build and the two full test
# runs Stryker starts with are paid once), runs the tests that cover each mutant, and prints per file:
# mutants, killed, survived, no coverage, score, as rows for docs/MUTATION.md, then every surviving mutant.
# Exits non-zero when Stryker fails or any file scores below MUTATION_BREAK (default 80).
#
# Stryker uses its Microsoft Testing Platform runner ("test-runner": "mtp"): the default VSTest runner captures no
# coverage with xunit v3 and reports every mutant as survived. The MongoDB tests are switched off here (no
# emulator, no Docker probe; they skip and say so): the mutated code is in the services, which the SQLite-backed tests
# drive through HTTP, and the emulator tests would only add minutes to every mutant.
# MUTATION_CONCURRENCY (default 1, at most 2: shared machine) sets Stryker's parallel test sessions.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
unset USERAUTH_TEST_MONGODB USERAUTH_TEST_MONGODB_EMULATOR
export USERAUTH_TEST_DOCKER=0 USERAUTH_TEST_NO_EMULATOR=1

concurrency=${MUTATION_CONCURRENCY:-1}
if [ "$concurrency" -gt 2 ]; then concurrency=2; fi
threshold=${MUTATION_BREAK:-80}

files=()
if [ "$#" -gt 0 ]; then
  for f in "$@"; do files+=("${f#src/UserAuth.Api/}"); done
else
  while IFS= read -r f; do files+=("${f#src/UserAuth.Api/}"); done \
    < <(find src/UserAuth.Api -name '*Service.cs' -not -path '*/obj/*' -not -path '*/bin/*' | sort)
  files+=("Features/Auth/PlatformAccessHandler.cs")
fi
for f in "${files[@]}"; do
  [ -f "src/UserAuth.Api/$f" ] || { echo "no such source file: src/UserAuth.Api/$f"; exit 2; }
done

mutate=()
for f in "${files[@]}"; do mutate+=(--mutate "**/$f"); done

# Which tests run: MUTATION_TESTS (a VSTest filter, e.g. "FullyQualifiedName~UserAuth.Tests.Sessions.") or, by default,
# the test namespaces of the named files' features (Features/Sessions/... -> UserAuth.Tests.Sessions.*) and the metrics
# scrape test (Hosting.MetricsTests: the services' counters). Every test
# of the suite would also do, but each one adds to every mutant it covers.
if [ -n "${MUTATION_TESTS:-}" ]; then
  filter=$MUTATION_TESTS
else
  filter=$(for f in "${files[@]}"; do
    feature=$(cut -d/ -f2 <<<"$f")
    [ "$(cut -d/ -f1 <<<"$f")" = Features ] && [ -d "tests/UserAuth.Tests/$feature" ] && echo "FullyQualifiedName~UserAuth.Tests.$feature."
  done | sort -u | paste -sd'|')
  # What the services count is asserted by the metrics scrape test.
  filter="$filter|FullyQualifiedName~UserAuth.Tests.Hosting.MetricsTests"
fi
filter_args=()
[ -n "$filter" ] && filter_args=(--test-case-filter "$filter")

mkdir -p "$ROOT/StrykerOutput"
out="$ROOT/StrykerOutput/$(date +%Y%m%d-%H%M%S)"
commit=$(git rev-parse --short HEAD)
[ -z "$(git status --porcelain --untracked-files=no -- src tests)" ] || commit="$commit+changes"
echo "mutation testing ${#files[@]} file(s) at $commit, concurrency $concurrency, tests: ${filter:-all}"
echo "report: $out/reports/mutation-report.html"

dotnet tool restore >/dev/null || { echo "dotnet tool restore failed"; exit 1; }
start=$(date +%s)
dotnet stryker --skip-version-check --config-file stryker-config.json --concurrency "$concurrency" --output "$out" "${mutate[@]}" "${filter_args[@]}" \
  >"$out.log" 2>&1
rc=$?
mkdir -p "$out" && mv "$out.log" "$out/stryker.log"
elapsed=$(( $(date +%s) - start ))
report="$out/reports/mutation-report.json"
if [ "$rc" -ne 0 ] || [ ! -f "$report" ]; then
  tail -30 "$out/stryker.log"
  echo "Stryker failed (exit code $rc; log: $out/stryker.log)"
  exit 1
fi
echo "Stryker took $((elapsed / 60))m$((elapsed % 60))s (log: $out/stryker.log)"

node - "$report" "$threshold" "$commit" "${files[@]}" <<'EOF'
const fs = require('fs');
const [report, threshold, commit, ...wanted] = process.argv.slice(2);
const files = JSON.parse(fs.readFileSync(report, 'utf8')).files;
const date = new Date().toISOString().slice(0, 10);
let failing = 0;
const survivors = [];
console.log('| File | Mutants | Killed | Survived | No coverage | Score | Date | Commit |');
console.log('|---|---|---|---|---|---|---|---|');
for (const file of wanted) {
  const key = Object.keys(files).find(k => k.replaceAll('\\', '/').endsWith('/' + file) || k === file);
  const mutants = key ? files[key].mutants : [];
  const count = s => mutants.filter(m => m.status === s).length;
  const killed = count('Killed') + count('Timeout');
  const survived = count('Survived');
  const noCoverage = count('NoCoverage');
  const valid = killed + survived + noCoverage;
  const score = valid === 0 ? 100 : (100 * killed) / valid;
  if (score < Number(threshold)) failing++;
  console.log(`| ${file} | ${valid} | ${killed} | ${survived} | ${noCoverage} | ${score.toFixed(1)}% | ${date} | ${commit} |`);
  for (const m of mutants.filter(m => m.status === 'Survived' || m.status === 'NoCoverage')) {
    const line = m.location.start.line;
    const source = key ? files[key].source.split('\n')[line - 1].trim() : '';
    survivors.push(`${file}:${line} ${m.status} ${m.mutatorName}: ${JSON.stringify(m.replacement ?? '')} in: ${source}`);
  }
}
if (survivors.length) {
  console.log('\nSurviving mutants (and mutants no test covers):');
  for (const s of survivors) console.log('  ' + s);
}
console.log(failing ? `\n${failing} file(s) below ${threshold}%` : `\nevery file at or above ${threshold}%`);
process.exit(failing ? 1 : 0);
EOF
