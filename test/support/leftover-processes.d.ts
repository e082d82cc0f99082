// Types for leftover-processes.js (plain JavaScript: .ci/run runs it with node, before or without a build).
export interface ProcessInfo {
  pid: number;
  ppid: number;
  command: string;
}
/** Processes whose environment holds `mark` ("NAME=VALUE"), except this one, its ancestors, and `exclude` with their descendants; undefined without /proc. */
export function processesMarked(mark: string, exclude?: (number | string)[], options?: { path?: string; since?: number | string }): ProcessInfo[] | undefined;
/** SIGTERM, then SIGKILL after `graceMs` (default 5 s). */
export function stopProcesses(processes: ProcessInfo[], graceMs?: number): Promise<void>;
/** Waits up to `ms` for the marked processes to end by themselves; returns those still running. */
export function settle(mark: string, ms: number, exclude?: (number | string)[], options?: { path?: string; since?: number | string }): Promise<ProcessInfo[]>;
export function describeProcess(p: ProcessInfo): string;
/** Running: it exists and has not ended (a zombie has). */
export function alive(pid: number): boolean;
