import { useState } from 'preact/hooks';
import { api } from '../../api/client.js';
import { useMessages } from '../../i18n/i18n.js';
import { Link } from '../../router.js';
import { useSession } from '../../session.js';
import { approverOfRole, type PlanStatus, type SupportPlan } from '../support/types.js';
import { REQUIRED, fieldFailure } from './failure.js';
import { FailureSummary, Form, TextArea, useSubmission } from './form-kit.js';
import en from './messages.en.js';
import lv from './messages.lv.js';
import { editPlanHref, planApi, planRecordsHref } from './paths.js';

const messages = { lv, en };

/** A status change a button offers: where it goes and the button's message. */
interface Move {
  to: PlanStatus;
  label: 'act_submit' | 'act_start' | 'act_revise' | 'act_deactivate';
}

/**
 * The status changes the plan page offers the school's staff from each
 * status (docs/pupil-support.md, `STATUS_TRANSITIONS`); returning and
 * stopping have their own controls, approval is the approvers'. The API
 * judges every change; a button here only saves a trip.
 */
export const MOVES: Readonly<Record<PlanStatus, readonly Move[]>> = {
  Projekts: [
    { to: 'Saskaņošanā', label: 'act_submit' },
    { to: 'Neaktīvs', label: 'act_deactivate' },
  ],
  Saskaņošanā: [],
  Apstiprināts: [
    { to: 'Īstenošanā', label: 'act_start' },
    { to: 'Pārskatīšanā', label: 'act_revise' },
    { to: 'Neaktīvs', label: 'act_deactivate' },
  ],
  Īstenošanā: [
    { to: 'Pārskatīšanā', label: 'act_revise' },
    { to: 'Neaktīvs', label: 'act_deactivate' },
  ],
  Pārskatīšanā: [{ to: 'Saskaņošanā', label: 'act_submit' }],
  Apturēts: [
    { to: 'Pārskatīšanā', label: 'act_revise' },
    { to: 'Neaktīvs', label: 'act_deactivate' },
  ],
  Neaktīvs: [],
};

/** Statuses a plan may be stopped from (with a reason, rule 4). */
const STOPPABLE: readonly PlanStatus[] = ['Apstiprināts', 'Īstenošanā', 'Pārskatīšanā'];

/**
 * The plan page's actions for the signed-in person: the school's
 * coordinator and director submit, return, start, revise, deactivate and
 * stop (with a reason); an approver whose turn it is approves; the
 * coordinator also finds the edit and records forms here. A refusal shows
 * each broken rule in the page's language.
 */
export function PlanActions(props: { plan: SupportPlan; onChanged(plan: SupportPlan): void }) {
  const t = useMessages(messages);
  const { session } = useSession();
  const submission = useSubmission();
  const [done, setDone] = useState('');
  const [reason, setReason] = useState('');
  const stop = useSubmission();
  const p = props.plan;
  const role = session?.user.role;
  const staff =
    (role === 'support_coordinator' || role === 'director') && session?.user.school_id === p.school_id;
  const coordinator = staff && role === 'support_coordinator';
  const approver = approverOfRole(role);
  const mayApprove = p.status === 'Saskaņošanā' && approver !== undefined && p.next_approver === approver;
  // Where withdrawing sends the plan, as the rules decide; null outside approval.
  const returnsTo = staff ? p.returns_to : null;
  const moves = staff ? MOVES[p.status] : [];
  if (!staff && !mayApprove) return null;

  const act = (write: () => Promise<SupportPlan>, message: string) =>
    void (async () => {
      setDone('');
      let changed: SupportPlan | undefined;
      const ok = await submission.run([], async () => {
        changed = await write();
      });
      if (ok && changed !== undefined) {
        setDone(message);
        props.onChanged(changed);
      }
    })();
  const status = (to: PlanStatus, extra: { reason?: string } = {}) =>
    api.send<SupportPlan>('POST', `${planApi(p.school_id, p.id)}/status`, { status: to, ...extra });

  return (
    <section aria-labelledby="plan-actions-h" class="plan-actions">
      <h2 id="plan-actions-h">{t('actions_heading')}</h2>
      <div role="status" class="status">
        {done}
      </div>
      <p class="filters">
        {mayApprove && (
          <button
            type="button"
            class="primary"
            onClick={() =>
              act(
                () => api.send<SupportPlan>('POST', `${planApi(p.school_id, p.id)}/approvals`),
                t('done_approved'),
              )
            }
          >
            {t('act_approve')}
          </button>
        )}
        {returnsTo !== null && (
          <button type="button" onClick={() => act(() => status(returnsTo), t('done_returned'))}>
            {t('act_return')}
          </button>
        )}
        {moves.map((m) => (
          <button
            key={m.to}
            type="button"
            class={m.label === 'act_submit' ? 'primary' : undefined}
            onClick={() => act(() => status(m.to), t('done_status', { status: t(`status_${m.to}`) }))}
          >
            {t(m.label)}
          </button>
        ))}
        {coordinator && (p.status === 'Projekts' || p.status === 'Pārskatīšanā') && (
          <Link class="button" href={editPlanHref(p.school_id, p.id)}>
            {t('act_edit')}
          </Link>
        )}
        {coordinator && (
          <Link class="button" href={planRecordsHref(p.school_id, p.id)}>
            {t('act_records')}
          </Link>
        )}
      </p>
      <FailureSummary id="plan-actions-failure" failure={submission.failure} />
      {staff && STOPPABLE.includes(p.status) && (
        <Form
          label={t('act_stop')}
          submission={stop}
          submitLabel={t('act_stop')}
          onSubmit={() =>
            void (async () => {
              setDone('');
              let changed: SupportPlan | undefined;
              const ok = await stop.run(
                ['reason'],
                async () => {
                  changed = await status('Apturēts', { reason: reason.trim() });
                },
                () => fieldFailure({ reason: reason.trim() === '' ? REQUIRED : undefined }),
              );
              if (ok && changed !== undefined) {
                setReason('');
                setDone(t('done_status', { status: t('status_Apturēts') }));
                props.onChanged(changed);
              }
            })()
          }
        >
          <TextArea
            label={t('stop_reason')}
            name="reason"
            value={reason}
            onInput={setReason}
            error={stop.fieldError('reason')}
            required
          />
        </Form>
      )}
    </section>
  );
}
