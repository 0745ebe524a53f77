import { useMemo } from 'preact/hooks';
import { api } from '../../api/client.js';
import { BANDS, type SchoolListItem } from '../../api/types.js';
import { useApi } from '../../api/use-api.js';
import { BandChip } from '../../components/BandChip.js';
import { DataTable, formatSort, parseSort, type Column } from '../../components/DataTable.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { SearchField, SelectField } from '../../components/Fields.js';
import { LiveStatus } from '../../components/LiveStatus.js';
import { useCommon } from '../../i18n/common.js';
import { LOCALES, useLang, useMessages } from '../../i18n/i18n.js';
import { Link, useQuery } from '../../router.js';
import { countByBand, filterFromQuery, filterSchools } from './filter.js';
import en from './messages.en.js';
import lv from './messages.lv.js';

const messages = { lv, en };

/** The list refreshes this often: new agents' first scores show without a reload (milliseconds). */
export const OVERVIEW_REFRESH_MS = 60_000;

/** Path of a school's page. */
export const schoolPath = (id: string): string => `/schools/${encodeURIComponent(id)}`;

/** The national overview: schools per band and every school, with filters and sorting kept in the URL. */
export function OverviewPage() {
  const t = useMessages(messages);
  const common = useCommon();
  const { lang, fmt } = useLang();
  const [query, setQuery] = useQuery();
  const schools = useApi(() => api.schools(), [], OVERVIEW_REFRESH_MS);
  const filter = filterFromQuery(query);
  const sort = parseSort(query.get('sort'));

  const all = schools.data ?? [];
  const shown = useMemo(
    () => filterSchools(all, filter),
    [all, filter.municipality, filter.band, filter.schoolType, filter.confidence, filter.search],
  );
  const counts = countByBand(shown);
  const municipalities = useMemo(() => {
    const collator = new Intl.Collator(LOCALES[lang]);
    return [...new Set(all.map((s) => s.municipality))].sort(collator.compare);
  }, [all, lang]);

  const columns: Column<SchoolListItem>[] = [
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
      key: 'pupils',
      header: t('col_pupils'),
      numeric: true,
      cell: (s) => fmt.number(s.pupils),
      sortValue: (s) => s.pupils,
    },
    {
      key: 'score',
      header: t('col_score'),
      numeric: true,
      // One decimal: a rounded 80 beside the band "moderate" (79.6) would look wrong.
      cell: (s) => (s.score === null ? <span class="muted">{t('no_score')}</span> : fmt.number(s.score, 1)),
      sortValue: (s) => s.score,
    },
    {
      key: 'band',
      header: t('col_band'),
      cell: (s) => <BandChip band={s.band} />,
      sortValue: (s) => BANDS.indexOf(s.band),
    },
  ];

  const status = schools.data
    ? t('shown', { count: shown.length, total: all.length })
    : schools.error
      ? ''
      : common('loading');

  return (
    <>
      <h1>{t('title')}</h1>
      <p class="lead">{t('intro')}</p>
      {schools.error !== undefined && <ErrorNotice error={schools.error} onRetry={schools.reload} />}
      <section aria-labelledby="bands-heading">
        <h2 id="bands-heading">{t('bands_heading')}</h2>
        <ul class="band-counts">
          {BANDS.map((band) => (
            <li key={band}>
              <BandChip band={band} /> <strong>{common('schools_count', { count: counts[band] })}</strong>
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="schools-heading">
        <h2 id="schools-heading">{t('schools_heading')}</h2>
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
            options={municipalities.map((m) => ({ value: m, label: m }))}
            onChange={(municipality) => setQuery({ municipality })}
          />
          <SelectField
            label={t('filter_band')}
            value={filter.band}
            allLabel={common('all')}
            options={BANDS.map((b) => ({ value: b, label: common(`band_${b}`) }))}
            onChange={(band) => setQuery({ band })}
          />
        </div>
        <LiveStatus message={status} />
        {schools.data !== undefined && all.length === 0 ? (
          <p>{t('no_schools')}</p>
        ) : (
          <DataTable
            caption={t('schools_heading')}
            captionHidden
            columns={columns}
            rows={shown}
            rowKey={(s) => s.id}
            sort={sort}
            onSort={(s) => setQuery({ sort: formatSort(s) })}
          />
        )}
      </section>
    </>
  );
}
