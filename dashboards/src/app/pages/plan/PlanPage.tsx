import type { TargetedSubmitEvent } from 'preact';
import { useMemo } from 'preact/hooks';
import { api } from '../../api/client.js';
import type { PlanResult, PlanSelection } from '../../api/types.js';
import { useApi } from '../../api/use-api.js';
import { DataTable, formatSort, parseSort, type Column } from '../../components/DataTable.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { NumberField } from '../../components/Fields.js';
import { LiveStatus } from '../../components/LiveStatus.js';
import type { MapPoint } from '../../components/map/geometry.js';
import { SchoolMap } from '../../components/map/SchoolMap.js';
import { useLang, useMessages } from '../../i18n/i18n.js';
import { Link, useQuery } from '../../router.js';
import en from './messages.en.js';
import lv from './messages.lv.js';
import {
  PLAN_PARAMS,
  planQuery,
  spendByMunicipality,
  summarizeGreedy,
  type MunicipalitySpend,
  exportQuery,
} from './plan-model.js';
import { usePlanText } from './plan-text.js';

const messages = { lv, en };

/** Path of the plan explorer. */
export const PLAN_PATH = '/plan';

const schoolPath = (id: string): string => `/schools/${encodeURIComponent(id)}`;

/**
 * The plan explorer: budget and constraints (in the URL, so a plan can be
 * shared), the funded schools on the map and in a table, euros per
 * municipality, the cut-off and what the next euro buys, the optimal plan
 * beside the greedy order, and the plan's exports.
 */
export function PlanPage() {
  const t = useMessages(messages);
  const text = usePlanText();
  const { lang, fmt } = useLang();
  const [query, setQuery] = useQuery();
  const apiQuery = planQuery(query).toString();
  const plan = useApi(
    () => api.get<PlanResult>(`/api/v1/plan${apiQuery === '' ? '' : `?${apiQuery}`}`),
    [apiQuery],
  );
  const schools = useApi(() => api.schools(), []);
  const p = plan.data;

  const funded = useMemo(() => new Set(p?.selected.map((s) => s.school_id) ?? []), [p]);
  const points: MapPoint[] = useMemo(
    () =>
      (schools.data ?? []).flatMap((s) =>
        s.lat === null || s.lon === null || s.retired_at !== null
          ? []
          : [{ id: s.id, name: s.name, lat: s.lat, lon: s.lon, band: s.band, highlight: funded.has(s.id) }],
      ),
    [schools.data, funded],
  );
  const municipalities = useMemo(() => spendByMunicipality(p?.selected ?? []), [p]);
  const greedy = p ? summarizeGreedy(p) : undefined;
  const names = useMemo(() => new Map((schools.data ?? []).map((s) => [s.id, s.name])), [schools.data]);

  const submit = (event: TargetedSubmitEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const patch: Record<string, string> = {};
    for (const key of PLAN_PARAMS) {
      const value = form.get(key);
      patch[key] = typeof value === 'string' ? value.trim() : '';
    }
    setQuery(patch);
  };

  const points1 = (v: number): string => fmt.number(v, v < 10 ? 2 : 0);
  const exportHref = (format: 'csv' | 'xlsx' | 'json'): string =>
    `/api/v1/plan?${exportQuery(apiQuery, format, lang).toString()}`;

  const municipalityColumns: Column<MunicipalitySpend>[] = [
    {
      key: 'name',
      header: t('col_municipality'),
      rowHeader: true,
      cell: (m) => m.name,
      sortValue: (m) => m.name,
    },
    {
      key: 'schools',
      header: t('col_schools'),
      numeric: true,
      cell: (m) => fmt.number(m.schools),
      sortValue: (m) => m.schools,
    },
    {
      key: 'pupils',
      header: t('col_pupils'),
      numeric: true,
      cell: (m) => fmt.number(m.pupils),
      sortValue: (m) => m.pupils,
    },
    {
      key: 'cost',
      header: t('col_cost'),
      numeric: true,
      cell: (m) => fmt.eur(m.cost_eur),
      sortValue: (m) => m.cost_eur,
    },
    {
      key: 'benefit',
      header: t('col_benefit'),
      numeric: true,
      cell: (m) => points1(m.benefit),
      sortValue: (m) => m.benefit,
    },
  ];
  const fundedColumns: Column<PlanSelection>[] = [
    {
      key: 'school',
      header: t('col_school'),
      rowHeader: true,
      cell: (s) => <Link href={schoolPath(s.school_id)}>{s.school_name}</Link>,
      sortValue: (s) => s.school_name,
    },
    {
      key: 'municipality',
      header: t('col_municipality'),
      cell: (s) => s.municipality,
      sortValue: (s) => s.municipality,
    },
    {
      key: 'option',
      header: t('col_option'),
      cell: (s) => text.label(s.label_parts),
      sortValue: (s) => text.label(s.label_parts),
    },
    {
      key: 'score',
      header: t('col_score'),
      numeric: true,
      cell: (s) => `${fmt.number(s.score_before, 1)} → ${fmt.number(s.score_after, 1)}`,
      sortValue: (s) => s.score_after - s.score_before,
    },
    {
      key: 'cost',
      header: t('col_cost'),
      numeric: true,
      cell: (s) => fmt.eur(s.cost_eur),
      sortValue: (s) => s.cost_eur,
    },
    {
      key: 'benefit',
      header: t('col_benefit'),
      numeric: true,
      cell: (s) => points1(s.benefit),
      sortValue: (s) => s.benefit,
    },
  ];

  const status = plan.loading
    ? t('calculating')
    : p
      ? t('plan_for', {
          budget: fmt.eur(p.budget_eur),
          schools: t('funded_schools', { count: p.selected.length }),
          spent: fmt.eur(p.total_cost_eur),
        })
      : '';
  const step = (s: NonNullable<typeof greedy>['lastFunded'], key: 'last_funded' | 'first_unfunded') =>
    s === undefined
      ? undefined
      : t(key, {
          school: names.get(s.school_id) ?? s.school_id,
          cost: fmt.eur(s.cost_eur),
          ratio: fmt.number(s.benefit_per_eur, 4),
          cumulative: fmt.eur(s.cumulative_cost_eur),
        });

  return (
    <>
      <h1>{t('title')}</h1>
      <p class="lead">{t('intro')}</p>
      {p?.synthetic && <p class="notice">{t('synthetic')}</p>}

      <section aria-labelledby="plan-inputs-heading" class="filter-panel">
        <h2 id="plan-inputs-heading">{t('inputs_heading')}</h2>
        <form class="filters" onSubmit={submit} key={query.toString()}>
          <NumberField
            label={t('budget')}
            name="budget"
            value={query.get('budget') ?? ''}
            min={0}
            step={1000}
            describedBy="budget-hint"
          />
          <NumberField
            label={t('min_score')}
            name="min_score"
            value={query.get('min_score') ?? ''}
            min={0}
            step={1}
          />
          <NumberField
            label={t('municipality_cap')}
            name="municipality_cap"
            value={query.get('municipality_cap') ?? ''}
            min={0}
            step={1000}
          />
          <NumberField
            label={t('installs_per_month')}
            name="installs_per_month"
            value={query.get('installs_per_month') ?? ''}
            min={0}
            step={1}
          />
          <NumberField label={t('months')} name="months" value={query.get('months') ?? ''} min={0} step={1} />
          <p class="field">
            <button type="submit" class="primary">
              {t('calculate')}
            </button>
          </p>
          <p class="field">
            <Link href={PLAN_PATH}>{t('reset')}</Link>
          </p>
        </form>
        <p class="hint" id="budget-hint">
          {t('budget_hint')}
        </p>
        <LiveStatus message={status} />
      </section>

      {plan.error !== undefined && <ErrorNotice error={plan.error} onRetry={plan.reload} />}

      {p !== undefined && greedy !== undefined && (
        <>
          <section aria-labelledby="plan-summary-heading">
            <h2 id="plan-summary-heading">{t('summary_heading')}</h2>
            <dl class="facts">
              <dt>{t('budget_label')}</dt>
              <dd>{fmt.eur(p.budget_eur)}</dd>
              <dt>{t('spent_label')}</dt>
              <dd>{fmt.eur(p.total_cost_eur)}</dd>
              <dt>{t('schools_label')}</dt>
              <dd>{fmt.number(p.selected.length)}</dd>
              <dt>{t('benefit_label')}</dt>
              <dd>
                {points1(p.total_benefit)}{' '}
                {p.summary.objective === 'score_delta' ? t('benefit_unit') : t('benefit_unit_lifetime')}
              </dd>
              <dt>{t('status_label')}</dt>
              <dd>
                {p.optimal ? t('status_optimal') : t('status_best_found', { gap: fmt.percent(p.gap, 1) })}
              </dd>
            </dl>
            <p class="hint">
              {t('budget_source', {
                source: p.summary.budget.default_source
                  ? t('budget_source_default', {
                      eur: fmt.eur(p.summary.budget.default_source.programme_total_eur),
                    })
                  : p.summary.budget.source,
                vat: p.summary.budget.includes_vat ? t('vat_gross') : t('vat_net'),
              })}
            </p>
            {p.summary.lacking_evidence.schools.length + p.summary.line_unknown.length > 0 && (
              <p class="hint">
                {t('surveys', {
                  count: new Set([...p.summary.lacking_evidence.schools, ...p.summary.line_unknown]).size,
                  days: p.summary.lacking_evidence.min_school_days,
                })}
              </p>
            )}
          </section>

          <section aria-labelledby="plan-lifetime-heading">
            <h2 id="plan-lifetime-heading">{t('lifetime_heading')}</h2>
            <p>
              {t('lifetime_intro', {
                years: p.summary.horizon_years,
                rate: fmt.percent(p.summary.discount_rate, 1),
              })}
            </p>
            <dl class="facts">
              <dt>{t('programme_money')}</dt>
              <dd>
                {fmt.eur(p.summary.programme_cost_eur)} (
                {t('of_which_surveys', { eur: fmt.eur(p.summary.surveys_cost_eur) })})
              </dd>
              <dt>{t('owners_money')}</dt>
              <dd>{fmt.eur(p.summary.owner_cost_pv_eur)}</dd>
              <dt>{t('residual_value')}</dt>
              <dd>{fmt.eur(p.summary.residual_value_pv_eur)}</dd>
              <dt>{t('lifetime_cost')}</dt>
              <dd>{fmt.eur(p.summary.lifetime_cost_eur)}</dd>
            </dl>
            <div class="table-wrap">
              <table>
                <caption>{t('thresholds_caption')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('col_threshold')}</th>
                    <th scope="col" class="num">
                      {t('col_schools_change')}
                    </th>
                    <th scope="col" class="num">
                      {t('col_pupils_change')}
                    </th>
                    <th scope="col" class="num">
                      {t('col_eur_per_pupil')}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {(['floor', 'target'] as const).map((k) => {
                    const c = p.summary[k];
                    return (
                      <tr key={k}>
                        <th scope="row">{t(k === 'floor' ? 'threshold_floor' : 'threshold_target')}</th>
                        <td class="num">
                          {fmt.number(c.schools_before)} → {fmt.number(c.schools_after)}
                        </td>
                        <td class="num">
                          {fmt.number(c.pupils_before)} → {fmt.number(c.pupils_after)}
                        </td>
                        <td class="num">
                          {c.programme_eur_per_pupil === null ? '–' : fmt.eur(c.programme_eur_per_pupil)}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
            <p class="hint">{text.message(p.summary.delivery_message)}</p>
          </section>

          <section aria-labelledby="plan-cutoff-heading">
            <h2 id="plan-cutoff-heading">{t('cutoff_heading')}</h2>
            <p>
              {t('next_euro', {
                lambda: fmt.number(p.benefit_per_eur_at_cutoff, 4),
                per100k: fmt.number(p.benefit_per_eur_at_cutoff * 100_000),
              })}
            </p>
            {greedy.firstUnfunded === undefined ? (
              <p>{t('all_funded')}</p>
            ) : (
              <ul>
                {greedy.lastFunded && <li>{step(greedy.lastFunded, 'last_funded')}</li>}
                <li>{step(greedy.firstUnfunded, 'first_unfunded')}</li>
              </ul>
            )}
          </section>

          <section aria-labelledby="plan-exports-heading">
            <h2 id="plan-exports-heading">{t('exports_heading')}</h2>
            <ul class="exports">
              <li>
                <a href={exportHref('xlsx')} download class="button">
                  {t('export_xlsx')}
                </a>
              </li>
              <li>
                <a href={exportHref('csv')} download class="button">
                  {t('export_csv')}
                </a>
              </li>
              <li>
                <a href={exportHref('json')} download class="button">
                  {t('export_json')}
                </a>
              </li>
            </ul>
          </section>

          <div class="overview-grid">
            <section aria-labelledby="plan-compare-heading">
              <h2 id="plan-compare-heading">{t('compare_heading')}</h2>
              <table>
                <caption class="visually-hidden">{t('compare_caption')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('col_measure')}</th>
                    <th scope="col" class="num">
                      {t('col_optimal')}
                    </th>
                    <th scope="col" class="num">
                      {t('col_greedy')}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  <tr>
                    <th scope="row">{t('benefit_label')}</th>
                    <td class="num">{points1(p.total_benefit)}</td>
                    <td class="num">{points1(greedy.benefit)}</td>
                  </tr>
                  <tr>
                    <th scope="row">{t('spent_label')}</th>
                    <td class="num">{fmt.eur(p.total_cost_eur)}</td>
                    <td class="num">{fmt.eur(greedy.cost_eur)}</td>
                  </tr>
                  <tr>
                    <th scope="row">{t('schools_label')}</th>
                    <td class="num">{fmt.number(p.selected.length)}</td>
                    <td class="num">{fmt.number(greedy.schools)}</td>
                  </tr>
                </tbody>
              </table>
              <p class="hint">
                {p.total_benefit > greedy.benefit
                  ? t('compare_note', { extra: points1(p.total_benefit - greedy.benefit) })
                  : t('compare_same')}
              </p>
            </section>
            <section aria-labelledby="plan-map-heading">
              <h2 id="plan-map-heading">{t('map_heading')}</h2>
              <SchoolMap points={points} caption={t('map_caption')} />
            </section>
          </div>

          <section aria-labelledby="plan-municipalities-heading">
            <h2 id="plan-municipalities-heading">{t('municipalities_heading')}</h2>
            <DataTable
              caption={t('municipalities_heading')}
              captionHidden
              columns={municipalityColumns}
              rows={municipalities}
              rowKey={(m) => m.name}
              sort={parseSort(query.get('msort'))}
              onSort={(s) => setQuery({ msort: formatSort(s) }, { replace: true })}
            />
          </section>

          <section aria-labelledby="plan-funded-heading">
            <h2 id="plan-funded-heading">{t('funded_heading')}</h2>
            <DataTable
              caption={t('funded_heading')}
              captionHidden
              columns={fundedColumns}
              rows={p.selected}
              rowKey={(s) => s.option_id}
              sort={parseSort(query.get('sort'))}
              onSort={(s) => setQuery({ sort: formatSort(s) }, { replace: true })}
            />
          </section>
        </>
      )}
    </>
  );
}
