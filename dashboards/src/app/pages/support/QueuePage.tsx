import type { TargetedEvent } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
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
import { approverOfRole, planHref, plansPath, type SupportPlan } from './types.js';

const messages = { lv, en };

/** A plan of the queue, with its school's name. */
type QueuedPlan = SupportPlan & { school_name: string };

/**
 * The plans waiting for the signed-in approver, as the collector keeps
 * the queue (`GET /api/v1/support/queue`): a director's of their school,
 * a municipal coordinator's of their municipality's municipal schools,
 * IKVD's of every school. Approve calls `POST …/plans/:plan_id/approvals`;
 * Return asks for a reason and calls `POST …/plans/:plan_id/return`,
 * which sends the plan back to the school to pass every approval again.
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
  const [returning, setReturning] = useState<QueuedPlan | undefined>(undefined);

  const queue = useApi(async () => {
    if (user === undefined || approver === undefined) return [];
    return (await api.get<{ plans: QueuedPlan[] }>('/api/v1/support/queue')).plans;
  }, [user?.id, approver]);

  const pathOf = (plan: SupportPlan): string => `${plansPath(plan.school_id)}/${encodeURIComponent(plan.id)}`;
  const approve = async (plan: QueuedPlan): Promise<void> => {
    setFailure(undefined);
    setSaid('');
    try {
      await api.send('POST', `${pathOf(plan)}/approvals`);
      setSaid(t('approved'));
      queue.reload();
    } catch (err) {
      setFailure(err);
    }
  };
  const sendBack = async (plan: QueuedPlan, reason: string): Promise<void> => {
    setFailure(undefined);
    setSaid('');
    try {
      await api.send('POST', `${pathOf(plan)}/return`, { reason });
      setReturning(undefined);
      setSaid(t('returned'));
      queue.reload();
    } catch (err) {
      setFailure(err);
    }
  };

  const label = (p: QueuedPlan) => ({ school: p.school_name, class: p.pupil.class_label });
  // The buttons early: on a phone the table scrolls sideways.
  const columns: Column<QueuedPlan>[] = [
    {
      key: 'school',
      header: t('school'),
      rowHeader: true,
      cell: (p) => p.school_name,
      sortValue: (p) => p.school_name,
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
      cell: (p) => (
        <span class="actions">
          <button type="button" aria-label={t('approve_label', label(p))} onClick={() => void approve(p)}>
            {t('approve')}
          </button>{' '}
          <button
            type="button"
            aria-label={t('return_label', label(p))}
            aria-expanded={returning?.id === p.id}
            onClick={() => setReturning(p)}
          >
            {t('return')}
          </button>
        </span>
      ),
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
      ) : queue.data.length === 0 ? (
        <p>{t('queue_empty')}</p>
      ) : (
        <DataTable caption={t('queue_caption')} columns={columns} rows={queue.data} rowKey={(p) => p.id} />
      )}
      {returning !== undefined && (
        <ReturnForm
          key={returning.id}
          heading={t('return_heading', label(returning))}
          onSend={(reason) => void sendBack(returning, reason)}
          onCancel={() => setReturning(undefined)}
        />
      )}
    </>
  );
}

/** The reason for sending a plan back; the focus moves into it when it opens. */
function ReturnForm(props: { heading: string; onSend: (reason: string) => void; onCancel: () => void }) {
  const t = useMessages(messages);
  const id = useId();
  const [reason, setReason] = useState('');
  const field = useRef<HTMLTextAreaElement>(null);
  useEffect(() => field.current?.focus(), []);
  const submit = (e: TargetedEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (reason.trim() !== '') props.onSend(reason.trim());
  };
  return (
    <form class="return-form" onSubmit={submit} aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>{props.heading}</h2>
      <div class="field">
        <label for={id}>{t('return_reason')}</label>
        <textarea
          id={id}
          ref={field}
          required
          maxLength={2000}
          rows={3}
          aria-describedby={`${id}-hint`}
          value={reason}
          onInput={(e: TargetedEvent<HTMLTextAreaElement>) => setReason(e.currentTarget.value)}
        />
        <p id={`${id}-hint`} class="muted">
          {t('return_hint')}
        </p>
      </div>
      <button type="submit">{t('return_send')}</button>{' '}
      <button type="button" onClick={props.onCancel}>
        {t('return_cancel')}
      </button>
    </form>
  );
}
