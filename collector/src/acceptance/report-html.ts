import { COVERED_DBM } from '../coverage/coverage-analysis.js';
import type { AcceptanceThresholds, CriterionResult, Verdict } from './verdict.js';

/**
 * The acceptance report as one self-contained HTML document, in Latvian or
 * English (docs/acceptance.md): the contract, the campaign, each
 * criterion with its measured share and pass or fail, distribution charts
 * as inline SVG, before and after, and the tests that could not run. No
 * script, no external resource: the same bytes are signed, shown in a
 * browser and printed to PDF. Pure.
 */

/** Languages of the report. */
export type ReportLang = 'lv' | 'en';
/** Both languages, Latvian first (the default). */
export const REPORT_LANGS: readonly ReportLang[] = ['lv', 'en'];

/** What a report shows, gathered by the acceptance service. */
export interface ReportData {
  campaign: {
    id: string;
    status: string;
    started_at: string;
    ends_at: string;
    finished_at: string | null;
    school_days: number;
    extensions: number;
    retest_of: string | null;
  };
  contract: {
    id: string;
    vendor: string;
    kind: string;
    reference: string | null;
    download_max_mbps: number;
    download_min_mbps: number;
    upload_max_mbps: number;
    upload_min_mbps: number;
    latency_limit_ms: number | null;
    max_loss_pct: number | null;
    availability_pct: number | null;
    completion_date: string;
    acceptance_window_days: number;
  };
  school: { id: string; name: string; municipality: string };
  verdict: Verdict;
  thresholds: AcceptanceThresholds;
  /** The values behind the charts. */
  distributions: { download_mbps: number[]; upload_mbps: number[]; latency_ms: number[] };
  /** The same figures over the weeks before the upgrade, and the school's score before and during the campaign. */
  baseline: {
    from: string;
    to: string;
    verdict: Verdict;
    score_before: number | null;
    score_after: number | null;
  };
  /** When the report was issued (RFC 3339). */
  issued_at: string;
  /** Id of the key that signs it. */
  key_id: string;
}

const TEXT = {
  lv: {
    title: 'Pieņemšanas pārskats',
    contract: 'Līgums',
    campaign: 'Pieņemšanas mērījumu kampaņa',
    criteria: 'Kritēriji',
    charts: 'Sadalījums',
    before_after: 'Pirms un pēc',
    not_run: 'Neveiktie testi',
    school: 'Skola',
    vendor: 'Piegādātājs',
    kind: 'Veids',
    kinds: { internet_line: 'interneta pieslēgums', internal_network: 'iekšējais tīkls / Wi-Fi' } as Record<
      string,
      string
    >,
    reference: 'Atsauce',
    download: 'Lejupielāde',
    upload: 'Augšupielāde',
    latency: 'Latentums',
    loss: 'Pakešu zudums',
    availability: 'Pieejamība mācību stundās',
    wifi_rooms: 'Wi-Fi pārklājums līgumā nosauktajās telpās',
    rooms_rule: (pct: number) => `≥ ${pct} % telpu pārklātas (≥ ${COVERED_DBM} dBm)`,
    rooms_measured: (covered: number, surveyed: number, named: number) =>
      `${covered} pārklātas no ${named} (apsekotas ${surveyed})`,
    uplink_utilisation: 'Ārējā pieslēguma (uplink) noslodze mācību stundās (SNMP)',
    uplink_rule: (pct: number) => `95. procentile ≤ ${fmt(pct)} %`,
    uplink_measured: (p95: number | null, sweeps: number) =>
      p95 === null ? 'nav neviena SNMP mērījuma' : `95. procentile ${fmt(p95)} % (${sweeps} SNMP mērījumi)`,
    max_min: 'maksimālais / garantētais minimālais',
    limit: 'robeža',
    completion: 'Izpildes datums',
    window: 'Pieņemšanas termiņš, dienas',
    started: 'Sākta',
    ends: 'Beidzas',
    finished: 'Pabeigta',
    school_days: 'Mācību dienas',
    extensions: 'Pagarinājumi',
    retest_of: 'Atkārtots tests kampaņai',
    verdict: 'Slēdziens',
    status: {
      pass: 'atbilst',
      fail: 'neatbilst',
      inconclusive: 'nepietiek datu',
      not_assessed: 'nevērtē',
      not_possible: 'nebija iespējams',
      running: 'notiek',
      cancelled: 'atcelta',
    } as Record<string, string>,
    criterion: 'Kritērijs',
    measured: 'Izmērīts',
    required: 'Prasīts',
    tests: 'Testi',
    result: 'Rezultāts',
    share_rule: (pct: number, of: string) => `≥ ${pct} % testu ${of}`,
    speed_rule: (pct: number, bound: number) => `≥ ${fmt(bound)} Mbit/s (${pct} % no līgumā noteiktā)`,
    latency_rule: (bound: number) => `≤ ${fmt(bound)} ms`,
    loss_rule: (pct: number) => `vidēji ≤ ${fmt(pct)} %`,
    below_min: (n: number) => `${n} testi zem garantētā minimālā ātruma`,
    school_limited: (n: number) =>
      `${n} neizdevušos testu ierobežojumu mērījums atrada skolas iekšienē (Wi-Fi vai LAN), nevis pieslēgumā`,
    school_limited_note:
      'Daļu neizdevušos ātruma testu ierobežoja skolas iekšējais tīkls, nevis pieslēgums; pieslēguma līgumam tie nav ieskaitīti.',
    failed: 'Neizpildītie kritēriji',
    baseline: (from: string, to: string) => `Pirms uzlabojuma (${from} – ${to})`,
    campaign_col: 'Kampaņā',
    score: 'Skolas vērtējums (0–100)',
    change: 'Izmaiņa',
    none: 'nav',
    reason: 'Iemesls',
    count: 'Skaits',
    issued: 'Izdots',
    key: 'Parakstīšanas atslēga',
    signed_note:
      'Pārskatu ar Ed25519 parakstījis skolnet kolektors; pārbaudiet ar skolnet-collector verify-report.',
    reasons: {
      agent_offline_hours: 'mācību stundas bez neviena aģenta ziņas',
      lesson_hours_without_speed_test: 'mācību stundas bez ātruma testa',
      not_possible: 'mācību stundas, kurās tests nebija iespējams',
      busy: 'līnija aizņemta',
      budget: 'datu apjoma limits',
      outside_hours: 'ārpus mācību laika',
      test_error: 'testa kļūda',
      latency_error: 'latentuma mērījuma kļūda',
    } as Record<string, string>,
    ms: 'ms',
  },
  en: {
    title: 'Acceptance report',
    contract: 'Contract',
    campaign: 'Acceptance campaign',
    criteria: 'Criteria',
    charts: 'Distributions',
    before_after: 'Before and after',
    not_run: 'Tests not run',
    school: 'School',
    vendor: 'Vendor',
    kind: 'Kind',
    kinds: { internet_line: 'internet line', internal_network: 'internal network / Wi-Fi' } as Record<
      string,
      string
    >,
    reference: 'Reference',
    download: 'Download',
    upload: 'Upload',
    latency: 'Latency',
    loss: 'Packet loss',
    availability: 'Availability in school hours',
    wifi_rooms: 'Wi-Fi coverage of the rooms the contract names',
    rooms_rule: (pct: number) => `≥ ${pct} % of rooms covered (≥ ${COVERED_DBM} dBm)`,
    rooms_measured: (covered: number, surveyed: number, named: number) =>
      `${covered} covered of ${named} (${surveyed} surveyed)`,
    uplink_utilisation: 'Uplink utilisation in lesson hours (SNMP)',
    uplink_rule: (pct: number) => `p95 ≤ ${fmt(pct)} %`,
    uplink_measured: (p95: number | null, sweeps: number) =>
      p95 === null ? 'no SNMP sweep' : `p95 ${fmt(p95)} % (${sweeps} SNMP sweeps)`,
    max_min: 'maximum / guaranteed minimum',
    limit: 'limit',
    completion: 'Completion date',
    window: 'Acceptance window, days',
    started: 'Started',
    ends: 'Ends',
    finished: 'Finished',
    school_days: 'School days',
    extensions: 'Extensions',
    retest_of: 'Re-test of campaign',
    verdict: 'Verdict',
    status: {
      pass: 'pass',
      fail: 'fail',
      inconclusive: 'inconclusive',
      not_assessed: 'not assessed',
      not_possible: 'not possible',
      running: 'running',
      cancelled: 'cancelled',
    } as Record<string, string>,
    criterion: 'Criterion',
    measured: 'Measured',
    required: 'Required',
    tests: 'Tests',
    result: 'Result',
    share_rule: (pct: number, of: string) => `≥ ${pct} % of tests ${of}`,
    speed_rule: (pct: number, bound: number) => `≥ ${fmt(bound)} Mbit/s (${pct} % of contracted)`,
    latency_rule: (bound: number) => `≤ ${fmt(bound)} ms`,
    loss_rule: (pct: number) => `mean ≤ ${fmt(pct)} %`,
    below_min: (n: number) => `${n} tests below the guaranteed minimum`,
    school_limited: (n: number) =>
      `${n} failing tests were placed inside the school (Wi-Fi or LAN) by the bottleneck probe, not on the line`,
    school_limited_note:
      "Some failing speed tests were limited by the school's internal network, not the line; a line contract does not count them.",
    failed: 'Failed criteria',
    baseline: (from: string, to: string) => `Before the upgrade (${from} – ${to})`,
    campaign_col: 'Campaign',
    score: 'School score (0-100)',
    change: 'Change',
    none: 'none',
    reason: 'Reason',
    count: 'Count',
    issued: 'Issued',
    key: 'Signing key',
    signed_note:
      'Signed with Ed25519 by the skolnet collector; check it with skolnet-collector verify-report.',
    reasons: {
      agent_offline_hours: 'lesson hours without a word from any agent',
      lesson_hours_without_speed_test: 'lesson hours without a speed test',
      not_possible: 'lesson hours in which no test was possible',
      busy: 'line busy',
      budget: 'data budget',
      outside_hours: 'outside lesson hours',
      test_error: 'test error',
      latency_error: 'latency measurement error',
    } as Record<string, string>,
    ms: 'ms',
  },
};

function fmt(n: number | null | undefined, digits = 1): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  return n.toFixed(digits).replace(/\.0+$/, '');
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** The report's one style sheet; its hash goes into the Content-Security-Policy the report is served with. */
export const REPORT_STYLE = [
  'body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111}',
  'table{border-collapse:collapse;margin:.5rem 0 1rem}th,td{border:1px solid #999;padding:.25rem .5rem;text-align:left}',
  '.pass{color:#0a5d1a;font-weight:bold}.fail{color:#a4000f;font-weight:bold}.inconclusive{color:#6b4e00;font-weight:bold}',
  'figure{margin:0 0 1rem}figcaption{font-weight:bold}.note{border-left:4px solid #6b4e00;padding-left:.5rem}',
  '@media print{body{margin:0}}',
].join('\n');

/** A histogram of `values` as inline SVG, with a marker at `bound`. */
export function histogramSvg(
  values: readonly number[],
  bound: number | null,
  unit: string,
  label: string,
): string {
  const width = 560;
  const height = 160;
  const bins = 20;
  if (values.length === 0) {
    return `<svg role="img" aria-label="${escapeHtml(label)}" width="${width}" height="40" xmlns="http://www.w3.org/2000/svg"><text x="0" y="24">–</text></svg>`;
  }
  let max = Math.max(...values, bound ?? 0);
  if (!(max > 0)) max = 1;
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.floor((v / max) * bins))]! += 1;
  const top = Math.max(...counts);
  const barW = width / bins;
  const plotH = height - 30;
  const bars = counts
    .map((c, i) => {
      const h = (c / top) * plotH;
      return `<rect x="${(i * barW + 1).toFixed(1)}" y="${(plotH - h).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="#3a6ea5"><title>${fmt((i * max) / bins)}–${fmt(((i + 1) * max) / bins)} ${unit}: ${c}</title></rect>`;
    })
    .join('');
  const marker =
    bound === null
      ? ''
      : `<line x1="${((bound / max) * width).toFixed(1)}" x2="${((bound / max) * width).toFixed(1)}" y1="0" y2="${plotH}" stroke="#a4000f" stroke-width="2" stroke-dasharray="4 3"/>`;
  return (
    `<svg role="img" aria-label="${escapeHtml(label)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg">` +
    `${bars}${marker}<line x1="0" x2="${width}" y1="${plotH}" y2="${plotH}" stroke="#111"/>` +
    `<text x="0" y="${height - 8}" font-size="12">0</text><text x="${width}" y="${height - 8}" font-size="12" text-anchor="end">${fmt(max)} ${escapeHtml(unit)}</text></svg>`
  );
}

function statusCell(status: string, t: (typeof TEXT)[ReportLang]): string {
  return `<span class="${escapeHtml(status)}">${escapeHtml(t.status[status] ?? status)}</span>`;
}

function criterionRows(c: CriterionResult, lang: ReportLang, th: AcceptanceThresholds): string {
  const t = TEXT[lang];
  const name = t[c.criterion];
  let rule: string;
  let measured: string;
  if (c.criterion === 'download' || c.criterion === 'upload') {
    rule = t.share_rule(c.required, t.speed_rule(th.speed_of_contract_pct, c.bound ?? 0));
    measured = `${fmt(c.measured)} % (${c.passing}/${c.tests})`;
  } else if (c.criterion === 'latency') {
    rule = t.share_rule(c.required, t.latency_rule(c.bound ?? 0));
    measured = `${fmt(c.measured)} % (${c.passing}/${c.tests})`;
  } else if (c.criterion === 'wifi_rooms') {
    rule = t.rooms_rule(c.required);
    measured = t.rooms_measured(c.passing, c.tests, c.min_tests);
  } else if (c.criterion === 'uplink_utilisation') {
    rule = t.uplink_rule(c.required);
    measured = t.uplink_measured(c.measured, c.tests);
  } else if (c.criterion === 'loss') {
    rule = t.loss_rule(c.required);
    measured = `${fmt(c.measured, 2)} %`;
  } else {
    rule = `≥ ${fmt(c.required)} %`;
    measured = `${fmt(c.measured)} % (${c.passing}/${c.tests})`;
  }
  const notes: string[] = [];
  if (c.school_limited > 0) notes.push(t.school_limited(c.school_limited));
  if (c.below_guaranteed_min > 0) notes.push(t.below_min(c.below_guaranteed_min));
  return `<tr><th scope="row">${escapeHtml(name)}</th><td>${escapeHtml(measured)}</td><td>${escapeHtml(rule)}</td><td>${c.tests}</td><td>${statusCell(c.status, t)}${notes.map((n) => `<br>${escapeHtml(n)}`).join('')}</td></tr>`;
}

/** The report as HTML in `lang`; deterministic for the same data. */
export function renderReportHtml(data: ReportData, lang: ReportLang): string {
  const t = TEXT[lang];
  const c = data.contract;
  const v = data.verdict;
  const e = escapeHtml;
  const row = (k: string, val: string): string => `<tr><th scope="row">${e(k)}</th><td>${e(val)}</td></tr>`;
  const criteria = v.criteria.map((x) => criterionRows(x, lang, data.thresholds)).join('');
  const before = data.baseline.verdict;
  const share = (verdict: Verdict, name: string): string => {
    const x = verdict.criteria.find((cr) => cr.criterion === name);
    return x && x.measured !== null ? `${fmt(x.measured)} % (${x.tests})` : '–';
  };
  const scoreChange =
    data.baseline.score_before !== null && data.baseline.score_after !== null
      ? data.baseline.score_after - data.baseline.score_before
      : null;
  const notRun = Object.entries(v.not_run.by_reason)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([reason, n]) => `<tr><td>${e(t.reasons[reason] ?? reason)}</td><td>${n}</td></tr>`)
    .join('');
  const dl = v.criteria.find((x) => x.criterion === 'download');
  const ul = v.criteria.find((x) => x.criterion === 'upload');
  const lat = v.criteria.find((x) => x.criterion === 'latency');
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(t.title)}: ${e(data.school.name)}</title>
<style>${REPORT_STYLE}</style>
</head>
<body>
<main>
<h1>${e(t.title)}: ${e(data.school.name)}</h1>
<p>${e(t.verdict)}: ${statusCell(v.status, t)}${v.failed.length > 0 ? ` — ${e(t.failed)}: ${e(v.failed.map((f) => t[f]).join(', '))}` : ''}</p>
${v.school_limited ? `<p class="note">${e(t.school_limited_note)}</p>` : ''}
<h2>${e(t.contract)}</h2>
<table><tbody>
${row(t.school, `${data.school.name} (${data.school.municipality})`)}
${row(t.vendor, c.vendor)}
${row(t.kind, t.kinds[c.kind] ?? c.kind)}
${row(t.reference, c.reference ?? t.none)}
${row(`${t.download}, ${t.max_min}`, `${fmt(c.download_max_mbps)} / ${fmt(c.download_min_mbps)} Mbit/s`)}
${row(`${t.upload}, ${t.max_min}`, `${fmt(c.upload_max_mbps)} / ${fmt(c.upload_min_mbps)} Mbit/s`)}
${row(`${t.latency}, ${t.limit}`, `${fmt(c.latency_limit_ms ?? data.thresholds.default_latency_limit_ms)} ms`)}
${row(t.loss, c.max_loss_pct === null ? t.none : `≤ ${fmt(c.max_loss_pct)} %`)}
${row(t.availability, c.availability_pct === null ? t.none : `≥ ${fmt(c.availability_pct)} %`)}
${row(t.completion, c.completion_date)}
${row(t.window, String(c.acceptance_window_days))}
</tbody></table>
<h2>${e(t.campaign)}</h2>
<table><tbody>
${row(t.started, data.campaign.started_at)}
${row(t.ends, data.campaign.ends_at)}
${row(t.finished, data.campaign.finished_at ?? '–')}
${row(t.school_days, String(data.campaign.school_days))}
${row(t.extensions, String(data.campaign.extensions))}
${data.campaign.retest_of ? row(t.retest_of, data.campaign.retest_of) : ''}
</tbody></table>
<h2>${e(t.criteria)}</h2>
<table>
<thead><tr><th scope="col">${e(t.criterion)}</th><th scope="col">${e(t.measured)}</th><th scope="col">${e(t.required)}</th><th scope="col">${e(t.tests)}</th><th scope="col">${e(t.result)}</th></tr></thead>
<tbody>${criteria}</tbody>
</table>
<h2>${e(t.charts)}</h2>
<figure><figcaption>${e(t.download)}, Mbit/s</figcaption>${histogramSvg(data.distributions.download_mbps, dl?.bound ?? null, 'Mbit/s', t.download)}</figure>
<figure><figcaption>${e(t.upload)}, Mbit/s</figcaption>${histogramSvg(data.distributions.upload_mbps, ul?.bound ?? null, 'Mbit/s', t.upload)}</figure>
<figure><figcaption>${e(t.latency)}, ms</figcaption>${histogramSvg(data.distributions.latency_ms, lat?.bound ?? null, t.ms, t.latency)}</figure>
<h2>${e(t.before_after)}</h2>
<table>
<thead><tr><th scope="col">${e(t.criterion)}</th><th scope="col">${e(t.baseline(data.baseline.from.slice(0, 10), data.baseline.to.slice(0, 10)))}</th><th scope="col">${e(t.campaign_col)}</th></tr></thead>
<tbody>
${(['download', 'upload', 'latency'] as const).map((n) => `<tr><th scope="row">${e(t[n])}</th><td>${e(share(before, n))}</td><td>${e(share(v, n))}</td></tr>`).join('\n')}
<tr><th scope="row">${e(t.score)}</th><td>${fmt(data.baseline.score_before)}</td><td>${fmt(data.baseline.score_after)}${scoreChange === null ? '' : ` (${e(t.change)} ${scoreChange >= 0 ? '+' : ''}${fmt(scoreChange)})`}</td></tr>
</tbody>
</table>
<h2>${e(t.not_run)}</h2>
${notRun === '' ? `<p>${e(t.none)}</p>` : `<table><thead><tr><th scope="col">${e(t.reason)}</th><th scope="col">${e(t.count)}</th></tr></thead><tbody>${notRun}</tbody></table>`}
<p>${e(t.issued)}: ${e(data.issued_at)}. ${e(t.key)}: <code>${e(data.key_id)}</code>. ${e(t.signed_note)}</p>
</main>
</body>
</html>
`;
}
