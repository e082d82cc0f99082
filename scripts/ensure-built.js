#!/usr/bin/env node
// Builds dist/ only when a source changed since the last build, so `npm start` on a built tree
// starts at once. Used by the start, demo, dashboards and bench scripts, and by `prepare`.
//
//   node scripts/ensure-built.js            build if needed (incrementally), else return at once
//   node scripts/ensure-built.js --check    say whether a build is needed and why; exit 1 if so
//   node scripts/ensure-built.js --prepare  as npm's prepare step: skipped under CI (its own build
//                                           step builds) and where the sources are not there (a
//                                           Docker layer with package.json alone); a failed build
//                                           warns without failing the install
//
// "Changed" means an input file newer than dist/.build-stamp, which carries the time the last build
// *started* (a file saved during a build is seen next time), or an input file added, deleted or
// renamed: the stamp lists the input files as they were when that build started. Anything else
// in the tree may come and go without a rebuild: `npm pack ./libs/sdk` (which rebuilds
// libs/sdk/dist and may leave a .tgz) is not a source change. (A stamp without that list, from an
// older version of this script, falls back to directory times: any entry added or removed.) The
// build is package.json's `build` script with tsc made incremental (its state in
// dist/.tsbuildinfo); `npm run build` itself stays a full build.
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync, closeSync } = require('node:fs');
const { delimiter, join, relative } = require('node:path');

const root = join(__dirname, '..');
const dist = join(root, 'dist');
const STAMP = join(dist, '.build-stamp');
const BUILD_INFO = join(dist, '.tsbuildinfo');
const LOCK = join(dist, '.build-lock');
const FAILED = join(dist, '.build-failed');
const SKIPPED_DIRECTORIES = new Set(['node_modules', 'dist', 'coverage', '.git']);
const INPUT_FILE = /\.(ts|tsx|js|cjs|mjs|json)$/;

const say = (line) => process.stderr.write(`${line}\n`);

/** What the build reads: tsconfig.build.json's include, the configs, and the dependency versions. */
function inputRoots() {
  const { include } = JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8'));
  return [...include, 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'].map((p) => join(root, p));
}

/**
 * Every input file (paths relative to the root, sorted), the first one newer than `since` (ms) and
 * the first directory newer than it. Tests (*.spec.ts) are not built; nor is anything in
 * node_modules, dist, coverage or .git, or a file that is not source or JSON.
 */
function scanInputs(since) {
  const files = [];
  let changedFile;
  let changedDirectory;
  const pending = inputRoots();
  while (pending.length > 0) {
    const path = pending.pop();
    let stat;
    try {
      stat = statSync(path);
    } catch {
      continue; // an include that does not exist (yet)
    }
    if (!stat.isDirectory()) {
      files.push(relative(root, path));
      if (changedFile === undefined && stat.mtimeMs > since) changedFile = relative(root, path);
      continue;
    }
    if (changedDirectory === undefined && stat.mtimeMs > since) changedDirectory = relative(root, path) || '.';
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      if (entry.isDirectory() ? SKIPPED_DIRECTORIES.has(entry.name) : !INPUT_FILE.test(entry.name) || entry.name.endsWith('.spec.ts')) continue;
      pending.push(join(path, entry.name));
    }
  }
  return { files: files.sort(), changedFile, changedDirectory };
}

/** The input files the last complete build started from, or undefined (an older stamp, or none). */
function recordedInputs() {
  try {
    const { inputs } = JSON.parse(readFileSync(STAMP, 'utf8'));
    return Array.isArray(inputs) ? inputs : undefined;
  } catch {
    return undefined;
  }
}

/** Why a build is needed, or undefined when dist/ is up to date. */
function buildReason() {
  if (!existsSync(STAMP)) {
    if (existsSync(FAILED)) return 'the last build failed';
    return existsSync(dist) ? 'no record of a complete build in dist/' : 'not built yet';
  }
  const { files, changedFile, changedDirectory } = scanInputs(statSync(STAMP).mtimeMs);
  if (changedFile) return `${changedFile} changed since the last build`;
  const before = recordedInputs();
  if (!before) return changedDirectory && `${changedDirectory} changed since the last build`;
  const known = new Set(before);
  const added = files.find((file) => !known.has(file));
  if (added) return `${added} added since the last build`;
  const now = new Set(files);
  const removed = before.find((file) => !now.has(file));
  return removed && `${removed} deleted since the last build`;
}

/** Whether the process named in the lock file still runs (a lock just taken may not name it yet). */
function lockHolderAlive() {
  let holder;
  try {
    holder = Number(readFileSync(LOCK, 'utf8'));
  } catch {
    return false; // released meanwhile
  }
  if (!holder) return Date.now() - statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs < 5_000;
  try {
    process.kill(holder, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** One build at a time: a second `npm start` waits for the first one's build, then finds it done. */
function withLock(body) {
  mkdirSync(dist, { recursive: true });
  for (;;) {
    try {
      const fd = openSync(LOCK, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      if (!lockHolderAlive()) rmSync(LOCK, { force: true });
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
    }
  }
  try {
    return body();
  } finally {
    rmSync(LOCK, { force: true });
  }
}

/** package.json's build script, step by step, with tsc incremental. */
function build(reason) {
  const started = Date.now();
  const { files: inputs } = scanInputs(Infinity);
  // tsc --incremental does not re-emit outputs that went missing. Its state is kept only after a
  // build that ran to its end (passed, or failed on errors, which tsc still emits through);
  // otherwise (never built here, interrupted, dist/ touched by hand) every file is emitted.
  if (!existsSync(STAMP) && !existsSync(FAILED)) rmSync(BUILD_INFO, { force: true });
  rmSync(STAMP, { force: true });
  rmSync(FAILED, { force: true });
  const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const steps = scripts.build.split('&&').map((step) => step.trim());
  say(`Building dist/ (${reason})…`);
  const env = { ...process.env, PATH: `${join(root, 'node_modules', '.bin')}${delimiter}${process.env.PATH}` };
  for (const step of steps) {
    const command = /^tsc\s/.test(step) ? `${step} --incremental --tsBuildInfoFile ${relative(root, BUILD_INFO)}` : step;
    const run = spawnSync(command, { cwd: root, env, shell: true, stdio: 'inherit' });
    if (run.status !== 0) {
      writeFileSync(FAILED, `${JSON.stringify({ started: new Date(started).toISOString(), step: command })}\n`);
      say(`Build failed (${command}); fix the errors above and run it again.`);
      return false;
    }
  }
  writeFileSync(STAMP, `${JSON.stringify({ started: new Date(started).toISOString(), reason, inputs })}\n`);
  utimesSync(STAMP, started / 1000, started / 1000);
  say(`Built in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  return true;
}

function main(mode) {
  if (mode === '--prepare') {
    if (process.env.CI) return say('prepare: not building under CI (its build step does).');
    if (!existsSync(join(root, 'tsconfig.build.json')) || !existsSync(join(root, 'apps'))) return undefined;
  }
  if (mode === '--check') {
    const reason = buildReason();
    say(reason ? `build needed: ${reason}` : 'dist/ is up to date');
    process.exitCode = reason ? 1 : 0;
    return undefined;
  }
  if (!buildReason()) return undefined;
  // Another process may have built while this one waited for the lock: look again inside it.
  const ok = withLock(() => {
    const reason = buildReason();
    return reason ? build(reason) : true;
  });
  if (!ok && mode === '--prepare') return say('prepare: the build failed; npm start will build again and show why.');
  if (!ok) process.exitCode = 1;
  return undefined;
}

const mode = process.argv[2];
if (mode !== undefined && !['--check', '--prepare'].includes(mode)) {
  say(`unknown option ${mode}: use --check or --prepare, or nothing`);
  process.exit(2);
}
main(mode);
