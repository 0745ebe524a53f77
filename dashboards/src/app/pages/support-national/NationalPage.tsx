import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api/client.js';
import { useApi } from '../../api/use-api.js';
import { DataTable, type Column } from '../../components/DataTable.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { SelectField } from '../../components/Fields.js';
import { useCommon } from '../../i18n/common.js';
import { useLang, useMessages } from '../../i18n/i18n.js';
import en from './messages.en.js';
import lv from './messages.lv.js';
import {
  COMPENSATION_TYPES,
  CONSULTATION_TYPES,
  PLAN_STATUSES,
  RISK_GROUPS,
  previousSemester,
  rowsOf,
  type CountAndSum,
  type NationalView,
  type Published,
  type ViewRow,
} from './types.js';

const messages = { lv, en };

/** The figures the page shows one at a time: a table of every municipality and school each. */
const FIGURES = ['status', 'groups', 'consultations', 'compensations', 'laptops'] as const;
type Figure = (typeof FIGURES)[number];

/** Semesters offered besides the current one: two school years back. */
const EARLIER_SEMESTERS = 3;
/** Minutes in an hour and cents in a euro: the API keeps minutes and whole cents. */
const MINUTES_PER_HOUR = 60;
const CENTS_PER_EUR = 100;

/**
 * IKVD's national view: one semester's counts for the country, each
 * municipality and each school in it, as the collector publishes them
 * (`GET /api/v1/support/national`): hidden counts (below 5, or ones a
 * hidden count would follow from) are shown as hidden, never guessed. No
 * pupil is in the answer. Read-only; approvals are on the queue page.
 */
export function NationalPage() {
  const t = useMessages(messages);
  const common = useCommon();
  const { lang, fmt } = useLang();
  const [semester, setSemester] = useState('');
  const [figure, setFigure] = useState<Figure>('status');
  const view = useApi(
    () =>
      api.get<NationalView>(
        `/api/v1/support/national${semester === '' ? '' : `?semester=${encodeURIComponent(semester)}`}`,
      ),
    [semester],
  );
  const current = view.data?.semester;
  // The collector's current semester comes with the first answer; earlier ones follow from it.
  const [latest, setLatest] = useState<string | undefined>(undefined);
  useEffect(() => {
    if (semester === '' && current !== undefined) setLatest(current);
  }, [current, semester]);
  const semesters: string[] = [];
  for (let s = latest, i = 0; s !== undefined && i <= EARLIER_SEMESTERS; i += 1, s = previousSemester(s)) {
    semesters.push(s);
  }

  const hidden = (
    <>
      <span aria-hidden="true">–</span>
      <span class="visually-hidden">{t('suppressed')}</span>
    </>
  );
  const count = (n: Published): ComponentChildren => (n === null ? hidden : fmt.number(n));
  const withSum = (c: CountAndSum, kind: 'hours' | 'euros'): ComponentChildren =>
    c.count === null || c.sum === null
      ? hidden
      : kind === 'hours'
        ? t('hours', { count: fmt.number(c.count), hours: fmt.number(c.sum / MINUTES_PER_HOUR, 1) })
        : t('euros', { count: fmt.number(c.count), eur: fmt.eur(c.sum / CENTS_PER_EUR, true) });

  const figureColumns = (f: Figure): Column<ViewRow>[] => {
    const numeric = (
      key: string,
      header: string,
      cell: (r: ViewRow) => ComponentChildren,
    ): Column<ViewRow> => ({
      key,
      header,
      numeric: true,
      cell,
    });
    switch (f) {
      case 'status':
        return [
          ...PLAN_STATUSES.map((s) => numeric(s, t(`status_${s}`), (r) => count(r.line.plans_by_status[s]))),
          numeric('total', t('total'), (r) => count(r.line.plans_total)),
        ];
      case 'groups':
        return RISK_GROUPS.map((g) => numeric(g, t(`group_${g}`), (r) => count(r.line.plans_by_group[g])));
      case 'consultations':
        return [
          ...CONSULTATION_TYPES.map((c) =>
            numeric(c, t(`consultation_${c}`), (r) => withSum(r.line.consultations[c], 'hours')),
          ),
          numeric('total', t('total'), (r) => withSum(r.line.consultations_total, 'hours')),
        ];
      case 'compensations':
        return [
          ...COMPENSATION_TYPES.map((c) =>
            numeric(c, t(`compensation_${c}`), (r) => withSum(r.line.compensations[c], 'euros')),
          ),
          numeric('total', t('total'), (r) => withSum(r.line.compensations_total, 'euros')),
        ];
      case 'laptops':
        return [
          numeric('issued', t('laptops_issued'), (r) => count(r.line.laptops_issued)),
          numeric('measured', t('laptops_measured'), (r) => count(r.line.home_laptops_measured)),
          numeric('share', t('home_share'), (r) =>
            r.line.home_connectivity_share === null ? hidden : fmt.percent(r.line.home_connectivity_share, 1),
          ),
        ];
    }
  };
  const columns: Column<ViewRow>[] = [
    {
      key: 'area',
      header: t('area'),
      rowHeader: true,
      cell: (r) =>
        r.level === 'national' ? (
          <strong>{t('national')}</strong>
        ) : r.level === 'municipality' ? (
          <strong>
            {r.name} <span class="muted">({t('level_municipality')})</span>
          </strong>
        ) : (
          <span class="national-school">
            {r.name} <span class="muted">({t('level_school')})</span>
          </span>
        ),
    },
    ...figureColumns(figure),
  ];
  const shown = current ?? semester;

  return (
    <>
      <h1>{t('title')}</h1>
      <p class="lead">{t('intro')}</p>
      <div class="filters">
        <SelectField
          label={t('semester')}
          value={semester === '' ? (latest ?? '') : semester}
          options={semesters.map((s) => ({ value: s, label: s }))}
          onChange={setSemester}
        />
        <SelectField
          label={t('figure')}
          value={figure}
          options={FIGURES.map((f) => ({ value: f, label: t(`figure_${f}`) }))}
          onChange={(v) => setFigure(v as Figure)}
        />
      </div>
      {view.error !== undefined && <ErrorNotice error={view.error} onRetry={view.reload} />}
      {view.data === undefined ? (
        view.error === undefined && <p>{common('loading')}</p>
      ) : view.data.municipalities.length === 0 ? (
        <p>{t('empty')}</p>
      ) : (
        <DataTable
          caption={t('caption', { figure: t(`figure_${figure}`), semester: view.data.semester })}
          columns={columns}
          rows={rowsOf(view.data)}
          rowKey={(r) => r.key}
        />
      )}
      {shown !== '' && (
        <>
          <h2>{t('reports')}</h2>
          <ul>
            <li>
              <a
                href={`/api/v1/support/report?semester=${encodeURIComponent(shown)}&format=xlsx&lang=${lang}`}
                download
              >
                {t('report_xlsx', { semester: shown })}
              </a>
            </li>
            <li>
              <a
                href={`/api/v1/support/report.pdf?semester=${encodeURIComponent(shown)}&lang=${lang}`}
                download
              >
                {t('report_pdf', { semester: shown })}
              </a>
            </li>
          </ul>
        </>
      )}
    </>
  );
}
