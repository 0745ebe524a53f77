import type { ContractKind, ContractTerms } from './verdict.js';

/**
 * Vendor contracts as plain data, their validation and their import from
 * CSV rows (docs/acceptance.md). Pure: a problem is a value with a stable
 * code and Latvian and English text, never an exception, so a planner's
 * form and an import show the same messages.
 */

/** The kinds a contract may have. */
export const CONTRACT_KINDS: readonly ContractKind[] = ['internet_line', 'internal_network'];

/**
 * Lowest guaranteed minimum speed of a fixed internet service, as a share
 * of its maximum, in percent: Latvia's regulator SPRK requires a contract
 * for fixed internet to state a minimum guaranteed speed of at least 20 %
 * of the maximum (SPRK, "Internets", sprk.gov.lv/en/node/281, on the terms
 * electronic communications contracts must state). Lower is flagged, not
 * refused: the planner decides.
 */
export const SPRK_MIN_GUARANTEED_SHARE_PCT = 20;

/** School days of an acceptance campaign unless the contract says otherwise (FCC DA 18-710 IV.B: one week). */
export const DEFAULT_CAMPAIGN_SCHOOL_DAYS = 5;

/** What a planner enters, or a CSV row gives, for one contract. */
export interface ContractInput {
  school_id: string;
  /** The vendor organisation, as vendor accounts carry it in their scope. */
  vendor: string;
  kind: ContractKind;
  /** The programme's or vendor's reference, e.g. a procurement number. */
  reference: string | null;
  download_max_mbps: number;
  download_min_mbps: number;
  upload_max_mbps: number;
  upload_min_mbps: number;
  /** Round-trip limit in ms; null for the verdict's default (100 ms). */
  latency_limit_ms: number | null;
  /** Highest mean packet loss in percent; null when the contract sets none. */
  max_loss_pct: number | null;
  /** Availability in school hours in percent; null when the contract sets none. */
  availability_pct: number | null;
  /** When the vendor must complete, `YYYY-MM-DD`. */
  completion_date: string;
  /** Days after completion within which acceptance must finish. */
  acceptance_window_days: number;
  /** School days the acceptance campaign runs. */
  campaign_school_days: number;
  /** Internal-network contracts: the rooms whose Wi-Fi coverage is part of acceptance. */
  rooms: string[];
}

/** How serious a problem is: an `error` refuses the contract, a `warning` flags it. */
export type ProblemSeverity = 'error' | 'warning';

/** A problem of a contract, for people in both languages and for programs by code. */
export interface ContractProblem {
  /** Stable code, `SKOLNET_CONTRACT_<WHAT>`. */
  code: string;
  severity: ProblemSeverity;
  /** The field it is about. */
  field: string;
  message: { lv: string; en: string };
}

/** Outcome of {@link validateContract}: the contract when it has no error, and every problem. */
export interface ContractValidation {
  contract?: ContractInput;
  problems: ContractProblem[];
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function validDate(text: string): boolean {
  const m = DATE.exec(text);
  if (!m) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(text);
}

type Raw = Readonly<Record<string, unknown>>;

/** True when text holds a control character (C0 or DEL): never part of a name or reference. */
function hasControl(text: string): boolean {
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** A raw value as text for a message. */
const shown = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : typeof v);

/**
 * Checks a contract from a form or an import. Numbers may come as numbers
 * or as text (a CSV cell); a decimal comma is read as a point, as Latvian
 * spreadsheets write them. Every problem is listed, not only the first.
 */
export function validateContract(raw: Raw): ContractValidation {
  const problems: ContractProblem[] = [];
  const error = (field: string, what: string, lv: string, en: string): void => {
    problems.push({ code: `SKOLNET_CONTRACT_${what}`, severity: 'error', field, message: { lv, en } });
  };
  const text = (field: string, required: boolean, max = 200): string | null => {
    const v = raw[field];
    if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) {
      if (required) error(field, 'MISSING', `Nav norādīts lauks ${field}`, `${field} is missing`);
      return null;
    }
    if (typeof v !== 'string' && typeof v !== 'number') {
      error(field, 'INVALID', `Laukam ${field} jābūt tekstam`, `${field} must be text`);
      return null;
    }
    const s = String(v).trim();
    if (s.length > max || hasControl(s)) {
      error(
        field,
        'INVALID',
        `Lauks ${field}: līdz ${max} rakstzīmēm, bez vadības rakstzīmēm`,
        `${field}: at most ${max} characters, no control characters`,
      );
      return null;
    }
    return s;
  };
  const number = (field: string, required: boolean, min: number, max: number): number | null => {
    const v = raw[field];
    if (v === undefined || v === null || v === '') {
      if (required) error(field, 'MISSING', `Nav norādīts lauks ${field}`, `${field} is missing`);
      return null;
    }
    const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v.trim().replace(',', '.')) : NaN;
    if (!Number.isFinite(n) || n < min || n > max) {
      error(
        field,
        'OUT_OF_RANGE',
        `Laukam ${field} jābūt skaitlim no ${min} līdz ${max}, ir „${shown(v)}”`,
        `${field} must be a number from ${min} to ${max}, got "${shown(v)}"`,
      );
      return null;
    }
    return n;
  };

  const school_id = text('school_id', true, 64);
  const vendor = text('vendor', true);
  const kindText = text('kind', true, 40);
  const kind = CONTRACT_KINDS.find((k) => k === kindText);
  if (kindText !== null && kind === undefined) {
    error(
      'kind',
      'INVALID',
      `Veids ir ${CONTRACT_KINDS.join(' vai ')}, ir „${kindText}”`,
      `kind is ${CONTRACT_KINDS.join(' or ')}, got "${kindText}"`,
    );
  }
  const reference = text('reference', false);
  // 100 Gbit/s is past any school line or LAN uplink; larger is a typo.
  const dMax = number('download_max_mbps', true, 0.001, 100_000);
  const dMin = number('download_min_mbps', true, 0, 100_000);
  const uMax = number('upload_max_mbps', true, 0.001, 100_000);
  const uMin = number('upload_min_mbps', true, 0, 100_000);
  const latency = number('latency_limit_ms', false, 1, 10_000);
  const loss = number('max_loss_pct', false, 0, 100);
  const availability = number('availability_pct', false, 0, 100);
  const completion = text('completion_date', true, 10);
  if (completion !== null && !validDate(completion)) {
    error(
      'completion_date',
      'INVALID',
      `Izpildes datums ir GGGG-MM-DD, ir „${completion}”`,
      `completion_date is YYYY-MM-DD, got "${completion}"`,
    );
  }
  const window = number('acceptance_window_days', true, 1, 366);
  const days = number('campaign_school_days', false, 1, 30) ?? DEFAULT_CAMPAIGN_SCHOOL_DAYS;
  const roomsRaw = raw['rooms'];
  let rooms: string[] = [];
  if (Array.isArray(roomsRaw)) rooms = roomsRaw.map(String).map((r) => r.trim());
  else if (typeof roomsRaw === 'string') rooms = roomsRaw.split(/[;,]/).map((r) => r.trim());
  rooms = rooms.filter((r) => r !== '');
  if (rooms.some((r) => r.length > 100) || rooms.length > 500) {
    error(
      'rooms',
      'INVALID',
      'Telpas: līdz 500, katra līdz 100 rakstzīmēm',
      'rooms: up to 500, each up to 100 characters',
    );
  }

  for (const [dir, max, min, minField] of [
    ['download', dMax, dMin, 'download_min_mbps'],
    ['upload', uMax, uMin, 'upload_min_mbps'],
  ] as const) {
    if (max === null || min === null) continue;
    if (min > max) {
      error(
        minField,
        'MIN_ABOVE_MAX',
        `Garantētais minimālais ātrums (${min} Mbit/s) ir lielāks par maksimālo (${max} Mbit/s)`,
        `the guaranteed minimum ${dir} (${min} Mbit/s) is above the maximum (${max} Mbit/s)`,
      );
    } else if (min * 100 < SPRK_MIN_GUARANTEED_SHARE_PCT * max) {
      problems.push({
        code: 'SKOLNET_CONTRACT_MIN_BELOW_SPRK',
        severity: 'warning',
        field: minField,
        message: {
          lv: `Garantētais minimālais ātrums (${min} Mbit/s) ir zem ${SPRK_MIN_GUARANTEED_SHARE_PCT} % no maksimālā (${max} Mbit/s), ko SPRK prasa fiksētam internetam`,
          en: `the guaranteed minimum ${dir} (${min} Mbit/s) is under ${SPRK_MIN_GUARANTEED_SHARE_PCT} % of the maximum (${max} Mbit/s), which SPRK requires for fixed internet`,
        },
      });
    }
  }

  if (problems.some((p) => p.severity === 'error')) return { problems };
  return {
    problems,
    contract: {
      school_id: school_id!,
      vendor: vendor!,
      kind: kind!,
      reference,
      download_max_mbps: dMax!,
      download_min_mbps: dMin!,
      upload_max_mbps: uMax!,
      upload_min_mbps: uMin!,
      latency_limit_ms: latency,
      max_loss_pct: loss,
      availability_pct: availability,
      completion_date: completion!,
      acceptance_window_days: window!,
      campaign_school_days: days,
      rooms,
    },
  };
}

/** The verdict's view of a contract. */
export function contractTerms(c: ContractInput): ContractTerms {
  return {
    kind: c.kind,
    download_max_mbps: c.download_max_mbps,
    upload_max_mbps: c.upload_max_mbps,
    download_min_mbps: c.download_min_mbps,
    upload_min_mbps: c.upload_min_mbps,
    latency_limit_ms: c.latency_limit_ms,
    max_loss_pct: c.max_loss_pct,
    availability_pct: c.availability_pct,
  };
}

/** The columns of a contract import, in the order a template lists them. */
export const CONTRACT_COLUMNS = [
  'school_id',
  'vendor',
  'kind',
  'reference',
  'download_max_mbps',
  'download_min_mbps',
  'upload_max_mbps',
  'upload_min_mbps',
  'latency_limit_ms',
  'max_loss_pct',
  'availability_pct',
  'completion_date',
  'acceptance_window_days',
  'campaign_school_days',
  'rooms',
] as const;

/** A table row's problems, by its line number as a spreadsheet shows it (the header is line 1). */
export interface RowProblems {
  line: number;
  problems: ContractProblem[];
}

/** Outcome of {@link contractsFromTable}: every contract, or, when any row has an error, nothing but the problems. */
export interface ContractImport {
  contracts: ContractInput[];
  /** The line of each of `contracts`, as {@link RowProblems.line} counts. */
  lines: number[];
  /** Problems by row (warnings included); with any error `contracts` is empty. */
  rows: RowProblems[];
  /** A problem of the table itself (no header, unknown column), or null. */
  table: ContractProblem | null;
}

/**
 * Contracts from a table (a header row, then one row per contract), as
 * the CSV and XLSX imports read it. All or nothing: one bad row refuses
 * the whole import, so a corrected file can be imported again without
 * duplicates.
 */
export function contractsFromTable(table: readonly (readonly string[])[]): ContractImport {
  const header = (table[0] ?? []).map((h) => h.trim().toLowerCase());
  const tableProblem = (lv: string, en: string): ContractImport => ({
    contracts: [],
    lines: [],
    rows: [],
    table: {
      code: 'SKOLNET_CONTRACT_TABLE_INVALID',
      severity: 'error',
      field: 'header',
      message: { lv, en },
    },
  });
  if (header.length === 0 || header.every((h) => h === '')) {
    return tableProblem('Tabulā nav galvenes rindas', 'the table has no header row');
  }
  const unknown = header.filter((h) => h !== '' && !(CONTRACT_COLUMNS as readonly string[]).includes(h));
  if (unknown.length > 0) {
    return tableProblem(
      `Nezināmas kolonnas: ${unknown.join(', ')} (kolonnas: ${CONTRACT_COLUMNS.join(', ')})`,
      `unknown columns: ${unknown.join(', ')} (columns: ${CONTRACT_COLUMNS.join(', ')})`,
    );
  }
  const contracts: ContractInput[] = [];
  const lines: number[] = [];
  const rows: RowProblems[] = [];
  for (let i = 1; i < table.length; i += 1) {
    const cells = table[i]!;
    if (cells.every((c) => c.trim() === '')) continue;
    const raw: Record<string, string> = {};
    header.forEach((h, j) => {
      if (h !== '') raw[h] = cells[j] ?? '';
    });
    const v = validateContract(raw);
    if (v.problems.length > 0) rows.push({ line: i + 1, problems: v.problems });
    if (v.contract) {
      contracts.push(v.contract);
      lines.push(i + 1);
    }
  }
  const failed = rows.some((r) => r.problems.some((p) => p.severity === 'error'));
  return { contracts: failed ? [] : contracts, lines: failed ? [] : lines, rows, table: null };
}

/**
 * Rows of RFC 4180 CSV text (quoted cells with `""`, CRLF or LF line
 * ends); a leading byte-order mark is dropped. A `;` separator is taken
 * when the header line has more of them than commas, as spreadsheets in
 * Latvian locales write CSV.
 */
export function parseCsv(text: string): string[][] {
  const src = text.startsWith('\ufeff') ? text.slice(1) : text;
  const firstLine = src.split(/\r?\n/, 1)[0] ?? '';
  const sep = (firstLine.match(/;/g)?.length ?? 0) > (firstLine.match(/,/g)?.length ?? 0) ? ';' : ',';
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < src.length; i += 1) {
    const ch = src[i]!;
    if (quoted) {
      if (ch === '"') {
        if (src[i + 1] === '"') {
          cell += '"';
          i += 1;
        } else quoted = false;
      } else cell += ch;
    } else if (ch === '"' && cell === '') quoted = true;
    else if (ch === sep) {
      row.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && src[i + 1] === '\n') i += 1;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += ch;
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}
