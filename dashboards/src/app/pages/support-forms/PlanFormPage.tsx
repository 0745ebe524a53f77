import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api/client.js';
import { useApi } from '../../api/use-api.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { useCommon } from '../../i18n/common.js';
import { useMessages } from '../../i18n/i18n.js';
import { Link, navigate } from '../../router.js';
import type { PageProps } from '../page.js';
import { RISK_GROUPS, type SupportPlan, type SupportPupil } from '../support/types.js';
import { REQUIRED, fieldFailure } from './failure.js';
import { Checkbox, Form, Input, Select, TextArea, useSubmission } from './form-kit.js';
import en from './messages.en.js';
import lv from './messages.lv.js';
import { planApi, planPageHref, schoolApi } from './paths.js';

const messages = { lv, en };

/** The fields the API names in a refusal of a plan's write. */
const FIELDS = ['semester', 'prepared_on', 'application', 'risks', 'measures'] as const;

interface RiskDraft {
  id: string;
  group: string;
  justification: string;
}
interface MeasureDraft {
  id: string;
  description: string;
  risk_ids: string[];
}

/** The plan form's inputs, as typed. */
interface PlanDraft {
  semester: string;
  application_on: string;
  application_by: string;
  application_ref: string;
  prepared_on: string;
  risks: RiskDraft[];
  measures: MeasureDraft[];
}

const EMPTY: PlanDraft = {
  semester: '',
  application_on: '',
  application_by: 'parent',
  application_ref: '',
  prepared_on: '',
  risks: [],
  measures: [],
};

/** An id for a new risk or measure, unique in the draft; the API keeps ids it is given. */
function nextId(prefix: string, taken: readonly { id: string }[]): string {
  let n = taken.length + 1;
  while (taken.some((x) => x.id === `${prefix}${n}`)) n += 1;
  return `${prefix}${n}`;
}

/** The draft of a stored plan, for editing. */
function draftOf(plan: SupportPlan): PlanDraft {
  const a = plan.body.application;
  return {
    semester: plan.semester,
    application_on: a?.on ?? '',
    application_by: a?.by ?? 'parent',
    application_ref: a?.document_ref ?? '',
    prepared_on: plan.body.prepared_on,
    risks: plan.body.risks.map((r) => ({ ...r })),
    measures: plan.body.measures.map((m) => ({ ...m, risk_ids: [...m.risk_ids] })),
  };
}

/**
 * The pages' own checks: a semester written as the plans write it, the
 * day the plan was prepared, and an application either whole or absent
 * (a plan may be drafted before it; it goes to approval only with it).
 */
export function checkPlanDraft(d: PlanDraft, isNew: boolean) {
  const partial = d.application_on !== '' || d.application_ref.trim() !== '';
  return fieldFailure({
    semester: !isNew
      ? undefined
      : d.semester.trim() === ''
        ? REQUIRED
        : /^\d{4}\/\d{4}-[12]$/.test(d.semester.trim())
          ? undefined
          : 'SKOLNET_SUPPORT_SEMESTER_INVALID',
    prepared_on: d.prepared_on === '' ? REQUIRED : undefined,
    application_on: partial && d.application_on === '' ? REQUIRED : undefined,
    application_ref: partial && d.application_ref.trim() === '' ? REQUIRED : undefined,
  });
}

/** The request body of a draft: the plan's contents as the API takes them. */
export function planBody(d: PlanDraft) {
  return {
    application:
      d.application_on === ''
        ? null
        : { on: d.application_on, by: d.application_by, document_ref: d.application_ref.trim() },
    prepared_on: d.prepared_on,
    risks: d.risks.map((r) => ({ id: r.id, group: r.group, justification: r.justification.trim() })),
    measures: d.measures.map((m) => ({
      id: m.id,
      description: m.description.trim(),
      // Only links to risks still in the plan: a removed risk takes its links with it.
      risk_ids: m.risk_ids.filter((id) => d.risks.some((r) => r.id === id)),
    })),
  };
}

/**
 * A new IAP for a pupil (`/support/schools/:school/pupils/:pupil/plans/new`)
 * or the contents of one in Projekts or Pārskatīšanā
 * (`/support/schools/:school/plans/:plan/edit`): the semester, the
 * application, the day it was prepared, risks with their justification
 * and measures linked to the risks they address. A refused save keeps
 * everything typed and shows each broken rule beside the form.
 */
export function PlanFormPage(props: PageProps) {
  const t = useMessages(messages);
  const common = useCommon();
  const school = props.params.school ?? '';
  const planId = props.params.plan;
  const isNew = planId === undefined;
  const loaded = useApi(async () => {
    if (planId !== undefined) {
      const plan = await api.get<SupportPlan>(planApi(school, planId));
      return { plan, pupil: plan.pupil };
    }
    const { pupils } = await api.get<{ pupils: SupportPupil[] }>(`${schoolApi(school)}/pupils`);
    return { plan: undefined, pupil: pupils.find((p) => p.id === props.params.pupil) };
  }, [school, planId, props.params.pupil]);
  const [draft, setDraft] = useState<PlanDraft>(EMPTY);
  const submission = useSubmission();
  useEffect(() => {
    if (loaded.data?.plan !== undefined) setDraft(draftOf(loaded.data.plan));
  }, [loaded.data?.plan?.id, loaded.data?.plan?.version]);

  const set = (patch: Partial<PlanDraft>) => setDraft((d) => ({ ...d, ...patch }));
  const setRisk = (i: number, patch: Partial<RiskDraft>) =>
    setDraft((d) => ({ ...d, risks: d.risks.map((r, j) => (j === i ? { ...r, ...patch } : r)) }));
  const setMeasure = (i: number, patch: Partial<MeasureDraft>) =>
    setDraft((d) => ({ ...d, measures: d.measures.map((m, j) => (j === i ? { ...m, ...patch } : m)) }));

  const riskName = (r: RiskDraft, i: number) =>
    t('risk_n', { n: i + 1, group: t(`risk_group_${r.group as 'economic'}`) });

  const submit = async () => {
    let saved: SupportPlan | undefined;
    const ok = await submission.run(
      FIELDS,
      async () => {
        saved = isNew
          ? await api.send<SupportPlan>('POST', `${schoolApi(school)}/plans`, {
              pupil_id: props.params.pupil,
              semester: draft.semester.trim(),
              ...planBody(draft),
            })
          : await api.send<SupportPlan>('PUT', planApi(school, planId), planBody(draft));
      },
      () => checkPlanDraft(draft, isNew),
    );
    if (ok && saved !== undefined) navigate(planPageHref(school, saved.id));
  };

  const title = isNew ? t('plan_new_title') : t('plan_edit_title');
  const pupil = loaded.data?.pupil;
  if (loaded.data !== undefined && pupil === undefined) {
    return (
      <>
        <h1>{title}</h1>
        <p>{t('not_found')}</p>
        <Link href="/support">{t('back_list')}</Link>
      </>
    );
  }
  return (
    <>
      <h1>{title}</h1>
      <p class="lead">{t('plan_intro')}</p>
      <p>
        <Link href={isNew ? '/support' : planPageHref(school, planId)}>
          {isNew ? t('back_list') : t('back_plan')}
        </Link>
      </p>
      {loaded.error !== undefined && <ErrorNotice error={loaded.error} onRetry={loaded.reload} />}
      {pupil === undefined ? (
        loaded.error === undefined && <p>{common('loading')}</p>
      ) : (
        <>
          <p>
            {t('plan_pupil', {
              class: pupil.class_label,
              grade: pupil.grade,
              unit: t(`unit_${pupil.programme}`),
            })}
          </p>
          <Form
            label={title}
            submission={submission}
            submitLabel={t('plan_save')}
            onSubmit={() => void submit()}
          >
            {isNew ? (
              <Input
                label={t('semester')}
                name="semester"
                value={draft.semester}
                onInput={(v) => set({ semester: v })}
                hint={t('semester_hint')}
                error={submission.fieldError('semester')}
                required
              />
            ) : (
              <p>
                {t('semester')}: {draft.semester}
              </p>
            )}
            <fieldset>
              <legend>{t('application')}</legend>
              <p class="hint">{t('application_hint')}</p>
              <Input
                label={t('application_on')}
                name="application_on"
                type="date"
                value={draft.application_on}
                onInput={(v) => set({ application_on: v })}
                error={submission.fieldError('application_on') ?? submission.fieldError('application')}
              />
              <Select
                label={t('application_by')}
                name="application_by"
                value={draft.application_by}
                options={[
                  { value: 'parent', label: t('by_parent') },
                  { value: 'pupil', label: t('by_pupil') },
                ]}
                onChange={(v) => set({ application_by: v })}
              />
              <Input
                label={t('application_ref')}
                name="application_ref"
                value={draft.application_ref}
                onInput={(v) => set({ application_ref: v })}
                error={submission.fieldError('application_ref')}
              />
            </fieldset>
            <Input
              label={t('prepared_on')}
              name="prepared_on"
              type="date"
              value={draft.prepared_on}
              onInput={(v) => set({ prepared_on: v })}
              error={submission.fieldError('prepared_on')}
              required
            />
            <h2>{t('risks_heading')}</h2>
            {draft.risks.length === 0 && <p class="hint">{t('risks_none')}</p>}
            {draft.risks.map((r, i) => (
              <fieldset key={r.id}>
                <legend>{riskName(r, i)}</legend>
                <Select
                  label={t('risk_group')}
                  name={`risk_group_${i}`}
                  value={r.group}
                  options={RISK_GROUPS.map((g) => ({ value: g, label: t(`risk_group_${g}`) }))}
                  onChange={(v) => setRisk(i, { group: v })}
                />
                <TextArea
                  label={t('justification')}
                  name={`risk_justification_${i}`}
                  value={r.justification}
                  onInput={(v) => setRisk(i, { justification: v })}
                />
                <button
                  type="button"
                  onClick={() =>
                    setDraft((d) => ({
                      ...d,
                      risks: d.risks.filter((x) => x.id !== r.id),
                      measures: d.measures.map((m) => ({
                        ...m,
                        risk_ids: m.risk_ids.filter((id) => id !== r.id),
                      })),
                    }))
                  }
                >
                  {t('remove_named', { what: riskName(r, i) })}
                </button>
              </fieldset>
            ))}
            <p>
              <button
                type="button"
                onClick={() =>
                  setDraft((d) => ({
                    ...d,
                    risks: [
                      ...d.risks,
                      { id: nextId('r', d.risks), group: 'learning_school', justification: '' },
                    ],
                  }))
                }
              >
                {t('risk_add')}
              </button>
            </p>
            <h2>{t('measures_heading')}</h2>
            {draft.measures.length === 0 && <p class="hint">{t('measures_none')}</p>}
            {draft.measures.map((m, i) => (
              <fieldset key={m.id}>
                <legend>{t('measure_n', { n: i + 1 })}</legend>
                <TextArea
                  label={t('measure_description')}
                  name={`measure_description_${i}`}
                  value={m.description}
                  onInput={(v) => setMeasure(i, { description: v })}
                />
                <fieldset>
                  <legend>{t('measure_risks')}</legend>
                  {draft.risks.length === 0 && <p class="hint">{t('measure_risks_none')}</p>}
                  {draft.risks.map((r, k) => (
                    <Checkbox
                      key={r.id}
                      label={riskName(r, k)}
                      name={`measure_${i}_risk_${r.id}`}
                      checked={m.risk_ids.includes(r.id)}
                      onChange={(on) =>
                        setMeasure(i, {
                          risk_ids: on ? [...m.risk_ids, r.id] : m.risk_ids.filter((id) => id !== r.id),
                        })
                      }
                    />
                  ))}
                </fieldset>
                <button
                  type="button"
                  onClick={() =>
                    setDraft((d) => ({ ...d, measures: d.measures.filter((x) => x.id !== m.id) }))
                  }
                >
                  {t('remove_named', { what: t('measure_n', { n: i + 1 }) })}
                </button>
              </fieldset>
            ))}
            <p>
              <button
                type="button"
                onClick={() =>
                  setDraft((d) => ({
                    ...d,
                    measures: [...d.measures, { id: nextId('m', d.measures), description: '', risk_ids: [] }],
                  }))
                }
              >
                {t('measure_add')}
              </button>
            </p>
          </Form>
        </>
      )}
    </>
  );
}
