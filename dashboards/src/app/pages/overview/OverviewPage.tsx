import { useMemo } from 'preact/hooks';
import { api } from '../../api/client.js';
import { BANDS, CONFIDENCE_LEVELS, SCHOOL_TYPES, type Role } from '../../api/types.js';
import { useApi } from '../../api/use-api.js';
import { BandChip } from '../../components/BandChip.js';
import { DataTable, formatSort, parseSort, type Column } from '../../components/DataTable.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { SearchField, SelectField } from '../../components/Fields.js';
import { LiveStatus } from '../../components/LiveStatus.js';
import type { MapPoint } from '../../components/map/geometry.js';
import { SchoolMap } from '../../components/map/SchoolMap.js';
import { useCommon } from '../../i18n/common.js';
import { LOCALES, useLang, useMessages } from '../../i18n/i18n.js';
import { Link, hrefWith, useQuery } from '../../router.js';
import { useSession } from '../../session.js';
import {
  countByBand,
  filterFromQuery,
  filterSchools,
  municipalityRows,
  rowsFromOverview,
  rowsFromSchools,
  scoreDistribution,
  type MunicipalityRow,
  type OverviewRow,
} from './filter.js';
import en from './messages.en.js';
import lv from './messages.lv.js';

const messages = { lv, en };

/** The data refreshes this often: new agents' first scores show without a reload (milliseconds). */
export const OVERVIEW_REFRESH_MS = 60_000;

/** Roles that get the planners' overview (`GET /api/v1/overview`): download, confidence, planned EUR. */
export const PLANNER_ROLES: readonly Role[] = ['admin', 'planner'];

/** A school's download threshold when the collector did not say, Mbit/s (collector's SLOW_BELOW_MBPS). */
const DEFAULT_SLOW_BELOW_MBPS = 20;

/** Path of a school's page. */
export const schoolPath = (id: string): string => `/schools/${encodeURIComponent(id)}`;

/**
 * The national overview: schools per band, the score distribution, the
 * map, the municipalities and every school. One set of filters (kept in
 * the URL with the sorting) applies to all of them. Planners and admins
 * also see confidence, download speed and the plan's euros; everyone
 * else sees the public scores.
 */
export function OverviewPage() {
  const t = useMessages(messages);
  const common = useCommon();
  const { lang, fmt } = useLang();
  const { session } = useSession();
  const [query, setQuery] = useQuery();
  const planner = session !== undefined && PLANNER_ROLES.includes(session.user.role);

  const data = useApi(
    async () => {
      if (planner) {
        const overview = await api.overview();
        return { rows: rowsFromOverview(overview), overview };
      }
      return { rows: rowsFromSchools(await api.schools()), overview: undefined };
    },
    [planner],
    OVERVIEW_REFRESH_MS,
  );
  const filter = filterFromQuery(query);
  const filtering = Object.values(filter).some((v) => v !== '');
  const all = data.data?.rows ?? [];
  const overview = data.data?.overview;
  const slowBelow = overview?.slow_below_mbps ?? DEFAULT_SLOW_BELOW_MBPS;

  const shown = useMemo(
    () => filterSchools(all, filter),
    [all, filter.municipality, filter.band, filter.schoolType, filter.confidence, filter.search],
  );
  const counts = countByBand(shown);
  const bins = scoreDistribution(shown);
  const maxBin = Math.max(1, ...bins.map((b) => b.count));
  const names = useMemo(() => {
    const collator = new Intl.Collator(LOCALES[lang]);
    const known = overview?.municipalities.map((m) => m.name) ?? [];
    return [...new Set([...known, ...all.map((s) => s.municipality)])].sort(collator.compare);
  }, [all, overview, lang]);
  const municipalities = useMemo(
    () =>
      municipalityRows(shown, {
        names,
        slowBelowMbps: slowBelow,
        keepEmpty: !filtering,
        plannedKnown: planner,
      }),
    [shown, names, slowBelow, filtering, planner],
  );
  const points: MapPoint[] = useMemo(
    () =>
      shown.flatMap((s) =>
        s.lat === null || s.lon === null
          ? []
          : [
              {
                id: s.id,
                name: s.name,
                lat: s.lat,
                lon: s.lon,
                band: s.band,
                highlight: (s.planned_eur ?? 0) > 0,
              },
            ],
      ),
    [shown],
  );

  const score = (v: number | null): string | preact.JSX.Element =>
    v === null ? <span class="muted">{t('no_score')}</span> : fmt.number(v, 1);

  const municipalityColumns: Column<MunicipalityRow>[] = [
    {
      key: 'name',
      header: t('col_municipality'),
      rowHeader: true,
      cell: (m) => (
        <Link href={hrefWith({ municipality: m.name })} aria-label={t('show_municipality', { name: m.name })}>
          {m.name}
        </Link>
      ),
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
      key: 'median',
      header: t('col_median_score'),
      numeric: true,
      cell: (m) => score(m.median_score),
      sortValue: (m) => m.median_score,
    },
    ...(planner
      ? [
          {
            key: 'slow',
            header: t('col_slow_share', { mbps: slowBelow }),
            numeric: true,
            cell: (m: MunicipalityRow) =>
              m.slow_share === null ? (
                <span class="muted">{t('not_measured')}</span>
              ) : (
                fmt.percent(m.slow_share)
              ),
            sortValue: (m: MunicipalityRow) => m.slow_share,
          },
          {
            key: 'planned',
            header: t('col_planned'),
            numeric: true,
            cell: (m: MunicipalityRow) => fmt.eur(m.planned_eur ?? 0),
            sortValue: (m: MunicipalityRow) => m.planned_eur,
          },
        ]
      : []),
  ];

  const schoolColumns: Column<OverviewRow>[] = [
    {
      key: 'name',
      header: t('col_school'),
      rowHeader: true,
      cell: (s) => <Link href={schoolPath(s.id)}>{s.name}</Link>,
      sortValue: (s) => s.name,
    },
    {
      key: 'municipality',
      header: t('col_municipality'),
      cell: (s) => s.municipality,
      sortValue: (s) => s.municipality,
    },
    {
      key: 'type',
      header: t('col_type'),
      cell: (s) => t(s.school_type === null ? 'type_unknown' : `type_${s.school_type}`),
      sortValue: (s) => (s.school_type === null ? null : t(`type_${s.school_type}`)),
    },
    {
      key: 'pupils',
      header: t('col_pupils'),
      numeric: true,
      cell: (s) => fmt.number(s.pupils),
      sortValue: (s) => s.pupils,
    },
    // One decimal: a rounded 80 beside the band "moderate" (79.6) would look wrong.
    {
      key: 'score',
      header: t('col_score'),
      numeric: true,
      cell: (s) => score(s.score),
      sortValue: (s) => s.score,
    },
    {
      key: 'band',
      header: t('col_band'),
      cell: (s) => <BandChip band={s.band} />,
      sortValue: (s) => BANDS.indexOf(s.band),
    },
    ...(planner
      ? [
          {
            key: 'confidence',
            header: t('col_confidence'),
            cell: (s: OverviewRow) => (s.confidence === null ? '' : t(`confidence_${s.confidence}`)),
            sortValue: (s: OverviewRow) =>
              s.confidence === null ? null : CONFIDENCE_LEVELS.indexOf(s.confidence),
          },
          {
            key: 'download',
            header: t('col_download'),
            numeric: true,
            cell: (s: OverviewRow) =>
              s.download_mbps === null ? (
                <span class="muted">{t('not_measured')}</span>
              ) : (
                fmt.number(s.download_mbps, 1)
              ),
            sortValue: (s: OverviewRow) => s.download_mbps,
          },
          {
            key: 'planned',
            header: t('col_planned'),
            numeric: true,
            cell: (s: OverviewRow) => fmt.eur(s.planned_eur ?? 0),
            sortValue: (s: OverviewRow) => s.planned_eur,
          },
        ]
      : []),
  ];

  const status = data.data
    ? t('shown', { count: shown.length, total: all.length })
    : data.error
      ? ''
      : common('loading');
  const withoutPlace = shown.length - points.length;

  return (
    <>
      <h1>{t('title')}</h1>
      <p class="lead">{t('intro')}</p>
      {overview?.synthetic && <p class="notice">{t('synthetic')}</p>}
      {data.error !== undefined && <ErrorNotice error={data.error} onRetry={data.reload} />}

      <section aria-labelledby="filters-heading" class="filter-panel">
        <h2 id="filters-heading" class="visually-hidden">
          {t('filters_heading')}
        </h2>
        <div class="filters">
          <SearchField
            label={t('search')}
            value={filter.search}
            onInput={(q) => setQuery({ q }, { replace: true })}
          />
          <SelectField
            label={t('filter_municipality')}
            value={filter.municipality}
            allLabel={common('all')}
            options={names.map((m) => ({ value: m, label: m }))}
            onChange={(municipality) => setQuery({ municipality })}
          />
          <SelectField
            label={t('filter_band')}
            value={filter.band}
            allLabel={common('all')}
            options={BANDS.map((b) => ({ value: b, label: common(`band_${b}`) }))}
            onChange={(band) => setQuery({ band })}
          />
          <SelectField
            label={t('filter_type')}
            value={filter.schoolType}
            allLabel={common('all')}
            options={SCHOOL_TYPES.map((v) => ({ value: v, label: t(`type_${v}`) }))}
            onChange={(type) => setQuery({ type })}
          />
          {planner && (
            <SelectField
              label={t('filter_confidence')}
              value={filter.confidence}
              allLabel={common('all')}
              options={CONFIDENCE_LEVELS.map((v) => ({ value: v, label: t(`confidence_${v}`) }))}
              onChange={(confidence) => setQuery({ confidence })}
            />
          )}
          {filtering && (
            <p class="field">
              <Link href={location.pathname}>{t('clear_filters')}</Link>
            </p>
          )}
        </div>
        <LiveStatus message={status} />
      </section>

      {data.data !== undefined && all.length === 0 ? (
        <p>{t('no_schools')}</p>
      ) : (
        <>
          <div class="overview-grid">
            <div>
              <section aria-labelledby="bands-heading">
                <h2 id="bands-heading">{t('bands_heading')}</h2>
                <ul class="band-counts">
                  {BANDS.map((band) => (
                    <li key={band}>
                      <BandChip band={band} />{' '}
                      <strong>{common('schools_count', { count: counts[band] })}</strong>
                    </li>
                  ))}
                </ul>
              </section>
              <section aria-labelledby="distribution-heading">
                <h2 id="distribution-heading">{t('distribution_heading')}</h2>
                <table class="histogram">
                  <caption class="visually-hidden">{t('distribution_caption')}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('col_range')}</th>
                      <th scope="col" class="num">
                        {t('col_count')}
                      </th>
                      <th scope="col" aria-hidden="true" />
                    </tr>
                  </thead>
                  <tbody>
                    {bins.map((b) => (
                      <tr key={b.from}>
                        <th scope="row">
                          {b.from}–{b.to === 100 ? 100 : b.to - 1}
                        </th>
                        <td class="num">{fmt.number(b.count)}</td>
                        <td class="bar-cell" aria-hidden="true">
                          <span class="bar" style={{ width: `${(100 * b.count) / maxBin}%` }} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </section>
            </div>
            <section aria-labelledby="map-heading">
              <h2 id="map-heading">{t('map_heading')}</h2>
              <SchoolMap points={points} caption={`${t('map_caption')} ${common('map_source')}`} />
              {withoutPlace > 0 && <p class="hint">{t('map_missing', { count: withoutPlace })}</p>}
            </section>
          </div>

          <section aria-labelledby="municipalities-heading">
            <h2 id="municipalities-heading">{t('municipalities_heading')}</h2>
            {overview !== undefined && (
              <p class="hint">{t('planned_at', { budget: fmt.eur(overview.budget_eur) })}</p>
            )}
            <DataTable
              caption={t('municipalities_caption')}
              captionHidden
              columns={municipalityColumns}
              rows={municipalities}
              rowKey={(m) => m.name}
              sort={parseSort(query.get('msort'))}
              onSort={(s) => setQuery({ msort: formatSort(s) })}
            />
          </section>

          <section aria-labelledby="schools-heading">
            <h2 id="schools-heading">{t('schools_heading')}</h2>
            <DataTable
              caption={t('schools_heading')}
              captionHidden
              columns={schoolColumns}
              rows={shown}
              rowKey={(s) => s.id}
              sort={parseSort(query.get('sort'))}
              onSort={(s) => setQuery({ sort: formatSort(s) })}
            />
          </section>
        </>
      )}
    </>
  );
}
