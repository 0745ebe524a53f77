import { useState } from 'preact/hooks';
import { ApiError, api } from '../../api/client.js';
import { useApi } from '../../api/use-api.js';
import { DataTable, type Column } from '../../components/DataTable.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { useCommon } from '../../i18n/common.js';
import { useLang, useMessages } from '../../i18n/i18n.js';
import { Link } from '../../router.js';
import { useSession } from '../../session.js';
import type { PageProps } from '../page.js';
import { PlanActions } from '../support-forms/PlanActions.js';
import { FlagList } from './FlagList.js';
import en from './messages.en.js';
import lv from './messages.lv.js';
import {
  plansPath,
  type PlanApproval,
  type PlanReturn,
  type PupilIdentity,
  type SupportPlan,
} from './types.js';

const messages = { lv, en };

/**
 * One plan (`/support/schools/:school/plans/:plan`, ids only): its status,
 * documents' dates, rule flags, risks and measures, and the approval trail
 * round by round. The school's coordinator and director may open the
 * pupil's name and personal code; the API audits each such read, so it
 * happens on a click, never on load.
 */
export function PlanPage(props: PageProps) {
  const t = useMessages(messages);
  const common = useCommon();
  const { lang, fmt } = useLang();
  const { session } = useSession();
  const schoolId = props.params.school ?? '';
  const planId = props.params.plan ?? '';
  const plan = useApi(
    () => api.get<SupportPlan>(`${plansPath(schoolId)}/${encodeURIComponent(planId)}`),
    [schoolId, planId],
  );
  const [identity, setIdentity] = useState<PupilIdentity | undefined>(undefined);
  const [failure, setFailure] = useState<unknown>(undefined);
  const role = session?.user.role;
  const mayIdentify =
    (role === 'support_coordinator' || role === 'director') && session?.user.school_id === schoolId;

  const identify = async (p: SupportPlan): Promise<void> => {
    setFailure(undefined);
    try {
      setIdentity(
        await api.get<PupilIdentity>(
          `/api/v1/support/schools/${encodeURIComponent(schoolId)}/pupils/${encodeURIComponent(p.pupil_id)}/identity`,
        ),
      );
    } catch (err) {
      setFailure(err);
    }
  };

  const trailColumns: Column<PlanApproval>[] = [
    { key: 'round', header: t('trail_round'), numeric: true, cell: (a) => fmt.number(a.round, 0) },
    {
      key: 'approver',
      header: t('trail_approver'),
      rowHeader: true,
      cell: (a) => t(`approver_${a.approver}`),
    },
    { key: 'on', header: t('trail_on'), cell: (a) => fmt.date(a.on) },
    { key: 'by', header: t('trail_by'), cell: (a) => a.user_email },
  ];
  const returnColumns: Column<PlanReturn>[] = [
    { key: 'round', header: t('trail_round'), numeric: true, cell: (r) => fmt.number(r.round, 0) },
    {
      key: 'approver',
      header: t('trail_approver'),
      rowHeader: true,
      cell: (r) => t(`approver_${r.approver}`),
    },
    { key: 'on', header: t('trail_on'), cell: (r) => fmt.date(r.on) },
    { key: 'reason', header: t('returns_reason'), cell: (r) => r.reason },
    { key: 'by', header: t('trail_by'), cell: (r) => r.user_email },
  ];

  const back = (
    <p>
      <Link href="/support">{t('back')}</Link>
    </p>
  );
  if (plan.error instanceof ApiError && (plan.error.status === 404 || plan.error.status === 403)) {
    return (
      <>
        <h1>{t('plan_title')}</h1>
        <p>{t('not_found')}</p>
        {back}
      </>
    );
  }
  const p = plan.data;
  return (
    <>
      <h1>{t('plan_title')}</h1>
      {back}
      {plan.error !== undefined && <ErrorNotice error={plan.error} onRetry={plan.reload} />}
      {failure !== undefined && <ErrorNotice error={failure} />}
      {p === undefined ? (
        plan.error === undefined && <p>{common('loading')}</p>
      ) : (
        <>
          <dl class="facts">
            <dt>{t('pupil')}</dt>
            <dd>
              {t('pupil_value', {
                class: p.pupil.class_label,
                grade: p.pupil.grade,
                unit: t(`unit_${p.pupil.programme}`),
              })}
            </dd>
            {identity !== undefined && identity.id === p.pupil_id && (
              <>
                <dt>{t('identity_name')}</dt>
                <dd>{identity.name}</dd>
                <dt>{t('identity_code')}</dt>
                <dd>{identity.personal_code}</dd>
              </>
            )}
            <dt>{t('semester')}</dt>
            <dd>{p.semester}</dd>
            <dt>{t('status')}</dt>
            <dd>{t(`status_${p.status}`)}</dd>
            <dt>{t('next_approver')}</dt>
            <dd>{p.next_approver === null ? t('none') : t(`approver_${p.next_approver}`)}</dd>
            <dt>{t('application')}</dt>
            <dd>
              {p.body.application === null
                ? t('none')
                : t('application_value', {
                    date: fmt.date(p.body.application.on),
                    by: t(`by_${p.body.application.by}`),
                    document: p.body.application.document_ref,
                  })}
            </dd>
            <dt>{t('prepared_on')}</dt>
            <dd>{fmt.date(p.body.prepared_on)}</dd>
            <dt>{t('agreement_on')}</dt>
            <dd>{p.body.agreement_on === null ? t('none') : fmt.date(p.body.agreement_on)}</dd>
            <dt>{t('founder')}</dt>
            <dd>{t(`founder_${p.founder}`)}</dd>
            <dt>{t('spent')}</dt>
            <dd>{fmt.number(p.spent_eur, 2)} EUR</dd>
            {p.body.stop_reason !== null && (
              <>
                <dt>{t('stop_reason')}</dt>
                <dd>{p.body.stop_reason}</dd>
              </>
            )}
          </dl>
          {mayIdentify && identity === undefined && (
            <p>
              <button type="button" onClick={() => void identify(p)}>
                {t('identity_show')}
              </button>{' '}
              <span class="muted">{t('identity_note')}</span>
            </p>
          )}
          <PlanActions plan={p} onChanged={plan.reload} />
          <h2>{t('flags_heading')}</h2>
          <FlagList flags={p.flags} lang={lang} none={t('no_flags')} />
          <h2>{t('trail_heading')}</h2>
          {p.body.approvals.length === 0 ? (
            <p>{t('trail_empty')}</p>
          ) : (
            <DataTable
              caption={t('trail_caption')}
              columns={trailColumns}
              rows={p.body.approvals}
              rowKey={(a) => `${a.round}-${a.approver}`}
            />
          )}
          {(p.body.returns ?? []).length > 0 && (
            <>
              <h2>{t('returns_heading')}</h2>
              <DataTable
                caption={t('returns_caption')}
                columns={returnColumns}
                rows={p.body.returns ?? []}
                rowKey={(r) => `${r.round}-${r.at}`}
              />
            </>
          )}
          <h2>{t('risks_heading')}</h2>
          <ul>
            {p.body.risks.map((r) => (
              <li key={r.id}>
                <strong>{t(`risk_group_${r.group as 'economic'}`)}</strong>: {r.justification}
                <br />
                {t('measures_for', {
                  measures:
                    p.body.measures
                      .filter((m) => m.risk_ids.includes(r.id))
                      .map((m) => m.description)
                      .join('; ') || t('none'),
                })}
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}
