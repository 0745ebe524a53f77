import { appendFileSync } from 'node:fs';

/** One line of the suite's closing table: what was tried, whether it held, and its figures. */
export interface ResilienceRow {
  attack: string;
  held: boolean;
  figures: string;
}

/** File the rows are appended to, set by the suite's global setup. */
export const REPORT_ENV = 'SKOLNET_RESILIENCE_REPORT';

/** Adds a row to the table printed at the end of `npm run test:resilience`. */
export function report(row: ResilienceRow): void {
  const file = process.env[REPORT_ENV];
  if (file !== undefined) appendFileSync(file, `${JSON.stringify(row)}\n`);
}
