import { REPORT_STYLE, escapeHtml } from '../acceptance/report-html.js';
import type { LangText, PlanLang } from '../planning/plan-labels.js';
import type { PublishedCountAndSum, PublishedSupportReport } from '../support/support-report.js';
import {
  COMPENSATION_TYPES,
  CONSULTATION_TYPES,
  PLAN_STATUSES,
  RISK_GROUPS,
} from '../support/support-rules.js';
import {
  CENTS_PER_EUR,
  COMPENSATION_TEXT,
  CONSULTATION_TEXT,
  GROUP_TEXT,
  MINUTES_PER_HOUR,
  STATUS_TEXT,
  TEXT,
} from './support-report-workbook.js';

/**
 * The semester report of the pupil-support records as one self-contained
 * HTML document in Latvian or English, with the workbook's figures and
 * words: the document Chromium prints to the report's PDF (the acceptance
 * report's style and printing path, runtime/report-pdf.ts). No script and
 * no external resource. Counts and sums only: the report's input holds no
 * pupil, name, personal code or pseudonym, so the document cannot either.
 */

/** What the document is about. */
export interface SupportReportHtmlOptions {
  lang: PlanLang;
  /** The semester code (`2025/2026-1`). */
  semester: string;
  /** The school's name for a school's report; undefined for the national one. */
  school?: string;
  /** When the report is made. */
  now: Date;
}

const TITLE: LangText = { lv: 'Atbalsta semestra pārskats', en: 'Pupil-support semester report' };
const ISSUED: LangText = { lv: 'Sagatavots', en: 'Issued' };
/** Shown for a suppressed count: an empty cell reads as a missing figure. */
const SUPPRESSED_MARK = '–';

/** The semester report as HTML. */
export function supportReportHtml(report: PublishedSupportReport, options: SupportReportHtmlOptions): string {
  const { lang } = options;
  const locale = lang === 'lv' ? 'lv-LV' : 'en-GB';
  const e = escapeHtml;
  const count = (n: number | null): string =>
    n === null ? SUPPRESSED_MARK : new Intl.NumberFormat(locale).format(n);
  const decimal = (n: number | null): string =>
    n === null
      ? SUPPRESSED_MARK
      : new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(n);
  const percent = (share: number | null): string =>
    share === null
      ? SUPPRESSED_MARK
      : new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(share);
  const hours = (minutes: number | null): string =>
    decimal(minutes === null ? null : minutes / MINUTES_PER_HOUR);
  const euros = (cents: number | null): string => decimal(cents === null ? null : cents / CENTS_PER_EUR);
  const head = (...cells: LangText[]): string =>
    `<thead><tr>${cells.map((c) => `<th scope="col">${e(c[lang])}</th>`).join('')}</tr></thead>`;
  const row = (label: string, ...cells: string[]): string =>
    `<tr><th scope="row">${e(label)}</th>${cells.map((c) => `<td>${e(c)}</td>`).join('')}</tr>`;
  const total = (...cells: string[]): string =>
    `<tfoot><tr><th scope="row">${e(TEXT.total[lang])}</th>${cells.map((c) => `<td><strong>${e(c)}</strong></td>`).join('')}</tr></tfoot>`;
  const pair = (c: PublishedCountAndSum, sum: (n: number | null) => string): string[] => [
    count(c.count),
    sum(c.sum),
  ];

  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<title>${e(TITLE[lang])} ${e(options.semester)}</title>
<style>${REPORT_STYLE}
td{text-align:right}</style>
</head>
<body>
<main>
<h1>${e(TITLE[lang])}: ${e(options.school ?? TEXT.national[lang])}</h1>
<table><tbody>
${row(TEXT.semester[lang], options.semester)}
${row(TEXT.scope[lang], options.school ?? TEXT.national[lang])}
${row(TEXT.suppressed[lang], report.suppressed ? TEXT.yes[lang] : TEXT.no[lang])}
${row(TEXT.plans[lang], count(report.plans_total))}
${row(TEXT.laptops[lang], count(report.laptops_issued))}
${row(TEXT.measured[lang], count(report.home_laptops_measured))}
${row(TEXT.home[lang], percent(report.home_connectivity_share))}
${row(ISSUED[lang], options.now.toISOString().slice(0, 10))}
</tbody></table>
${report.suppressed ? `<p class="note">${e(TEXT.suppressedNote[lang])}</p>` : ''}
<h2>${e(TEXT.status[lang])}</h2>
<table>${head(TEXT.status1, TEXT.count)}<tbody>
${PLAN_STATUSES.map((s) => row(STATUS_TEXT[s][lang], count(report.plans_by_status[s]))).join('\n')}
</tbody>${total(count(report.plans_total))}</table>
<h2>${e(TEXT.groups[lang])}</h2>
<table>${head(TEXT.group1, TEXT.count)}<tbody>
${RISK_GROUPS.map((g) => row(GROUP_TEXT[g][lang], count(report.plans_by_group[g]))).join('\n')}
</tbody></table>
<h2>${e(TEXT.consultations[lang])}</h2>
<table>${head(TEXT.type1, TEXT.count, TEXT.hours)}<tbody>
${CONSULTATION_TYPES.map((t) => row(CONSULTATION_TEXT[t][lang], ...pair(report.consultations[t], hours))).join('\n')}
</tbody>${total(...pair(report.consultations_total, hours))}</table>
<h2>${e(TEXT.compensations[lang])}</h2>
<table>${head(TEXT.type1, TEXT.count, TEXT.eur)}<tbody>
${COMPENSATION_TYPES.map((t) => row(COMPENSATION_TEXT[t][lang], ...pair(report.compensations[t], euros))).join('\n')}
</tbody>${total(...pair(report.compensations_total, euros))}</table>
</main>
</body>
</html>
`;
}
