import { useState } from 'preact/hooks';
import { api } from '../../api/client.js';
import { useMessages } from '../../i18n/i18n.js';
import { Link } from '../../router.js';
import type { PageProps } from '../page.js';
import type { SupportPupil } from '../support/types.js';
import { REQUIRED, fieldFailure } from './failure.js';
import { Form, Input, Select, useSubmission } from './form-kit.js';
import en from './messages.en.js';
import lv from './messages.lv.js';
import { newPlanHref, schoolApi } from './paths.js';

const messages = { lv, en };

/** The fields the API names in a refusal of `POST …/pupils`. */
const FIELDS = ['name', 'personal_code', 'programme', 'grade', 'class_label'] as const;

/** Highest grade of general education and course of vocational education in the project (docs/pupil-support.md, rule 5). */
const TOP = { general: 12, vocational: 4 } as const;

/**
 * What the page can tell before sending: empty fields, a personal code
 * not shaped `NNNNNN-NNNNN`, a grade or course outside the project's
 * range. The check digit and date of birth are the API's to judge.
 */
export function checkPupilInput(v: {
  name: string;
  personal_code: string;
  programme: string;
  grade: string;
  class_label: string;
}) {
  const grade = Number(v.grade);
  const programme = v.programme === 'vocational' ? 'vocational' : 'general';
  return fieldFailure({
    name: v.name.trim() === '' ? REQUIRED : undefined,
    personal_code:
      v.personal_code.trim() === ''
        ? REQUIRED
        : /^\d{6}-?\d{5}$/.test(v.personal_code.trim())
          ? undefined
          : 'SKOLNET_API_BAD_REQUEST',
    grade:
      v.grade.trim() === ''
        ? REQUIRED
        : Number.isInteger(grade) && grade >= 1 && grade <= TOP[programme]
          ? undefined
          : programme === 'general'
            ? 'SKOLNET_SUPPORT_GRADE_OUT_OF_RANGE'
            : 'SKOLNET_SUPPORT_COURSE_OUT_OF_RANGE',
    class_label: v.class_label.trim() === '' ? REQUIRED : undefined,
  });
}

/**
 * Adds a pupil to the coordinator's school
 * (`/support/schools/:school/pupils/new`). The name and personal code go
 * in the request body only, never into the address, and the form forgets
 * them once the pupil is stored.
 */
export function PupilFormPage(props: PageProps) {
  const t = useMessages(messages);
  const school = props.params.school ?? '';
  const [name, setName] = useState('');
  const [code, setCode] = useState('');
  const [programme, setProgramme] = useState('general');
  const [grade, setGrade] = useState('');
  const [classLabel, setClassLabel] = useState('');
  const [added, setAdded] = useState<SupportPupil | undefined>(undefined);
  const submission = useSubmission();

  const submit = async () => {
    const values = { name, personal_code: code, programme, grade, class_label: classLabel };
    let stored: SupportPupil | undefined;
    const ok = await submission.run(
      FIELDS,
      async () => {
        stored = await api.send<SupportPupil>('POST', `${schoolApi(school)}/pupils`, {
          name: name.trim(),
          personal_code: code.trim(),
          programme,
          grade: Number(grade),
          class_label: classLabel.trim(),
        });
      },
      () => checkPupilInput(values),
    );
    if (!ok) return;
    setAdded(stored);
    setName('');
    setCode('');
    setGrade('');
    setClassLabel('');
  };

  return (
    <>
      <h1>{t('pupil_title')}</h1>
      <p class="lead">{t('pupil_intro')}</p>
      <p>
        <Link href="/support">{t('back_list')}</Link>
      </p>
      <div role="status" class="status">
        {added !== undefined && (
          <>
            {t('pupil_added', { class: added.class_label })}{' '}
            <Link href={newPlanHref(school, added.id)}>
              {t('plan_for_pupil', { class: added.class_label })}
            </Link>
          </>
        )}
      </div>
      <Form
        label={t('pupil_title')}
        submission={submission}
        submitLabel={t('pupil_submit')}
        onSubmit={() => void submit()}
      >
        <Select
          label={t('programme')}
          name="programme"
          value={programme}
          options={[
            { value: 'general', label: t('programme_general') },
            { value: 'vocational', label: t('programme_vocational') },
          ]}
          onChange={setProgramme}
          error={submission.fieldError('programme')}
          required
        />
        <Input
          label={programme === 'vocational' ? t('course') : t('grade')}
          name="grade"
          type="number"
          inputMode="numeric"
          min="1"
          step="1"
          value={grade}
          onInput={setGrade}
          hint={programme === 'vocational' ? t('course_hint') : t('grade_hint')}
          error={submission.fieldError('grade')}
          required
        />
        <Input
          label={t('class_label')}
          name="class_label"
          value={classLabel}
          onInput={setClassLabel}
          hint={t('class_hint')}
          error={submission.fieldError('class_label')}
          required
        />
        <Input
          label={t('name')}
          name="name"
          value={name}
          onInput={setName}
          error={submission.fieldError('name')}
          required
        />
        <Input
          label={t('personal_code')}
          name="personal_code"
          value={code}
          onInput={setCode}
          inputMode="numeric"
          hint={t('personal_code_hint')}
          error={submission.fieldError('personal_code')}
          required
        />
      </Form>
    </>
  );
}
