import type { ComponentChildren } from 'preact';
import { ApiError, api } from '../../api/client.js';
import { useApi } from '../../api/use-api.js';
import { BandChip } from '../../components/BandChip.js';
import { DataTable, type Column } from '../../components/DataTable.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { useCommon } from '../../i18n/common.js';
import { useLang, useMessages, type Translate } from '../../i18n/i18n.js';
import { Link } from '../../router.js';
import { useSession } from '../../session.js';
import { usePlanText } from '../plan/plan-text.js';
import type { PageProps } from '../page.js';
import { LineChart } from './Chart.js';
import { measured } from './figures.js';
import en from './messages.en.js';
import lv from './messages.lv.js';
import './school.css';
import type {
  AgentView,
  CoverageView,
  HistoryView,
  InventoryView,
  PlanExplanationView,
  SchoolDetailView,
  ScoreSourceView,
  ThresholdCurveView,
} from './types.js';

const messages = { lv, en };
type T = Translate<typeof lv>;

/** Component keys in the order the method lists them. */
const COMPONENTS = [
  'download',
  'upload',
  'availability',
  'latency',
  'jitter',
  'loss',
  'wifi',
  'internal',
] as const;

function Section(props: { id: string; title: string; children: ComponentChildren }) {
  return (
    <section aria-labelledby={`${props.id}-h`} id={props.id}>
      <h2 id={`${props.id}-h`}>{props.title}</h2>
      {props.children}
    </section>
  );
}

/**
 * One school: its register facts, the score with every component, history
 * charts from the hourly rollups, Wi-Fi by room, the SNMP inventory, and,
 * for those whose role sees them, its agents and the plan's options.
 */
export function SchoolPage(props: PageProps) {
  const t = useMessages(messages);
  const common = useCommon();
  const { fmt } = useLang();
  const role = useSession().session?.user.role;
  const id = props.params.id ?? '';
  const enc = encodeURIComponent(id);
  const school = useApi(() => api.get<SchoolDetailView>(`/api/v1/schools/${enc}`), [id]);
  const err = school.error instanceof ApiError ? school.error : undefined;

  if (err?.status === 401) {
    return (
      <>
        <h1>{t('title')}</h1>
        <p>{t('need_sign_in')}</p>
        <p>
          <Link href={`/sign-in?next=${encodeURIComponent(location.pathname)}`}>{common('sign_in')}</Link>
        </p>
      </>
    );
  }
  if (err?.status === 403 || err?.status === 404) {
    return (
      <>
        <h1>{t('title')}</h1>
        <p>{err.status === 403 ? t('forbidden') : t('not_found')}</p>
        <p>
          <Link href="/">{t('back')}</Link>
        </p>
      </>
    );
  }
  const s = school.data;
  const seesAgents = role === 'admin' || role === 'school_it';
  const seesPlan = role === 'admin' || role === 'planner' || role === 'municipality_planner';
  return (
    <>
      <h1>{s ? s.name : t('title')}</h1>
      {school.error !== undefined && <ErrorNotice error={school.error} onRetry={school.reload} />}
      {s === undefined ? (
        <p>{common('loading')}</p>
      ) : (
        <>
          {s.synthetic && <p class="notice">{t('synthetic')}</p>}
          {s.retired_at && <p class="notice">{t('retired', { date: fmt.date(s.retired_at) })}</p>}
          <Facts s={s} t={t} />
          {/* In-page links, not a landmark: the layout's navigation is the page's one <nav>. */}
          <ul class="section-links" aria-label={t('sections')}>
            <li>
              <a href="#components">{t('components_title')}</a>
            </li>
            <li>
              <a href="#history">{t('history_title')}</a>
            </li>
            <li>
              <a href="#wifi">{t('wifi_title')}</a>
            </li>
            <li>
              <a href="#inventory">{t('inventory_title')}</a>
            </li>
            {seesAgents && (
              <li>
                <Link href={`/schools/${enc}/it`}>{t('school_it_link')}</Link>
              </li>
            )}
          </ul>
          <Components s={s} t={t} />
          <History id={id} t={t} />
          <Wifi id={id} t={t} />
          <Inventory id={id} t={t} />
          {seesAgents && <Agents id={id} t={t} />}
          {seesPlan && <PlanOptions id={id} t={t} />}
        </>
      )}
    </>
  );
}

function Facts(props: { s: SchoolDetailView; t: T }) {
  const { s, t } = props;
  const { fmt } = useLang();
  const type = s.school_type ? t(`type_${s.school_type}` as keyof typeof lv) : t('unknown');
  return (
    <dl class="facts">
      <dt>{t('municipality')}</dt>
      <dd>{s.municipality}</dd>
      <dt>{t('school_type')}</dt>
      <dd>{type}</dd>
      <dt>{t('address')}</dt>
      <dd>{s.address ?? t('unknown')}</dd>
      <dt>{t('registration_number')}</dt>
      <dd>{s.registration_number ?? t('unknown')}</dd>
      <dt>{t('pupils')}</dt>
      <dd>{fmt.number(s.pupils)}</dd>
      <dt>{t('score')}</dt>
      <dd>{s.score === null ? t('no_score') : fmt.number(s.score, 1)}</dd>
      <dt>{t('band')}</dt>
      <dd>
        <BandChip band={s.band} />
      </dd>
      <dt>{t('confidence')}</dt>
      <dd>{t(`confidence_${s.confidence.level}` as keyof typeof lv)}</dd>
    </dl>
  );
}

function Components(props: { s: SchoolDetailView; t: T }) {
  const { s, t } = props;
  const { fmt } = useLang();
  const rows = COMPONENTS.flatMap((key) => {
    const c = s.components[key];
    return c ? [{ key, c }] : [];
  });
  const columns: Column<(typeof rows)[number]>[] = [
    { key: 'component', header: t('component'), cell: (r) => t(`c_${r.key}`), rowHeader: true },
    { key: 'measured', header: t('measured'), cell: (r) => measured(r.c, fmt, t) },
    { key: 'points', header: t('points'), cell: (r) => fmt.number(r.c.score, 1), numeric: true },
    { key: 'weight', header: t('weight'), cell: (r) => fmt.percent(r.c.weight, 0), numeric: true },
    { key: 'samples', header: t('samples'), cell: (r) => fmt.number(r.c.samples), numeric: true },
  ];
  return (
    <Section id="components" title={t('components_title')}>
      <DataTable caption={t('components_caption')} columns={columns} rows={rows} rowKey={(r) => r.key} />
      {s.caps_applied.length > 0 && (
        <p>{t('caps', { caps: s.caps_applied.map((c) => capName(c, t)).join(', ') })}</p>
      )}
      {s.explanation && <Thresholds explanation={s.explanation} t={t} />}
      <p class="hint">{t('method_note', { method: s.explanation?.method ?? '' })}</p>
    </Section>
  );
}

/** A cap's name from the catalog; a cap this page does not know yet shows its code. */
function capName(code: string, t: T): string {
  const key = `cap_${code}`;
  return key in lv ? t(key as keyof typeof lv) : code;
}

/** Catalog keys of the curves' names, by the API's curve id. */
const CURVE_NAMES: Readonly<Record<string, keyof typeof lv>> = {
  per_pupil: 'curve_per_pupil',
  school: 'curve_school',
  class: 'curve_class',
  share: 'curve_share',
  p95: 'curve_p95',
  median: 'curve_median',
  lost_sent: 'curve_lost_sent',
  rooms_covered: 'curve_rooms_covered',
  gigabit_switch_share: 'curve_gigabit_switch_share',
  poe_switch_share: 'curve_poe_switch_share',
  uplink_utilisation_p95_pct: 'curve_uplink_utilisation_p95_pct',
  duplex_mismatches: 'curve_duplex_mismatches',
  ap_24ghz_only_share: 'curve_ap_24ghz_only_share',
  radio_config_faults: 'curve_radio_config_faults',
};

/** One curve in words: "each pupil (Mbit/s per pupil): 0 → 0 pts; 0.1 → 40 pts; 1 → 100 pts". */
function curveText(c: ThresholdCurveView, fmt: ReturnType<typeof useLang>['fmt'], t: T): string {
  const key = CURVE_NAMES[c.id];
  const name = key ? t(key) : c.id;
  // Shares and percentages carry their sign on each value; rates and times say their unit once.
  const value = (v: number): string =>
    c.unit === 'share'
      ? fmt.percent(v, 1)
      : c.unit === 'pct'
        ? `${fmt.number(v, 2)} %`
        : fmt.number(v, c.unit === 'count' ? 0 : 3);
  const label =
    c.unit === 'share' || c.unit === 'pct' || c.unit === 'count' ? name : `${name} (${t(`unit_${c.unit}`)})`;
  const points = c.points.map((p) =>
    t('threshold_point', { value: value(p.value), points: fmt.number(p.points) }),
  );
  return `${label}: ${points.join('; ')}`;
}

function SourceItem(props: { source: ScoreSourceView; t: T }) {
  const { source, t } = props;
  // The method's own judgement is said in the page's language; published sources keep their titles.
  const text = source.id === 'judgement' ? t('source_judgement') : source.citation;
  return source.url ? <a href={source.url}>{text}</a> : <>{text}</>;
}

/** Every component's thresholds and sources, with or without data at this school. */
function Thresholds(props: { explanation: NonNullable<SchoolDetailView['explanation']>; t: T }) {
  const { explanation, t } = props;
  const { fmt } = useLang();
  const rows = COMPONENTS.flatMap((key) => {
    const e = explanation.components[key];
    return e ? [{ key, e }] : [];
  });
  const columns: Column<(typeof rows)[number]>[] = [
    { key: 'component', header: t('component'), cell: (r) => t(`c_${r.key}`), rowHeader: true },
    {
      key: 'thresholds',
      header: t('thresholds'),
      cell: (r) => (
        <ul class="plain-list">
          {r.e.thresholds.map((c) => (
            <li key={c.id}>{curveText(c, fmt, t)}</li>
          ))}
        </ul>
      ),
    },
    {
      key: 'sources',
      header: t('sources'),
      cell: (r) => (
        <ul class="plain-list">
          {r.e.sources.map((src) => (
            <li key={src.id}>
              <SourceItem source={src} t={t} />
            </li>
          ))}
        </ul>
      ),
    },
  ];
  return <DataTable caption={t('thresholds_caption')} columns={columns} rows={rows} rowKey={(r) => r.key} />;
}

function History(props: { id: string; t: T }) {
  const { t } = props;
  const history = useApi(
    () => api.get<HistoryView>(`/api/v1/schools/${encodeURIComponent(props.id)}/history?days=30`),
    [props.id],
  );
  const points = history.data?.points ?? [];
  const series = (pick: (p: HistoryView['points'][number]) => number | null) =>
    points.map((p) => ({ at: p.hour, value: pick(p) }));
  const chart = (title: string, unit: string, pick: (p: HistoryView['points'][number]) => number | null) => (
    <LineChart
      title={title}
      unit={unit}
      points={series(pick)}
      tableLabel={t('chart_table')}
      timeLabel={t('chart_time')}
      emptyLabel={t('chart_empty')}
    />
  );
  return (
    <Section id="history" title={t('history_title')}>
      {history.error !== undefined && <ErrorNotice error={history.error} onRetry={history.reload} />}
      <div class="chart-grid-wrap">
        {chart(t('chart_download'), 'Mbit/s', (p) => p.download_mbps)}
        {chart(t('chart_upload'), 'Mbit/s', (p) => p.upload_mbps)}
        {chart(t('chart_rtt'), 'ms', (p) => p.rtt_ms)}
        {chart(t('chart_loss'), '%', (p) => p.loss_pct)}
      </div>
    </Section>
  );
}

function Wifi(props: { id: string; t: T }) {
  const { t } = props;
  const { fmt } = useLang();
  const coverage = useApi(
    () => api.get<CoverageView>(`/api/v1/schools/${encodeURIComponent(props.id)}/coverage`),
    [props.id],
  );
  const columns: Column<CoverageView['rooms'][number]>[] = [
    { key: 'room', header: t('room'), cell: (r) => r.room, rowHeader: true },
    { key: 'teaching', header: t('teaching'), cell: (r) => (r.teaching ? t('yes') : t('no')) },
    {
      key: 'rssi',
      header: t('best_rssi'),
      cell: (r) => (r.best_rssi_dbm === null ? '—' : fmt.number(r.best_rssi_dbm)),
      numeric: true,
    },
    { key: '5ghz', header: t('has_5ghz'), cell: (r) => (r.has_5ghz ? t('yes') : t('no')) },
    { key: 'verdict', header: t('verdict'), cell: (r) => r.verdict },
    { key: 'last', header: t('last_at'), cell: (r) => fmt.dateTime(r.last_at) },
  ];
  return (
    <Section id="wifi" title={t('wifi_title')}>
      {coverage.error !== undefined && <ErrorNotice error={coverage.error} onRetry={coverage.reload} />}
      <DataTable
        caption={t('wifi_caption')}
        columns={columns}
        rows={coverage.data?.rooms ?? []}
        rowKey={(r) => r.room}
      />
    </Section>
  );
}

function Inventory(props: { id: string; t: T }) {
  const { t } = props;
  const { fmt } = useLang();
  const inventory = useApi(
    () => api.get<InventoryView>(`/api/v1/schools/${encodeURIComponent(props.id)}/inventory`),
    [props.id],
  );
  // Result fields are numbers, strings or booleans (shared Result schema).
  const text = (v: unknown): string =>
    typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : '—';
  const devices: Column<InventoryView['devices'][number]>[] = [
    { key: 'host', header: t('host'), cell: (d) => d.host, rowHeader: true },
    { key: 'name', header: t('sys_name'), cell: (d) => text(d.fields['sys_name']) },
    { key: 'vendor', header: t('vendor'), cell: (d) => text(d.fields['vendor']) },
    { key: 'role', header: t('device_role'), cell: (d) => text(d.fields['role']) },
    { key: 'ports', header: t('if_count'), cell: (d) => text(d.fields['if_count']), numeric: true },
    { key: 'at', header: t('last_at'), cell: (d) => fmt.dateTime(d.at) },
  ];
  const neighbours: Column<InventoryView['neighbours'][number]>[] = [
    { key: 'host', header: t('host'), cell: (n) => n.host, rowHeader: true },
    { key: 'port', header: t('local_port'), cell: (n) => n.local_port },
    { key: 'remote', header: t('remote'), cell: (n) => text(n.fields['remote_sys_name'] ?? n.remote) },
    { key: 'role', header: t('remote_role'), cell: (n) => text(n.fields['remote_role']) },
    { key: 'speed', header: t('speed'), cell: (n) => text(n.fields['local_speed_mbps']), numeric: true },
  ];
  return (
    <Section id="inventory" title={t('inventory_title')}>
      {inventory.error !== undefined && <ErrorNotice error={inventory.error} onRetry={inventory.reload} />}
      <DataTable
        caption={t('devices_caption')}
        columns={devices}
        rows={inventory.data?.devices ?? []}
        rowKey={(d) => d.host}
      />
      <DataTable
        caption={t('neighbours_caption')}
        columns={neighbours}
        rows={inventory.data?.neighbours ?? []}
        rowKey={(n) => `${n.host}|${n.local_port}|${n.remote}`}
      />
    </Section>
  );
}

/** Status and flags of an agent, in words. */
export function agentFlags(a: AgentView, t: T): string {
  const words = [
    ...(a.flags.includes('hardware_shared') ? [t('flag_hardware')] : []),
    ...(a.flags.includes('credentials_shared') ? [t('flag_credentials')] : []),
  ];
  return words.length === 0 ? '—' : words.join('; ');
}

function Agents(props: { id: string; t: T }) {
  const { t } = props;
  const { fmt } = useLang();
  const agents = useApi(
    () => api.get<{ agents: AgentView[] }>(`/api/v1/schools/${encodeURIComponent(props.id)}/agents`),
    [props.id],
  );
  const columns: Column<AgentView>[] = [
    { key: 'name', header: t('agent_name'), cell: (a) => a.display_name ?? a.hostname, rowHeader: true },
    { key: 'role', header: t('agent_role'), cell: (a) => a.role },
    { key: 'status', header: t('status'), cell: (a) => t(`status_${a.status}`) },
    {
      key: 'seen',
      header: t('last_seen'),
      cell: (a) => (a.last_seen_at ? fmt.dateTime(a.last_seen_at) : t('never')),
    },
    { key: 'flags', header: t('flags'), cell: (a) => agentFlags(a, t) },
  ];
  return (
    <Section id="agents" title={t('agents_title')}>
      {agents.error !== undefined && <ErrorNotice error={agents.error} onRetry={agents.reload} />}
      <DataTable
        caption={t('agents_caption')}
        columns={columns}
        rows={agents.data?.agents ?? []}
        rowKey={(a) => a.id}
      />
    </Section>
  );
}

function PlanOptions(props: { id: string; t: T }) {
  const { t } = props;
  const { fmt } = useLang();
  const plan = useApi(
    () => api.get<PlanExplanationView>(`/api/v1/plan/schools/${encodeURIComponent(props.id)}`),
    [props.id],
  );
  const p = plan.data;
  // The plan's words come as codes; the plan area's catalogs say them in the page's language.
  const text = usePlanText();
  const columns: Column<PlanExplanationView['options'][number]>[] = [
    {
      key: 'option',
      header: t('option'),
      cell: (o) =>
        o.id === p?.option_id ? `${text.label(o.label_parts)} (${t('chosen')})` : text.label(o.label_parts),
      rowHeader: true,
    },
    { key: 'cost', header: t('cost'), cell: (o) => fmt.eur(o.cost_eur), numeric: true },
    {
      key: 'score',
      header: t('score_change'),
      cell: (o) => `${fmt.number(o.score_before, 1)} → ${fmt.number(o.score_after, 1)}`,
      numeric: true,
    },
    { key: 'benefit', header: t('benefit'), cell: (o) => fmt.number(o.benefit, 0), numeric: true },
  ];
  return (
    <Section id="plan" title={t('plan_title')}>
      {plan.error !== undefined && <ErrorNotice error={plan.error} onRetry={plan.reload} />}
      {p && (
        <>
          <dl class="facts">
            <dt>{t('why')}</dt>
            <dd>{text.message(p.why_message, p.options)}</dd>
            <dt>{t('buys')}</dt>
            <dd>{text.message(p.buys_message, p.options, p.buys_label_parts)}</dd>
            {p.next_euro_message && (
              <>
                <dt>{t('next_euro')}</dt>
                <dd>{text.message(p.next_euro_message, p.options)}</dd>
              </>
            )}
          </dl>
          <DataTable caption={t('plan_caption')} columns={columns} rows={p.options} rowKey={(o) => o.id} />
        </>
      )}
    </Section>
  );
}
