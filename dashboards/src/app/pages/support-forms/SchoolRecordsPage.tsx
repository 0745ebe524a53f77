import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../../api/client.js';
import { useApi } from '../../api/use-api.js';
import { DataTable, type Column } from '../../components/DataTable.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { useCommon } from '../../i18n/common.js';
import { useLang, useMessages } from '../../i18n/i18n.js';
import { Link } from '../../router.js';
import { useSession } from '../../session.js';
import type { PageProps } from '../page.js';
import type { SupportPupil } from '../support/types.js';
import { REQUIRED, fieldFailure } from './failure.js';
import { Checkbox, Form, Input, ScrollRegion, Select, useSubmission } from './form-kit.js';
import en from './messages.en.js';
import lv from './messages.lv.js';
import { schoolApi } from './paths.js';

const messages = { lv, en };

/** A municipality's attestation that it cannot fund the economic risk. */
interface Attestation {
  id: string;
  municipality: string;
  obtained_on: string;
  valid_from: string;
  valid_to: string;
  document_ref: string;
}

/** A director's order for remote learning. */
interface Order {
  id: string;
  valid_from: string;
  valid_to: string;
  procedure_ref: string;
  pupil_ids: string[];
  pedagogues: { name: string; subject: string }[];
  platform: string;
  confirmation_method: string;
  coordinator_informed: boolean;
}

/** An issued laptop. */
interface Laptop {
  id: string;
  serial: string;
  model: string;
  pupil_id: string | null;
  issued_on: string | null;
  returned_on: string | null;
  condition: string;
}

/**
 * How a pupil is named on these forms: class, grade and the end of the
 * pupil id, never the name (the pupil list carries none; the plan page
 * opens the identity on request, audited).
 */
function usePupilLabel() {
  const t = useMessages(messages);
  return (p: SupportPupil) =>
    t('pupil_option', {
      class: p.class_label,
      grade: p.grade,
      unit: t(`unit_${p.programme}`),
      ref: p.id.slice(-6),
    });
}

/** Whether `to` is before `from`, both ISO days: the API refuses such a period. */
const reversed = (from: string, to: string): boolean => from !== '' && to !== '' && to < from;

/**
 * The school's records beside its plans (`/support/schools/:school/records`):
 * the municipality's attestations (coordinator), the director's orders for
 * remote learning (coordinator and director), and issued laptops
 * (coordinator). Lists first, each with its form.
 */
export function SchoolRecordsPage(props: PageProps) {
  const t = useMessages(messages);
  const common = useCommon();
  const { fmt } = useLang();
  const { session } = useSession();
  const school = props.params.school ?? '';
  const coordinator = session?.user.role === 'support_coordinator';
  const data = useApi(async () => {
    const base = schoolApi(school);
    const [a, o, l, p] = await Promise.all([
      api.get<{ attestations: Attestation[] }>(`${base}/attestations`),
      api.get<{ orders: Order[] }>(`${base}/orders`),
      api.get<{ laptops: Laptop[] }>(`${base}/laptops`),
      api.get<{ pupils: SupportPupil[] }>(`${base}/pupils`),
    ]);
    return { attestations: a.attestations, orders: o.orders, laptops: l.laptops, pupils: p.pupils };
  }, [school]);
  const [done, setDone] = useState('');
  const [editing, setEditing] = useState<Laptop | undefined>(undefined);
  const pupilLabel = usePupilLabel();
  const saved = (text: string) => {
    setDone(text);
    data.reload();
  };
  const d = data.data;
  const pupilById = new Map((d?.pupils ?? []).map((p) => [p.id, p]));
  const nameOf = (id: string | null) => {
    const p = id === null ? undefined : pupilById.get(id);
    return p === undefined ? t('none') : pupilLabel(p);
  };
  const period = (from: string, to: string) => `${fmt.date(from)} – ${fmt.date(to)}`;

  const attestationColumns: Column<Attestation>[] = [
    { key: 'doc', header: t('document_ref'), rowHeader: true, cell: (a) => a.document_ref },
    { key: 'municipality', header: t('municipality'), cell: (a) => a.municipality },
    { key: 'obtained', header: t('obtained_on'), cell: (a) => fmt.date(a.obtained_on) },
    { key: 'period', header: t('period'), cell: (a) => period(a.valid_from, a.valid_to) },
  ];
  const orderColumns: Column<Order>[] = [
    { key: 'ref', header: t('procedure_ref'), rowHeader: true, cell: (o) => o.procedure_ref },
    { key: 'period', header: t('period'), cell: (o) => period(o.valid_from, o.valid_to) },
    { key: 'pupils', header: t('order_pupils'), cell: (o) => o.pupil_ids.map(nameOf).join('; ') },
    {
      key: 'pedagogues',
      header: t('order_pedagogues'),
      cell: (o) => o.pedagogues.map((p) => `${p.name} (${p.subject})`).join('; '),
    },
    { key: 'platform', header: t('platform'), cell: (o) => o.platform },
    { key: 'confirmation', header: t('confirmation_method'), cell: (o) => o.confirmation_method },
    {
      key: 'informed',
      header: t('coordinator_informed'),
      cell: (o) => (o.coordinator_informed ? t('yes') : t('no')),
    },
  ];
  const laptopColumns: Column<Laptop>[] = [
    { key: 'serial', header: t('serial'), rowHeader: true, cell: (l) => l.serial },
    { key: 'model', header: t('model'), cell: (l) => l.model },
    { key: 'pupil', header: t('laptop_pupil'), cell: (l) => nameOf(l.pupil_id) },
    { key: 'issued', header: t('issued_on'), cell: (l) => (l.issued_on ? fmt.date(l.issued_on) : t('none')) },
    {
      key: 'returned',
      header: t('returned_on'),
      cell: (l) => (l.returned_on ? fmt.date(l.returned_on) : t('none')),
    },
    { key: 'condition', header: t('condition'), cell: (l) => l.condition || t('none') },
    ...(coordinator
      ? [
          {
            key: 'edit',
            header: t('laptop_edit'),
            cell: (l: Laptop) => (
              <button
                type="button"
                aria-label={t('laptop_edit_label', { serial: l.serial })}
                onClick={() => setEditing(l)}
              >
                {t('laptop_edit')}
              </button>
            ),
          },
        ]
      : []),
  ];

  // A new submission's outcome replaces the last one's: a stale "saved" beside a refusal would mislead.
  return (
    <div onSubmitCapture={() => setDone('')}>
      <h1>{t('school_records_title')}</h1>
      <p class="lead">{t('school_records_intro')}</p>
      <p>
        <Link href="/support">{t('back_list')}</Link>
      </p>
      <div role="status" class="status">
        {done}
      </div>
      {data.error !== undefined && <ErrorNotice error={data.error} onRetry={data.reload} />}
      {d === undefined ? (
        data.error === undefined && <p>{common('loading')}</p>
      ) : (
        <>
          <h2>{t('attestations_heading')}</h2>
          {d.attestations.length === 0 ? (
            <p>{t('attestations_none')}</p>
          ) : (
            <ScrollRegion label={t('attestations_heading')}>
              <DataTable
                caption={t('attestations_heading')}
                captionHidden
                columns={attestationColumns}
                rows={d.attestations}
                rowKey={(a) => a.id}
              />
            </ScrollRegion>
          )}
          {coordinator && <AttestationForm school={school} onDone={() => saved(t('attestation_saved'))} />}
          <h2>{t('orders_heading')}</h2>
          {d.orders.length === 0 ? (
            <p>{t('orders_none')}</p>
          ) : (
            <ScrollRegion label={t('orders_heading')}>
              <DataTable
                caption={t('orders_heading')}
                captionHidden
                columns={orderColumns}
                rows={d.orders}
                rowKey={(o) => o.id}
              />
            </ScrollRegion>
          )}
          <OrderForm school={school} pupils={d.pupils} onDone={() => saved(t('order_saved'))} />
          <h2>{t('laptops_heading')}</h2>
          {d.laptops.length === 0 ? (
            <p>{t('laptops_none')}</p>
          ) : (
            <ScrollRegion label={t('laptops_heading')}>
              <DataTable
                caption={t('laptops_heading')}
                captionHidden
                columns={laptopColumns}
                rows={d.laptops}
                rowKey={(l) => l.id}
              />
            </ScrollRegion>
          )}
          {coordinator && (
            <LaptopForm
              // A new form per laptop chosen: its inputs start from that laptop's record.
              key={editing?.id ?? 'new'}
              school={school}
              pupils={d.pupils}
              editing={editing}
              onDone={() => {
                setEditing(undefined);
                saved(t('laptop_saved'));
              }}
            />
          )}
        </>
      )}
    </div>
  );
}

/** The municipality's attestation: obtained before the plan, valid for the whole semester (rule 2). */
function AttestationForm(props: { school: string; onDone(): void }) {
  const t = useMessages(messages);
  const [obtained, setObtained] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [ref, setRef] = useState('');
  const submission = useSubmission();
  const submit = async () => {
    const ok = await submission.run(
      ['obtained_on', 'valid_from', 'valid_to', 'document_ref'],
      async () => {
        await api.send('POST', `${schoolApi(props.school)}/attestations`, {
          obtained_on: obtained,
          valid_from: from,
          valid_to: to,
          document_ref: ref.trim(),
        });
      },
      () =>
        fieldFailure({
          obtained_on: obtained === '' ? REQUIRED : undefined,
          valid_from: from === '' ? REQUIRED : undefined,
          valid_to: to === '' ? REQUIRED : reversed(from, to) ? 'SKOLNET_API_BAD_REQUEST' : undefined,
          document_ref: ref.trim() === '' ? REQUIRED : undefined,
        }),
    );
    if (!ok) return;
    setObtained('');
    setFrom('');
    setTo('');
    setRef('');
    props.onDone();
  };
  return (
    <Form
      label={t('attestation_add')}
      submission={submission}
      submitLabel={t('attestation_add')}
      onSubmit={() => void submit()}
    >
      <h3>{t('attestation_add')}</h3>
      <p class="hint">{t('attestation_hint')}</p>
      <Input
        label={t('obtained_on')}
        name="obtained_on"
        type="date"
        value={obtained}
        onInput={setObtained}
        error={submission.fieldError('obtained_on')}
        required
      />
      <Input
        label={t('valid_from')}
        name="valid_from"
        type="date"
        value={from}
        onInput={setFrom}
        error={submission.fieldError('valid_from')}
        required
      />
      <Input
        label={t('valid_to')}
        name="valid_to"
        type="date"
        value={to}
        onInput={setTo}
        error={submission.fieldError('valid_to')}
        required
      />
      <Input
        label={t('document_ref')}
        name="document_ref"
        value={ref}
        onInput={setRef}
        error={submission.fieldError('document_ref')}
        required
      />
    </Form>
  );
}

/** A director's order for remote learning: who, with whom, when, how receipt is confirmed (rule 3). */
function OrderForm(props: { school: string; pupils: readonly SupportPupil[]; onDone(): void }) {
  const t = useMessages(messages);
  const pupilLabel = usePupilLabel();
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [procedure, setProcedure] = useState('');
  const [pupilIds, setPupilIds] = useState<string[]>([]);
  const [pedagogues, setPedagogues] = useState<{ name: string; subject: string }[]>([
    { name: '', subject: '' },
  ]);
  const [platform, setPlatform] = useState('');
  const [method, setMethod] = useState('');
  const [informed, setInformed] = useState(false);
  const submission = useSubmission();
  const listed = pedagogues.filter((p) => p.name.trim() !== '' || p.subject.trim() !== '');
  const submit = async () => {
    const ok = await submission.run(
      [
        'valid_from',
        'valid_to',
        'procedure_ref',
        'pupil_ids',
        'pedagogues',
        'platform',
        'confirmation_method',
      ],
      async () => {
        await api.send('POST', `${schoolApi(props.school)}/orders`, {
          valid_from: from,
          valid_to: to,
          procedure_ref: procedure.trim(),
          pupil_ids: pupilIds,
          pedagogues: listed.map((p) => ({ name: p.name.trim(), subject: p.subject.trim() })),
          platform: platform.trim(),
          confirmation_method: method.trim(),
          coordinator_informed: informed,
        });
      },
      () =>
        fieldFailure({
          valid_from: from === '' ? REQUIRED : undefined,
          valid_to: to === '' ? REQUIRED : reversed(from, to) ? 'SKOLNET_API_BAD_REQUEST' : undefined,
          procedure_ref: procedure.trim() === '' ? REQUIRED : undefined,
          pupil_ids: pupilIds.length === 0 ? REQUIRED : undefined,
          pedagogues:
            listed.length === 0 || listed.some((p) => p.name.trim() === '' || p.subject.trim() === '')
              ? REQUIRED
              : undefined,
          platform: platform.trim() === '' ? REQUIRED : undefined,
          confirmation_method: method.trim() === '' ? REQUIRED : undefined,
        }),
    );
    if (!ok) return;
    setFrom('');
    setTo('');
    setProcedure('');
    setPupilIds([]);
    setPedagogues([{ name: '', subject: '' }]);
    setPlatform('');
    setMethod('');
    setInformed(false);
    props.onDone();
  };
  const pupilsError = submission.fieldError('pupil_ids');
  const pedagoguesError = submission.fieldError('pedagogues');
  return (
    <Form
      label={t('order_add')}
      submission={submission}
      submitLabel={t('order_add')}
      onSubmit={() => void submit()}
    >
      <h3>{t('order_add')}</h3>
      <Input
        label={t('valid_from')}
        name="valid_from"
        type="date"
        value={from}
        onInput={setFrom}
        error={submission.fieldError('valid_from')}
        required
      />
      <Input
        label={t('valid_to')}
        name="valid_to"
        type="date"
        value={to}
        onInput={setTo}
        error={submission.fieldError('valid_to')}
        required
      />
      <Input
        label={t('procedure_ref')}
        name="procedure_ref"
        value={procedure}
        onInput={setProcedure}
        hint={t('procedure_hint')}
        error={submission.fieldError('procedure_ref')}
        required
      />
      <fieldset aria-describedby={pupilsError ? 'order-pupils-error' : undefined}>
        <legend>{t('order_pupils')} *</legend>
        {props.pupils.length === 0 && <p class="hint">{t('order_no_pupils')}</p>}
        {props.pupils.map((p) => (
          <Checkbox
            key={p.id}
            label={pupilLabel(p)}
            name="pupil_ids"
            checked={pupilIds.includes(p.id)}
            onChange={(on) => setPupilIds((ids) => (on ? [...ids, p.id] : ids.filter((x) => x !== p.id)))}
          />
        ))}
        {pupilsError && (
          <p id="order-pupils-error" class="field-error">
            {t('err_pick_pupil')}
          </p>
        )}
      </fieldset>
      <fieldset aria-describedby={pedagoguesError ? 'order-pedagogues-error' : undefined}>
        <legend>{t('order_pedagogues')} *</legend>
        {pedagogues.map((p, i) => (
          <div class="filters" key={i}>
            <Input
              label={t('pedagogue_n', { n: i + 1 })}
              name={`pedagogue_name_${i}`}
              value={p.name}
              onInput={(v) => setPedagogues((all) => all.map((x, j) => (j === i ? { ...x, name: v } : x)))}
            />
            <Input
              label={t('pedagogue_subject_n', { n: i + 1 })}
              name={`pedagogue_subject_${i}`}
              value={p.subject}
              onInput={(v) => setPedagogues((all) => all.map((x, j) => (j === i ? { ...x, subject: v } : x)))}
            />
          </div>
        ))}
        <p>
          <button type="button" onClick={() => setPedagogues((all) => [...all, { name: '', subject: '' }])}>
            {t('pedagogue_add')}
          </button>
        </p>
        {pedagoguesError && (
          <p id="order-pedagogues-error" class="field-error">
            {t('err_pedagogues')}
          </p>
        )}
      </fieldset>
      <Input
        label={t('platform')}
        name="platform"
        value={platform}
        onInput={setPlatform}
        error={submission.fieldError('platform')}
        required
      />
      <Input
        label={t('confirmation_method')}
        name="confirmation_method"
        value={method}
        onInput={setMethod}
        hint={t('confirmation_method_hint')}
        error={submission.fieldError('confirmation_method')}
        required
      />
      <Checkbox
        label={t('coordinator_informed')}
        name="coordinator_informed"
        checked={informed}
        onChange={setInformed}
      />
    </Form>
  );
}

/** An issued laptop; the same serial again updates its record (returned, condition). */
function LaptopForm(props: {
  school: string;
  pupils: readonly SupportPupil[];
  /** A recorded laptop to change: the form starts from its values, so nothing unchanged is lost. */
  editing?: Laptop | undefined;
  onDone(): void;
}) {
  const t = useMessages(messages);
  const pupilLabel = usePupilLabel();
  const e = props.editing;
  const [serial, setSerial] = useState(e?.serial ?? '');
  const [model, setModel] = useState(e?.model ?? '');
  const [pupil, setPupil] = useState(e?.pupil_id ?? '');
  const [issued, setIssued] = useState(e?.issued_on ?? '');
  const [returned, setReturned] = useState(e?.returned_on ?? '');
  const [condition, setCondition] = useState(e?.condition ?? '');
  const box = useRef<HTMLDivElement>(null);
  // Chosen with Edit far up the page: the keyboard lands in the form, on the first field.
  useEffect(() => {
    if (e !== undefined) box.current?.querySelector('input')?.focus();
  }, [e?.id]);
  const submission = useSubmission();
  const submit = async () => {
    const ok = await submission.run(
      ['serial', 'model', 'pupil_id', 'issued_on', 'returned_on', 'condition'],
      async () => {
        await api.send('POST', `${schoolApi(props.school)}/laptops`, {
          serial: serial.trim(),
          model: model.trim(),
          pupil_id: pupil === '' ? null : pupil,
          issued_on: issued === '' ? null : issued,
          returned_on: returned === '' ? null : returned,
          condition: condition.trim(),
        });
      },
      () =>
        fieldFailure({
          serial: serial.trim() === '' ? REQUIRED : undefined,
          model: model.trim() === '' ? REQUIRED : undefined,
          returned_on: reversed(issued, returned) ? 'SKOLNET_API_BAD_REQUEST' : undefined,
        }),
    );
    if (!ok) return;
    setSerial('');
    setModel('');
    setPupil('');
    setIssued('');
    setReturned('');
    setCondition('');
    props.onDone();
  };
  return (
    <div ref={box}>
      <Form
        label={t('laptop_add')}
        submission={submission}
        submitLabel={t('laptop_add')}
        onSubmit={() => void submit()}
      >
        <h3>{t('laptop_add')}</h3>
        <p class="hint">{t('laptop_hint')}</p>
        <Input
          label={t('serial')}
          name="serial"
          value={serial}
          onInput={setSerial}
          error={submission.fieldError('serial')}
          required
        />
        <Input
          label={t('model')}
          name="model"
          value={model}
          onInput={setModel}
          error={submission.fieldError('model')}
          required
        />
        <Select
          label={t('laptop_pupil')}
          name="pupil_id"
          value={pupil}
          emptyLabel={t('laptop_no_pupil')}
          options={props.pupils.map((p) => ({ value: p.id, label: pupilLabel(p) }))}
          onChange={setPupil}
          error={submission.fieldError('pupil_id')}
        />
        <Input
          label={t('issued_on')}
          name="issued_on"
          type="date"
          value={issued}
          onInput={setIssued}
          error={submission.fieldError('issued_on')}
        />
        <Input
          label={t('returned_on')}
          name="returned_on"
          type="date"
          value={returned}
          onInput={setReturned}
          error={submission.fieldError('returned_on')}
        />
        <Input
          label={t('condition')}
          name="condition"
          value={condition}
          onInput={setCondition}
          error={submission.fieldError('condition')}
        />
      </Form>
    </div>
  );
}
