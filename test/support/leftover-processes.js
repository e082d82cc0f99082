#!/usr/bin/env node
// Processes a test run left running, found by a mark in their environment: the Jest global setup
// puts BASELINER_TEST_RUN_DIR=<this run's directory> in the environment its workers inherit, so
// every process a test starts (servers, brokers, browsers, and their own children) carries it;
// .ci/run does the same with BASELINER_CI_RUN. Linux (/proc); elsewhere it finds nothing, and says so.
//
//   node test/support/leftover-processes.js NAME=VALUE [--path DIR --since PID] [--stop] [--exclude PID]...
//
// Lists the processes whose environment holds NAME=VALUE, and with --path those whose command
// line names DIR and that started after process PID did (a process of this checkout that dropped
// the mark from its environment); never itself, its ancestors, or the excluded pids and their
// descendants. Waits up to LEFTOVER_GRACE_MS (5 s) for them to end by themselves; with --stop,
// stops those still running (SIGTERM, SIGKILL after 5 s). Exits 1 when any was left, 0 when none.
'use strict';
const { existsSync, readdirSync, readFileSync } = require('node:fs');

/** Every process this user can read: pid, parent, command line and environment. */
function processTable() {
  if (!existsSync('/proc/self/environ')) return undefined;
  const table = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0');
      const command = readFileSync(`/proc/${entry}/cmdline`, 'latin1').split('\0').filter(Boolean).join(' ');
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      // pid (comm) state ppid …: comm may hold spaces and parentheses, so read after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const [state, ppid] = fields;
      if (state === 'Z') continue; // a zombie has ended; only its parent has not collected it
      // starttime (field 22 of stat; 20th after the command): clock ticks since boot.
      table.push({ pid: Number(entry), ppid: Number(ppid), command, environ, started: Number(fields[19]) });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return table;
}

/**
 * The processes whose environment holds `mark` ("NAME=VALUE"), or (with `path`) whose command
 * line names `path` and that started no earlier than process `since`; except this process, its
 * ancestors, and `exclude` (pids) with their descendants. Undefined where /proc is missing.
 */
function processesMarked(mark, exclude = [], { path, since } = {}) {
  const table = processTable();
  if (!table) return undefined;
  const byPid = new Map(table.map((p) => [p.pid, p]));
  const spared = new Set();
  for (let pid = process.pid; pid > 1 && !spared.has(pid); pid = byPid.get(pid)?.ppid ?? 0) spared.add(pid);
  const excluded = new Set(exclude.map(Number));
  const underExcluded = (p) => {
    for (let at = p, hops = 0; at && hops < 64; at = byPid.get(at.ppid), hops += 1) if (excluded.has(at.pid)) return true;
    return false;
  };
  const sinceTicks = since ? byPid.get(Number(since))?.started : undefined;
  const ofCheckout = (p) => Boolean(path) && sinceTicks !== undefined && p.started >= sinceTicks && p.command.includes(path);
  return table
    .filter((p) => !spared.has(p.pid) && (p.environ.includes(mark) || ofCheckout(p)) && !underExcluded(p))
    .map(({ pid, ppid, command }) => ({ pid, ppid, command }));
}

/** Running: it exists and is not a zombie (one that has ended, its exit status not yet collected). */
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
};

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** SIGTERM, then SIGKILL for what is still running after `graceMs`. Resolves when all have ended (or 2 s after the SIGKILL). */
async function stopProcesses(processes, graceMs = 5_000) {
  const signal = (pid, name) => {
    try {
      process.kill(pid, name);
    } catch {
      // already gone
    }
  };
  for (const p of processes) signal(p.pid, 'SIGTERM');
  for (const deadline = Date.now() + graceMs; Date.now() < deadline && processes.some((p) => alive(p.pid)); ) await sleep(100);
  for (const p of processes) if (alive(p.pid)) signal(p.pid, 'SIGKILL');
  for (const deadline = Date.now() + 2_000; Date.now() < deadline && processes.some((p) => alive(p.pid)); ) await sleep(100);
}

/** Waits up to `ms` for the marked processes to end by themselves; returns those still running. */
async function settle(mark, ms, exclude = [], options = {}) {
  let left = processesMarked(mark, exclude, options) ?? [];
  for (const deadline = Date.now() + ms; left.length > 0 && Date.now() < deadline; left = processesMarked(mark, exclude, options) ?? []) await sleep(200);
  return left;
}

const describeProcess = (p) => `  pid ${p.pid} (parent ${p.ppid}): ${p.command.length > 300 ? `${p.command.slice(0, 300)}…` : p.command}`;

module.exports = { processesMarked, stopProcesses, settle, describeProcess, alive };

if (require.main === module) {
  const args = process.argv.slice(2);
  const mark = args.find((a, i) => a.includes('=') && !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
  const valuesOf = (flag) => args.flatMap((a, i) => (args[i - 1] === flag ? [a] : []));
  const exclude = valuesOf('--exclude').filter(Boolean);
  const [path] = valuesOf('--path');
  const [since] = valuesOf('--since');
  if (!mark) {
    process.stderr.write('usage: leftover-processes.js NAME=VALUE [--path DIR --since PID] [--stop] [--exclude PID]...\n');
    process.exit(2);
  }
  (async () => {
    if (!processTable()) {
      process.stdout.write('no /proc here: cannot look for leftover processes\n');
      return;
    }
    const left = await settle(mark, Number(process.env.LEFTOVER_GRACE_MS ?? 5_000), exclude, { path, since });
    if (left.length === 0) return;
    process.stdout.write(`${left.length} process(es) left running (${mark}):\n${left.map(describeProcess).join('\n')}\n`);
    if (args.includes('--stop')) await stopProcesses(left);
    process.exitCode = 1;
  })();
}
