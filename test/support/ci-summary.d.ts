// Types for ci-summary.js (plain JavaScript: .ci/run runs it with node).
export interface SkippedFile {
  file: string;
  count: number;
  allowed: boolean;
  reason: string;
}
export interface Tally {
  passed: number;
  failed: number;
  skipped: number;
  skippedFiles: SkippedFile[];
}
export function tally(report: unknown, reportRoot?: string): Tally;
export function summarize(reports: { label: string; file: string; root: string }[], say?: (line: string) => void): { passed: number; failed: number; skipped: number };
export function reasonInTitles(test: { title: string; ancestorTitles: string[] }): string | undefined;
export const ALLOWED: { file: string; needs: string; reason: string }[];
