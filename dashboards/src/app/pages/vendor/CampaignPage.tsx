import { useState } from 'preact/hooks';
import { ApiError, api } from '../../api/client.js';
import { useApi } from '../../api/use-api.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { LiveStatus } from '../../components/LiveStatus.js';
import { useCommon } from '../../i18n/common.js';
import { useLang, useMessages } from '../../i18n/i18n.js';
import { Link, navigate } from '../../router.js';
import type { PageProps } from '../page.js';
import en from './messages.en.js';
import lv from './messages.lv.js';
import { tooOldAgents } from './campaign-agents.js';
import type { Campaign, Criterion, Progress } from './types.js';

const messages = { lv, en };

/** Why tests were not run, as the verdict counts them (docs/acceptance.md, "Tests not possible"). */
const REASONS = [
  'agent_offline_hours',
  'not_possible',
  'lesson_hours_without_speed_test',
  'busy',
  'budget',
  'outside_hours',
  'test_error',
  'latency_error',
] as const;

/** How often a running campaign's progress is asked again, in ms: tests come a few times an hour. */
const POLL_MS = 60_000;

/**
 * One acceptance campaign (`GET /api/v1/campaigns/:id`): school days done
 * and left, tests so far, the interim (or final) verdict per criterion, and
 * once it has ended the signed report in both languages, its PDF, the raw
 * measurements and a re-test request.
 */
export function CampaignPage(props: PageProps) {
  const t = useMessages(messages);
  const common = useCommon();
  const { fmt } = useLang();
  const id = props.params.id ?? '';
  const base = `/api/v1/campaigns/${encodeURIComponent(id)}`;
  const progress = useApi(() => api.get<Progress>(base), [id], POLL_MS);
  const [failure, setFailure] = useState<unknown>(undefined);
  const err = progress.error instanceof ApiError ? progress.error : undefined;

  if (err?.status === 403 || err?.status === 404) {
    return (
      <>
        <h1>{t('campaign_title')}</h1>
        <p>{err.status === 403 ? t('forbidden') : t('not_found')}</p>
        <p>
          <Link href="/vendor">{t('back')}</Link>
        </p>
      </>
    );
  }
  const p = progress.data;
  const retest = async (): Promise<void> => {
    setFailure(undefined);
    try {
      const next = await api.send<Campaign>('POST', `${base}/retest`);
      navigate(`/vendor/campaigns/${encodeURIComponent(next.id)}`);
    } catch (e) {
      setFailure(e);
    }
  };
  const measured = (c: Criterion): string =>
    c.measured === null
      ? '–'
      : c.criterion === 'loss'
        ? `${fmt.number(c.measured, 2)} %`
        : c.criterion === 'uplink_utilisation'
          ? t('p95_value', { value: fmt.number(c.measured, 1), tests: c.tests })
          : t('share_value', { share: fmt.number(c.measured, 1), passing: c.passing, tests: c.tests });
  const requiredKey = (c: Criterion): 'required_loss' | 'required_p95' | 'required_share' =>
    c.criterion === 'loss'
      ? 'required_loss'
      : c.criterion === 'uplink_utilisation'
        ? 'required_p95'
        : 'required_share';
  const finished = p !== undefined && p.campaign.status !== 'running';
  const tooOld = p === undefined ? null : tooOldAgents(p, t);

  return (
    <>
      <h1>{t('campaign_title')}</h1>
      <p>
        <Link href="/vendor">{t('back')}</Link>
      </p>
      <LiveStatus
        message={p ? `${t(finished ? 'final' : 'interim')}: ${t(`run_${p.verdict.status}`)}` : ''}
      />
      {progress.error !== undefined && <ErrorNotice error={progress.error} onRetry={progress.reload} />}
      {failure !== undefined && <ErrorNotice error={failure} />}
      {p === undefined ? (
        progress.error === undefined && <p>{common('loading')}</p>
      ) : (
        <>
          <dl class="facts">
            <dt>{t('campaign_status')}</dt>
            <dd>{t(`run_${p.campaign.status}`)}</dd>
            <dt>{t('days')}</dt>
            <dd>
              {t('days_value', {
                done: p.school_days_done,
                total: p.campaign.school_days,
                left: p.school_days_left,
              })}
            </dd>
            <dt>{t('tests')}</dt>
            <dd>
              {t('tests_value', { down: p.tests.download, up: p.tests.upload, latency: p.tests.latency })}
            </dd>
            <dt>{t(finished ? 'final' : 'interim')}</dt>
            <dd>{t(`run_${p.verdict.status}`)}</dd>
          </dl>
          {tooOld !== null && (
            <div class="notice">
              <p>{tooOld.notice}</p>
              <ul>
                {tooOld.agents.map((a) => (
                  <li key={a}>
                    <code>{a}</code>
                  </li>
                ))}
              </ul>
            </div>
          )}
          {p.campaign.retest_of !== null && (
            <p>
              {t('retest_of')}{' '}
              <Link href={`/vendor/campaigns/${encodeURIComponent(p.campaign.retest_of)}`}>
                {t('retest_of_link')}
              </Link>
            </p>
          )}
          <table>
            <caption>{t('criteria_caption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('criterion')}</th>
                <th scope="col">{t('measured')}</th>
                <th scope="col">{t('required')}</th>
                <th scope="col">{t('result')}</th>
              </tr>
            </thead>
            <tbody>
              {p.verdict.criteria.map((c) => (
                <tr key={c.criterion}>
                  <th scope="row">{t(`c_${c.criterion}`)}</th>
                  <td>{measured(c)}</td>
                  <td>
                    {t(requiredKey(c), {
                      share: fmt.number(c.required, 1),
                    })}
                  </td>
                  <td>{t(`run_${c.status}`)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {p.verdict.school_limited && <p class="notice">{t('school_limited')}</p>}
          <p>{t('not_run', { count: p.verdict.not_run.total })}</p>
          {p.verdict.not_run.total > 0 && (
            <ul class="not-run">
              {REASONS.filter((r) => (p.verdict.not_run.by_reason[r] ?? 0) > 0).map((r) => (
                <li key={r}>
                  {t(`reason_${r}`)}: {fmt.number(p.verdict.not_run.by_reason[r] ?? 0, 0)}
                </li>
              ))}
            </ul>
          )}
          <h2>{t('report')}</h2>
          {finished ? (
            <>
              <ul>
                <li>
                  <a href={`${base}/report?lang=lv`} hreflang="lv">
                    {t('report_lv')}
                  </a>
                </li>
                <li>
                  <a href={`${base}/report?lang=en`} hreflang="en">
                    {t('report_en')}
                  </a>
                </li>
                <li>
                  <a href={`${base}/report.pdf`}>{t('report_pdf')}</a>
                </li>
                <li>
                  <a href={`${base}/measurements.csv`}>{t('measurements')}</a>
                </li>
              </ul>
              <button type="button" onClick={() => void retest()}>
                {t('retest')}
              </button>
            </>
          ) : (
            <>
              <p>{t('report_later')}</p>
              <p>
                <a href={`${base}/measurements.csv`}>{t('measurements')}</a>
              </p>
            </>
          )}
        </>
      )}
    </>
  );
}
