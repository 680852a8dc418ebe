// Reads the TRX reports of `dotnet test` (a machine format) and prints, first, one line "PASSED FAILED SKIPPED",
// then one line per skipped test: "skipped: <test>: <reason>". Used by scripts/test.sh; needs only Node.js.
import { readFileSync } from "node:fs";

const decode = (text) => text
  .replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'")
  .replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)))
  .replace(/&#x([0-9a-f]+);/gi, (_, n) => String.fromCodePoint(parseInt(n, 16)))
  .replace(/&amp;/g, "&");

let passed = 0, failed = 0;
const skipped = [];
for (const path of process.argv.slice(2)) {
  const trx = readFileSync(path, "utf8");
  const counters = trx.match(/<Counters\b[^>]*>/)?.[0] ?? "";
  const count = (name) => Number(counters.match(new RegExp(`\\b${name}="(\\d+)"`))?.[1] ?? 0);
  passed += count("passed");
  failed += count("failed") + count("error") + count("timeout") + count("aborted");
  // A result is either self-closing (<UnitTestResult ... />) or has a body up to its closing tag.
  for (const result of trx.matchAll(/<UnitTestResult\b([^>]*?)(?:\/>|>([\s\S]*?)<\/UnitTestResult>)/g)) {
    if (!/\boutcome="NotExecuted"/.test(result[1])) continue;
    result[2] ??= "";
    const name = decode(result[1].match(/\btestName="([^"]*)"/)?.[1] ?? "?");
    const reason = decode(result[2].match(/<Message>([\s\S]*?)<\/Message>/)?.[1]
      ?? result[2].match(/<StdOut>([\s\S]*?)<\/StdOut>/)?.[1] ?? "(no reason given)").trim();
    skipped.push(`skipped: ${name}: ${reason}`);
  }
}
console.log(`${passed} ${failed} ${skipped.length}`);
for (const line of skipped) console.log(line);
