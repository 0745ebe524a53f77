import type { PLAN_COLUMNS } from './plan.js';

/**
 * What people read for each plan column in a spreadsheet, in Latvian and
 * English, and how its numbers are shown. Beside {@link PLAN_COLUMNS}: a
 * column added there without a line here does not compile, and
 * plan-labels.test.ts checks that every column has both texts.
 */

/** Languages of the plan's spreadsheet; Latvian is the default (the ministry's working language). */
export const PLAN_LANGS = ['lv', 'en'] as const;
/** One of {@link PLAN_LANGS}. */
export type PlanLang = (typeof PLAN_LANGS)[number];
/** The language used when a request names none. */
export const DEFAULT_PLAN_LANG: PlanLang = 'lv';

/** A column of the plan's selection table. */
export type PlanColumn = (typeof PLAN_COLUMNS)[number];

/**
 * How a column's values are shown: `text`; `count` (whole numbers such as
 * pupils or years); `eur` (money, whole euros); `number` (a decimal
 * figure); `score` (0–100, one decimal); `percent` (a share stored as a
 * fraction 0–1, shown as a percentage); `boolean` (a true/false cell).
 */
export type PlanColumnKind = 'text' | 'count' | 'eur' | 'number' | 'score' | 'percent' | 'boolean';

/** Text in each language. */
export type LangText = Readonly<Record<PlanLang, string>>;

/** Header text and display of one column. */
export interface PlanColumnInfo extends LangText {
  kind: PlanColumnKind;
  /** Whether the totals row sums it (a sum of scores or ids means nothing). */
  total: boolean;
}

/** Every plan column's headers and display. */
export const PLAN_COLUMN_INFO: { readonly [C in PlanColumn]: PlanColumnInfo } = {
  school_id: { lv: 'Skolas ID', en: 'School ID', kind: 'text', total: false },
  school_name: { lv: 'Skola', en: 'School', kind: 'text', total: false },
  municipality: { lv: 'Pašvaldība', en: 'Municipality', kind: 'text', total: false },
  pupils: { lv: 'Skolēni', en: 'Pupils', kind: 'count', total: true },
  status: { lv: 'Statuss plānā', en: 'Status in the plan', kind: 'text', total: false },
  evidence_school_days: {
    lv: 'Mācību dienas ar mērījumiem',
    en: 'School days measured',
    kind: 'count',
    total: false,
  },
  evidence_ok: { lv: 'Pietiek mērījumu', en: 'Enough evidence', kind: 'boolean', total: false },
  option_id: { lv: 'Varianta ID', en: 'Option ID', kind: 'text', total: false },
  label: { lv: 'Uzlabojums', en: 'Upgrade', kind: 'text', total: false },
  programme_cost_eur: {
    lv: 'Programmas izmaksas, EUR',
    en: 'Programme cost, EUR',
    kind: 'eur',
    total: true,
  },
  survey_cost_eur: { lv: 'Apsekojums, EUR', en: 'Survey, EUR', kind: 'eur', total: true },
  owner_capex_eur: {
    lv: 'Īpašnieka kapitālieguldījums, EUR',
    en: "Owner's capital cost, EUR",
    kind: 'eur',
    total: true,
  },
  owner_running_pv_eur: {
    lv: 'Īpašnieka uzturēšana (PV), EUR',
    en: "Owner's running cost (PV), EUR",
    kind: 'eur',
    total: true,
  },
  renewals_pv_eur: { lv: 'Atjaunošana (PV), EUR', en: 'Renewals (PV), EUR', kind: 'eur', total: true },
  residual_value_pv_eur: {
    lv: 'Atlikusī vērtība (PV), EUR',
    en: 'Residual value (PV), EUR',
    kind: 'eur',
    total: true,
  },
  lifetime_cost_eur: {
    lv: 'Izmaksas mūža laikā, EUR',
    en: 'Lifetime cost, EUR',
    kind: 'eur',
    total: true,
  },
  opex_eur_per_year: {
    lv: 'Uzturēšanas izmaiņas gadā, EUR',
    en: 'Change of running cost per year, EUR',
    kind: 'eur',
    total: true,
  },
  lead_months: { lv: 'Izpildes laiks, mēneši', en: 'Lead time, months', kind: 'count', total: false },
  floor_before: { lv: 'Minimums pirms', en: 'Floor before', kind: 'boolean', total: false },
  floor_after: { lv: 'Minimums pēc', en: 'Floor after', kind: 'boolean', total: false },
  target_before: { lv: 'Mērķis pirms', en: 'Target before', kind: 'boolean', total: false },
  target_after: { lv: 'Mērķis pēc', en: 'Target after', kind: 'boolean', total: false },
  score_before: { lv: 'Vērtējums pirms', en: 'Score before', kind: 'score', total: false },
  score_after: { lv: 'Vērtējums pēc', en: 'Score after', kind: 'score', total: false },
  benefit: { lv: 'Ieguvums', en: 'Benefit', kind: 'number', total: true },
  owner_action: {
    lv: 'Īpašnieka rīcība',
    en: "Owner's action",
    kind: 'text',
    total: false,
  },
  operator_to_confirm: {
    lv: 'Jāapstiprina operatoram',
    en: 'Operator to confirm',
    kind: 'boolean',
    total: false,
  },
  provisional_option: {
    lv: 'Provizoriskais variants',
    en: 'Provisional option',
    kind: 'text',
    total: false,
  },
  provisional_cost_eur: {
    lv: 'Provizoriskās izmaksas, EUR',
    en: 'Provisional cost, EUR',
    kind: 'eur',
    total: true,
  },
  why: { lv: 'Pamatojums', en: 'Why', kind: 'text', total: false },
};

/** Whether `value` names a language of the plan's spreadsheet. */
export function isPlanLang(value: unknown): value is PlanLang {
  return (PLAN_LANGS as readonly unknown[]).includes(value);
}
