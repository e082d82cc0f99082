#!/usr/bin/env node
// .ci/run's tally of the Jest JSON reports: passed, failed and skipped tests, and every skipped
// test with its reason. Under CI a test may skip only in a file of test/support/ci-allowed-skips.json
// (a service these machines cannot run); any other skip counts as a failure.
//
//   node test/support/ci-summary.js LABEL=REPORT.json[@CHECKOUT]...
//
// CHECKOUT: where the report's run was (its paths start there; default this repository). A
// missing report counts as one failure, and so does one in which no test passed. Writes the
// listing to stderr and, on stdout, one line: "PASSED FAILED SKIPPED".
'use strict';
const { existsSync, readFileSync } = require('node:fs');
const { join, relative } = require('node:path');

const repoRoot = join(__dirname, '..', '..');
const ALLOWED = JSON.parse(readFileSync(join(__dirname, 'ci-allowed-skips.json'), 'utf8')).suites;

/** The repository-relative path of a test file, from any checkout (the second runtime runs in a clone). */
function repoPath(file, reportRoot) {
  const rel = relative(reportRoot, file);
  return rel.startsWith('..') ? file : rel;
}

/** The reason a skipped test gives in its own titles: "(skipped: …)" (describeRequiring), "(skipped without …)", or a title that says "skipped". */
function reasonInTitles(test) {
  for (const title of [test.title, ...[...test.ancestorTitles].reverse()]) {
    const match = /\(skipped(?::\s*|\s+)(.+)\)\s*$/.exec(title);
    if (match) return match[1];
    if (/\bskipped\b/i.test(title)) return title;
  }
  return undefined;
}

/**
 * One report's numbers and its skipped tests grouped by file: { passed, failed, skipped: [{ file, count, reason, allowed }] }.
 * `reportRoot` is the checkout the report's paths start with.
 */
function tally(report, reportRoot = repoRoot) {
  const skippedByFile = new Map();
  for (const suite of report.testResults ?? []) {
    const file = repoPath(suite.name, reportRoot);
    for (const test of suite.assertionResults ?? []) {
      if (!['pending', 'skipped', 'todo', 'disabled'].includes(test.status)) continue;
      const entry = skippedByFile.get(file) ?? { file, count: 0, reasons: new Set() };
      entry.count += 1;
      const reason = reasonInTitles(test);
      if (reason) entry.reasons.add(reason);
      skippedByFile.set(file, entry);
    }
  }
  const skipped = [...skippedByFile.values()].map(({ file, count, reasons }) => {
    // By its path in the repository; a report from an unexpected checkout still matches by suffix.
    const allowed = ALLOWED.find((a) => a.file === file || file.endsWith(`/${a.file}`));
    return { file, count, allowed: Boolean(allowed), reason: allowed?.reason ?? ([...reasons].join('; ') || 'no reason given in its titles') };
  });
  const notAllowed = skipped.filter((s) => !s.allowed).reduce((n, s) => n + s.count, 0);
  return {
    passed: report.numPassedTests ?? 0,
    // A file that could not run (a compile error, a throw while collecting) has no test to fail: count it.
    failed: (report.numFailedTests ?? 0) + (report.numRuntimeErrorTestSuites ?? 0) + notAllowed,
    skipped: skipped.reduce((n, s) => n + (s.allowed ? s.count : 0), 0),
    skippedFiles: skipped,
  };
}

function summarize(reports, say = (line) => process.stderr.write(`${line}\n`)) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const listed = [];
  for (const { label, file, root } of reports) {
    if (!existsSync(file)) {
      say(`${label}: no report (${file})`);
      failed += 1;
      continue;
    }
    const t = tally(JSON.parse(readFileSync(file, 'utf8')), root);
    const emptyRun = t.passed === 0 ? 1 : 0;
    say(`${label}: ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped${emptyRun ? ' (no test passed: counted as a failure)' : ''}`);
    passed += t.passed;
    failed += t.failed + emptyRun;
    skipped += t.skipped;
    for (const s of t.skippedFiles) listed.push({ ...s, label });
  }
  // One line per file: how many of its tests each run skipped, then the reason once.
  const byFile = new Map();
  for (const s of listed) {
    const entry = byFile.get(s.file) ?? { ...s, runs: [] };
    entry.runs.push(`${s.label} ${s.count}`);
    byFile.set(s.file, entry);
  }
  const line = (s) => `  ${s.file} (tests skipped: ${s.runs.join(', ')}): ${s.reason}`;
  const allowed = [...byFile.values()].filter((s) => s.allowed);
  const refused = [...byFile.values()].filter((s) => !s.allowed);
  if (allowed.length > 0) {
    say('');
    say('Skipped (allowed under CI: test/support/ci-allowed-skips.json):');
    for (const s of allowed) say(line(s));
  }
  if (refused.length > 0) {
    say('');
    say('Skipped without being allowed under CI (each test counted as a failure; make it run here, or add its file to test/support/ci-allowed-skips.json with the reason):');
    for (const s of refused) say(line(s));
  }
  return { passed, failed, skipped };
}

module.exports = { tally, summarize, reasonInTitles, ALLOWED };

if (require.main === module) {
  const reports = process.argv.slice(2).map((arg) => {
    const [label, rest] = arg.split(/=(.*)/s);
    const [file, root] = rest.split('@');
    return { label, file, root: root || repoRoot };
  });
  const { passed, failed, skipped } = summarize(reports);
  process.stdout.write(`${passed} ${failed} ${skipped}\n`);
}
