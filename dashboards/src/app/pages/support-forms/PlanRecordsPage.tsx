import { useState } from 'preact/hooks';
import { api } from '../../api/client.js';
import { useApi } from '../../api/use-api.js';
import { DataTable, type Column } from '../../components/DataTable.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { useCommon } from '../../i18n/common.js';
import { useLang, useMessages } from '../../i18n/i18n.js';
import { Link } from '../../router.js';
import type { PageProps } from '../page.js';
import { FlagList } from '../support/FlagList.js';
import { COMPENSATION_TYPES, CONSULTATION_TYPES, type SupportPlan } from '../support/types.js';
import { REQUIRED, fieldFailure } from './failure.js';
import { Form, Input, ScrollRegion, Select, useSubmission } from './form-kit.js';
import en from './messages.en.js';
import lv from './messages.lv.js';
import { planApi, planPageHref, schoolRecordsHref } from './paths.js';

const messages = { lv, en };

/** A consultation as the plan's body holds it. */
interface Consultation {
  id: string;
  type: (typeof CONSULTATION_TYPES)[number];
  date: string;
  duration_min: number;
  pedagogue: string;
  remote: boolean;
  form_ref: string | null;
  confirmed_on: string | null;
}

/** A compensation as the plan's body holds it (EUR in whole cents). */
interface Compensation {
  id: string;
  type: (typeof COMPENSATION_TYPES)[number];
  month: string;
  amount_cents: number;
  document_ref: string;
  attached_by: 'coordinator' | 'accountant';
}

type PlanWithRecords = SupportPlan & {
  body: SupportPlan['body'] & { consultations: Consultation[]; compensations: Compensation[] };
};

/**
 * An amount in EUR as typed (`12,50` or `12.50`), as the number the API
 * takes, or undefined when it is not a positive sum with at most two
 * decimals: the API refuses to round money, so the page does not either.
 */
export function parseEur(typed: string): number | undefined {
  const s = typed.trim().replace(/\s/g, '').replace(',', '.');
  if (!/^\d+(\.\d{1,2})?$/.test(s)) return undefined;
  const n = Number(s);
  return n > 0 ? n : undefined;
}

/**
 * A plan's records after approval (`/support/schools/:school/plans/:plan/records`):
 * the pedagogue-pupil agreement, consultations with the KA form and the
 * pupil's confirmation, and economic-risk compensations. Each write is
 * judged by the API's rules; a refusal shows the broken rules in the
 * page's language and keeps what was typed.
 */
export function PlanRecordsPage(props: PageProps) {
  const t = useMessages(messages);
  const common = useCommon();
  const { lang, fmt } = useLang();
  const school = props.params.school ?? '';
  const planId = props.params.plan ?? '';
  const plan = useApi(() => api.get<PlanWithRecords>(planApi(school, planId)), [school, planId]);
  const [done, setDone] = useState('');
  const p = plan.data;

  const consultationColumns: Column<Consultation>[] = [
    { key: 'date', header: t('date'), rowHeader: true, cell: (c) => fmt.date(c.date) },
    { key: 'type', header: t('consultation_type'), cell: (c) => t(`consultation_${c.type}`) },
    { key: 'minutes', header: t('duration_min'), numeric: true, cell: (c) => fmt.number(c.duration_min) },
    { key: 'pedagogue', header: t('pedagogue'), cell: (c) => c.pedagogue },
    { key: 'mode', header: t('mode'), cell: (c) => (c.remote ? t('mode_remote') : t('mode_in_person')) },
    { key: 'form', header: t('form_ref'), cell: (c) => c.form_ref ?? t('none') },
    {
      key: 'confirmed',
      header: t('confirmed_on'),
      cell: (c) =>
        c.confirmed_on !== null ? (
          fmt.date(c.confirmed_on)
        ) : (
          <ConfirmForm
            school={school}
            planId={planId}
            consultation={c}
            onDone={() => {
              setDone(t('confirmation_saved'));
              plan.reload();
            }}
          />
        ),
    },
  ];
  const compensationColumns: Column<Compensation>[] = [
    { key: 'month', header: t('month'), rowHeader: true, cell: (c) => c.month },
    { key: 'type', header: t('compensation_type'), cell: (c) => t(`compensation_${c.type}`) },
    { key: 'eur', header: t('amount_eur'), numeric: true, cell: (c) => fmt.eur(c.amount_cents / 100, true) },
    { key: 'doc', header: t('document_ref'), cell: (c) => c.document_ref },
    { key: 'by', header: t('attached_by'), cell: (c) => t(`attached_${c.attached_by}`) },
  ];

  const saved = (text: string) => {
    setDone(text);
    plan.reload();
  };

  // A new submission's outcome replaces the last one's: a stale "saved" beside a refusal would mislead.
  return (
    <div onSubmitCapture={() => setDone('')}>
      <h1>{t('records_title')}</h1>
      <p class="lead">{t('records_intro')}</p>
      <p>
        <Link href={planPageHref(school, planId)}>{t('back_plan')}</Link> ·{' '}
        <Link href={schoolRecordsHref(school)}>{t('school_records_title')}</Link>
      </p>
      <div role="status" class="status">
        {done}
      </div>
      {plan.error !== undefined && <ErrorNotice error={plan.error} onRetry={plan.reload} />}
      {p === undefined ? (
        plan.error === undefined && <p>{common('loading')}</p>
      ) : (
        <>
          <p>
            {t('plan_pupil', {
              class: p.pupil.class_label,
              grade: p.pupil.grade,
              unit: t(`unit_${p.pupil.programme}`),
            })}{' '}
            · {p.semester}
          </p>
          <h2>{t('flags_heading')}</h2>
          <FlagList flags={p.flags} lang={lang} none={t('none')} />
          <AgreementForm school={school} plan={p} onDone={() => saved(t('agreement_saved'))} />
          <h2 id="consultations-h">{t('consultations_heading')}</h2>
          {p.body.consultations.length === 0 ? (
            <p>{t('consultations_none')}</p>
          ) : (
            <ScrollRegion label={t('consultations_heading')}>
              <DataTable
                caption={t('consultations_heading')}
                captionHidden
                columns={consultationColumns}
                rows={p.body.consultations}
                rowKey={(c) => c.id}
              />
            </ScrollRegion>
          )}
          <ConsultationForm school={school} planId={planId} onDone={() => saved(t('consultation_saved'))} />
          <h2>{t('compensations_heading')}</h2>
          {p.body.compensations.length === 0 ? (
            <p>{t('compensations_none')}</p>
          ) : (
            <ScrollRegion label={t('compensations_heading')}>
              <DataTable
                caption={t('compensations_heading')}
                captionHidden
                columns={compensationColumns}
                rows={p.body.compensations}
                rowKey={(c) => c.id}
              />
            </ScrollRegion>
          )}
          <CompensationForm school={school} planId={planId} onDone={() => saved(t('compensation_saved'))} />
        </>
      )}
    </div>
  );
}

/** The pedagogue-pupil agreement's date: after the director's approval (rule 1). */
function AgreementForm(props: { school: string; plan: PlanWithRecords; onDone(): void }) {
  const t = useMessages(messages);
  const [on, setOn] = useState(props.plan.body.agreement_on ?? '');
  const submission = useSubmission();
  const submit = async () => {
    const ok = await submission.run(
      ['agreement_on'],
      async () => {
        await api.send('PUT', `${planApi(props.school, props.plan.id)}/agreement`, { agreement_on: on });
      },
      () => fieldFailure({ agreement_on: on === '' ? REQUIRED : undefined }),
    );
    if (ok) props.onDone();
  };
  return (
    <>
      <h2>{t('agreement_heading')}</h2>
      <Form
        label={t('agreement_heading')}
        submission={submission}
        submitLabel={t('agreement_save')}
        onSubmit={() => void submit()}
      >
        <Input
          label={t('agreement_on')}
          name="agreement_on"
          type="date"
          value={on}
          onInput={setOn}
          hint={t('agreement_hint')}
          error={submission.fieldError('agreement_on')}
          required
        />
      </Form>
    </>
  );
}

/** A consultation: in person, or remote under a director's order (rule 3). */
function ConsultationForm(props: { school: string; planId: string; onDone(): void }) {
  const t = useMessages(messages);
  const [type, setType] = useState<string>('pedagogue');
  const [date, setDate] = useState('');
  const [minutes, setMinutes] = useState('');
  const [pedagogue, setPedagogue] = useState('');
  const [mode, setMode] = useState('in_person');
  const [formRef, setFormRef] = useState('');
  const [confirmedOn, setConfirmedOn] = useState('');
  const submission = useSubmission();
  const submit = async () => {
    const n = Number(minutes);
    const ok = await submission.run(
      ['type', 'date', 'duration_min', 'pedagogue', 'remote', 'form_ref', 'confirmed_on'],
      async () => {
        await api.send('POST', `${planApi(props.school, props.planId)}/consultations`, {
          type,
          date,
          duration_min: n,
          pedagogue: pedagogue.trim(),
          remote: mode === 'remote',
          form_ref: formRef.trim() === '' ? null : formRef.trim(),
          confirmed_on: confirmedOn === '' ? null : confirmedOn,
        });
      },
      () =>
        fieldFailure({
          date: date === '' ? REQUIRED : undefined,
          duration_min:
            minutes.trim() === ''
              ? REQUIRED
              : Number.isInteger(n) && n >= 1 && n <= 600
                ? undefined
                : 'SKOLNET_API_BAD_REQUEST',
          pedagogue: pedagogue.trim() === '' ? REQUIRED : undefined,
        }),
    );
    if (!ok) return;
    setDate('');
    setMinutes('');
    setFormRef('');
    setConfirmedOn('');
    props.onDone();
  };
  return (
    <Form
      label={t('consultation_add')}
      submission={submission}
      submitLabel={t('consultation_add')}
      onSubmit={() => void submit()}
    >
      <h3>{t('consultation_add')}</h3>
      <Select
        label={t('consultation_type')}
        name="type"
        value={type}
        options={CONSULTATION_TYPES.map((c) => ({ value: c, label: t(`consultation_${c}`) }))}
        onChange={setType}
        required
      />
      <Input
        label={t('date')}
        name="date"
        type="date"
        value={date}
        onInput={setDate}
        error={submission.fieldError('date')}
        required
      />
      <Input
        label={t('duration_min')}
        name="duration_min"
        type="number"
        inputMode="numeric"
        min="1"
        step="1"
        value={minutes}
        onInput={setMinutes}
        error={submission.fieldError('duration_min')}
        required
      />
      <Input
        label={t('pedagogue')}
        name="pedagogue"
        value={pedagogue}
        onInput={setPedagogue}
        hint={t('pedagogue_hint')}
        error={submission.fieldError('pedagogue')}
        required
      />
      <Select
        label={t('mode')}
        name="remote"
        value={mode}
        options={[
          { value: 'in_person', label: t('mode_in_person') },
          { value: 'remote', label: t('mode_remote') },
        ]}
        onChange={setMode}
        hint={t('mode_hint')}
        required
      />
      <Input
        label={t('form_ref')}
        name="form_ref"
        value={formRef}
        onInput={setFormRef}
        error={submission.fieldError('form_ref')}
      />
      <Input
        label={t('confirmed_on')}
        name="confirmed_on"
        type="date"
        value={confirmedOn}
        onInput={setConfirmedOn}
        hint={t('confirmed_hint')}
        error={submission.fieldError('confirmed_on')}
      />
    </Form>
  );
}

/** The pupil's confirmation of one consultation on its KA form. */
function ConfirmForm(props: { school: string; planId: string; consultation: Consultation; onDone(): void }) {
  const t = useMessages(messages);
  const { fmt } = useLang();
  const [on, setOn] = useState('');
  const submission = useSubmission();
  const label = t('confirm_label', { date: fmt.date(props.consultation.date) });
  const submit = async () => {
    const ok = await submission.run(
      ['confirmed_on'],
      async () => {
        await api.send(
          'PUT',
          `${planApi(props.school, props.planId)}/consultations/${encodeURIComponent(props.consultation.id)}/confirmation`,
          { confirmed_on: on },
        );
      },
      () => fieldFailure({ confirmed_on: on === '' ? REQUIRED : undefined }),
    );
    if (ok) props.onDone();
  };
  return (
    <Form label={label} submission={submission} submitLabel={t('confirm')} onSubmit={() => void submit()}>
      <Input
        label={label}
        name="confirmed_on"
        type="date"
        value={on}
        onInput={setOn}
        error={submission.fieldError('confirmed_on')}
        required
      />
    </Form>
  );
}

/** A compensation of an economic risk, which needs the municipality's attestation (rule 2). */
function CompensationForm(props: { school: string; planId: string; onDone(): void }) {
  const t = useMessages(messages);
  const [type, setType] = useState<string>('public_transport');
  const [month, setMonth] = useState('');
  const [amount, setAmount] = useState('');
  const [documentRef, setDocumentRef] = useState('');
  const [attachedBy, setAttachedBy] = useState('coordinator');
  const submission = useSubmission();
  const submit = async () => {
    const eur = parseEur(amount);
    const ok = await submission.run(
      ['type', 'month', 'amount_eur', 'amount', 'document_ref', 'attached_by'],
      async () => {
        await api.send('POST', `${planApi(props.school, props.planId)}/compensations`, {
          type,
          month,
          amount_eur: eur,
          document_ref: documentRef.trim(),
          attached_by: attachedBy,
        });
      },
      () =>
        fieldFailure({
          month:
            month === ''
              ? REQUIRED
              : /^\d{4}-(0[1-9]|1[0-2])$/.test(month)
                ? undefined
                : 'SKOLNET_API_BAD_REQUEST',
          amount_eur:
            amount.trim() === '' ? REQUIRED : eur === undefined ? 'SKOLNET_API_BAD_REQUEST' : undefined,
          document_ref: documentRef.trim() === '' ? REQUIRED : undefined,
        }),
    );
    if (!ok) return;
    setMonth('');
    setAmount('');
    setDocumentRef('');
    props.onDone();
  };
  return (
    <Form
      label={t('compensation_add')}
      submission={submission}
      submitLabel={t('compensation_add')}
      onSubmit={() => void submit()}
    >
      <h3>{t('compensation_add')}</h3>
      <Select
        label={t('compensation_type')}
        name="type"
        value={type}
        options={COMPENSATION_TYPES.map((c) => ({ value: c, label: t(`compensation_${c}`) }))}
        onChange={setType}
        required
      />
      <Input
        label={t('month')}
        name="month"
        type="month"
        value={month}
        onInput={setMonth}
        hint={t('month_hint')}
        error={submission.fieldError('month')}
        required
      />
      <Input
        label={t('amount_eur')}
        name="amount_eur"
        inputMode="decimal"
        value={amount}
        onInput={setAmount}
        hint={t('amount_hint')}
        error={submission.fieldError('amount_eur') ?? submission.fieldError('amount')}
        required
      />
      <Input
        label={t('document_ref')}
        name="document_ref"
        value={documentRef}
        onInput={setDocumentRef}
        error={submission.fieldError('document_ref')}
        required
      />
      <Select
        label={t('attached_by')}
        name="attached_by"
        value={attachedBy}
        options={[
          { value: 'coordinator', label: t('attached_coordinator') },
          { value: 'accountant', label: t('attached_accountant') },
        ]}
        onChange={setAttachedBy}
        required
      />
    </Form>
  );
}
