import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPORT_ENV, type ResilienceRow } from './report.js';

/**
 * Sets up the file the suite's tests append their rows to (the test
 * workers inherit the variable), and prints the table of what was tried
 * and what held when the suite ends.
 */
export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'skolnet-resilience-report-'));
  const file = join(dir, 'rows.jsonl');
  process.env[REPORT_ENV] = file;
  return () => {
    const rows = existsSync(file)
      ? readFileSync(file, 'utf8')
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => JSON.parse(l) as ResilienceRow)
      : [];
    rmSync(dir, { recursive: true, force: true });
    const width = Math.max(6, ...rows.map((r) => r.attack.length));
    const lines = [
      '',
      'skolnet resilience: what was tried and what held',
      `${'attack'.padEnd(width)} | held | figures`,
      `${'-'.repeat(width)}-|------|--------`,
      ...rows.map((r) => `${r.attack.padEnd(width)} | ${r.held ? 'yes ' : 'NO  '} | ${r.figures}`),
      '',
    ];
    console.log(lines.join('\n'));
  };
}
