import { useState } from 'preact/hooks';
import { api } from '../../api/client.js';
import { useApi } from '../../api/use-api.js';
import { DataTable, type Column } from '../../components/DataTable.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { LiveStatus } from '../../components/LiveStatus.js';
import { useCommon } from '../../i18n/common.js';
import { useLang, useMessages } from '../../i18n/i18n.js';
import { Link } from '../../router.js';
import { useSession } from '../../session.js';
import { FlagList } from './FlagList.js';
import en from './messages.en.js';
import lv from './messages.lv.js';
import { approverOfRole, planHref, plansPath, returnStatusOf, type SupportPlan } from './types.js';

const messages = { lv, en };

/**
 * The plans waiting for the signed-in approver: a director's of their
 * school, a municipal coordinator's of their municipality's schools (the
 * API leaves out state schools), IKVD's of every school. Approve calls
 * `POST …/plans/:plan_id/approvals`; a director may also return a plan
 * (`POST …/plans/:plan_id/status`), which the API allows the school's staff only.
 */
export function QueuePage() {
  const t = useMessages(messages);
  const common = useCommon();
  const { lang } = useLang();
  const { session } = useSession();
  const user = session?.user;
  const approver = approverOfRole(user?.role);
  const [said, setSaid] = useState('');
  const [failure, setFailure] = useState<unknown>(undefined);

  const queue = useApi(async () => {
    if (user === undefined || approver === undefined) return { plans: [], names: new Map<string, string>() };
    const schools = await api.schools();
    const names = new Map(schools.map((s) => [s.id, s.name]));
    const ids =
      approver === 'director'
        ? user.school_id === null
          ? []
          : [user.school_id]
        : approver === 'municipal_coordinator'
          ? schools.filter((s) => s.municipality === user.municipality).map((s) => s.id)
          : schools.map((s) => s.id);
    const lists = await Promise.all(ids.map((id) => api.get<{ plans: SupportPlan[] }>(plansPath(id))));
    const plans = lists
      .flatMap((l) => l.plans)
      .filter((p) => p.status === 'Saskaņošanā' && p.next_approver === approver);
    return { plans, names };
  }, [user?.id, approver]);

  const act = async (plan: SupportPlan, what: 'approve' | 'return'): Promise<void> => {
    setFailure(undefined);
    setSaid('');
    const path = `${plansPath(plan.school_id)}/${encodeURIComponent(plan.id)}`;
    try {
      if (what === 'approve') await api.send('POST', `${path}/approvals`);
      else await api.send('POST', `${path}/status`, { status: returnStatusOf(plan) });
      setSaid(t(what === 'approve' ? 'approved' : 'returned'));
      queue.reload();
    } catch (err) {
      setFailure(err);
    }
  };

  const schoolName = (p: SupportPlan): string => queue.data?.names.get(p.school_id) ?? p.school_id;
  // The buttons early: on a phone the table scrolls sideways.
  const columns: Column<SupportPlan>[] = [
    {
      key: 'school',
      header: t('school'),
      rowHeader: true,
      cell: (p) => schoolName(p),
      sortValue: (p) => schoolName(p),
    },
    {
      key: 'pupil',
      header: t('pupil'),
      cell: (p) => (
        <Link href={planHref(p)}>
          {t('pupil_value', {
            class: p.pupil.class_label,
            grade: p.pupil.grade,
            unit: t(`unit_${p.pupil.programme}`),
          })}
        </Link>
      ),
    },
    {
      key: 'actions',
      header: t('actions'),
      cell: (p) => {
        const label = { school: schoolName(p), class: p.pupil.class_label };
        return (
          <span class="actions">
            <button
              type="button"
              aria-label={t('approve_label', label)}
              onClick={() => void act(p, 'approve')}
            >
              {t('approve')}
            </button>{' '}
            {approver === 'director' && (
              <button
                type="button"
                aria-label={t('return_label', label)}
                onClick={() => void act(p, 'return')}
              >
                {t('return')}
              </button>
            )}
          </span>
        );
      },
    },
    {
      key: 'flags',
      header: t('flags'),
      cell: (p) => <FlagList flags={p.flags} lang={lang} none={t('no_flags')} />,
    },
    { key: 'semester', header: t('semester'), cell: (p) => p.semester },
  ];

  return (
    <>
      <h1>{t('queue_title')}</h1>
      <p class="lead">{t('queue_intro')}</p>
      <LiveStatus message={said} />
      {failure !== undefined && <ErrorNotice error={failure} />}
      {queue.error !== undefined && <ErrorNotice error={queue.error} onRetry={queue.reload} />}
      {queue.data === undefined ? (
        queue.error === undefined && <p>{common('loading')}</p>
      ) : queue.data.plans.length === 0 ? (
        <p>{t('queue_empty')}</p>
      ) : (
        <DataTable
          caption={t('queue_caption')}
          columns={columns}
          rows={queue.data.plans}
          rowKey={(p) => p.id}
        />
      )}
    </>
  );
}
