import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/client.js';
import { failureOf, fieldFailure, hasFailure } from './failure.js';
import { checkPlanDraft, planBody } from './PlanFormPage.js';
import { parseEur } from './PlanRecordsPage.js';
import { checkPupilInput } from './PupilFormPage.js';

// Answers in the collector's shapes (collector/src/plugins/error-handler.ts, support-plugin.ts); synthetic.
const violation = {
  code: 'SKOLNET_SUPPORT_REMOTE_NO_ORDER',
  area: 'remote',
  lv: 'Attālinātai konsultācijai nav direktora rīkojuma, kas aptver tās datumu.',
  en: 'No director’s order for remote learning covers the remote consultation’s date.',
};

describe('failureOf', () => {
  it("keeps a rule refusal's violations with both languages' text", () => {
    const err = new ApiError(422, 'SKOLNET_SUPPORT_RULES', 'refused', {
      code: 'SKOLNET_SUPPORT_RULES',
      violations: [violation, { code: 'broken' }],
    });
    expect(failureOf(err, [])).toEqual({ fields: {}, violations: [violation] });
  });

  it("ties a 400 to the field the service or fastify's validation names", () => {
    const service = new ApiError(
      400,
      'SKOLNET_API_BAD_REQUEST',
      'personal_code: the check digit does not match',
    );
    expect(failureOf(service, ['name', 'personal_code']).fields).toEqual({
      personal_code: 'SKOLNET_API_BAD_REQUEST',
    });
    const schema = new ApiError(400, 'SKOLNET_API_BAD_REQUEST', 'body/duration_min must be <= 600');
    expect(failureOf(schema, ['duration_min']).fields).toEqual({ duration_min: 'SKOLNET_API_BAD_REQUEST' });
    const missing = new ApiError(
      400,
      'SKOLNET_API_BAD_REQUEST',
      "body must have required property 'platform'",
    );
    expect(failureOf(missing, ['platform']).fields).toEqual({ platform: 'SKOLNET_API_BAD_REQUEST' });
  });

  it("keeps the violation a bad personal code's 400 carries beside its field", () => {
    const personal = {
      code: 'SKOLNET_SUPPORT_PERSONAL_CODE_INVALID',
      area: 'pupil',
      lv: 'Personas kods nav derīgs (11 cipari, NNNNNN-NNNNN, ar pareizu kontrolciparu).',
      en: 'The personal code is not valid (11 digits, NNNNNN-NNNNN, with a matching check digit).',
    };
    const err = new ApiError(
      400,
      'SKOLNET_API_BAD_REQUEST',
      'personal_code: the check digit does not match',
      {
        code: 'SKOLNET_API_BAD_REQUEST',
        violations: [personal],
      },
    );
    expect(failureOf(err, ['name', 'personal_code'])).toEqual({
      fields: { personal_code: 'SKOLNET_API_BAD_REQUEST' },
      violations: [personal],
    });
  });

  it('keeps the code of a refusal that names no field of the form, and never its message', () => {
    const other = new ApiError(400, 'SKOLNET_API_BAD_REQUEST', 'body/unknown must be string');
    expect(failureOf(other, ['name'])).toEqual({
      fields: {},
      violations: [],
      general: 'SKOLNET_API_BAD_REQUEST',
    });
    const conflict = new ApiError(
      409,
      'SKOLNET_API_CONFLICT',
      'this personal code belongs to a pupil of another school',
    );
    expect(failureOf(conflict, [])).toEqual({ fields: {}, violations: [], general: 'SKOLNET_API_CONFLICT' });
    expect(failureOf(new Error('boom'), []).general).toBe('UNEXPECTED');
  });

  it('has nothing to show for an empty failure', () => {
    expect(hasFailure(undefined)).toBe(false);
    expect(fieldFailure({ a: undefined })).toBeUndefined();
    expect(hasFailure(fieldFailure({ a: 'required' }))).toBe(true);
  });
});

describe('checkPupilInput', () => {
  const ok = {
    name: 'Līga Kalniņa',
    personal_code: '140312-23459',
    programme: 'general',
    grade: '7',
    class_label: '7.a',
  };

  it('passes a whole pupil and leaves the check digit to the API', () => {
    expect(checkPupilInput(ok)).toBeUndefined();
    expect(checkPupilInput({ ...ok, personal_code: '140312-23458' })).toBeUndefined();
  });

  it('names each empty or out-of-range field by a stable code', () => {
    expect(checkPupilInput({ ...ok, name: ' ', class_label: '' })?.fields).toEqual({
      name: 'required',
      class_label: 'required',
    });
    expect(checkPupilInput({ ...ok, personal_code: '14031223' })?.fields).toEqual({
      personal_code: 'SKOLNET_API_BAD_REQUEST',
    });
    expect(checkPupilInput({ ...ok, grade: '13' })?.fields).toEqual({
      grade: 'SKOLNET_SUPPORT_GRADE_OUT_OF_RANGE',
    });
    expect(checkPupilInput({ ...ok, programme: 'vocational', grade: '5' })?.fields).toEqual({
      grade: 'SKOLNET_SUPPORT_COURSE_OUT_OF_RANGE',
    });
    expect(checkPupilInput({ ...ok, programme: 'vocational', grade: '4' })).toBeUndefined();
  });
});

describe('plan drafts', () => {
  const draft = {
    semester: '2025/2026-1',
    application_on: '',
    application_by: 'parent',
    application_ref: '',
    prepared_on: '2025-09-02',
    risks: [{ id: 'r1', group: 'economic', justification: ' ienākumi ' }],
    measures: [{ id: 'm1', description: 'biļetes', risk_ids: ['r1', 'r9'] }],
  };

  it('sends no application when none is typed, and drops links to removed risks', () => {
    expect(checkPlanDraft(draft, true)).toBeUndefined();
    expect(planBody(draft)).toEqual({
      application: null,
      prepared_on: '2025-09-02',
      risks: [{ id: 'r1', group: 'economic', justification: 'ienākumi' }],
      measures: [{ id: 'm1', description: 'biļetes', risk_ids: ['r1'] }],
    });
  });

  it('wants an application whole, and the semester as the plans write it', () => {
    expect(checkPlanDraft({ ...draft, application_ref: 'iesn. 12' }, true)?.fields).toEqual({
      application_on: 'required',
    });
    expect(checkPlanDraft({ ...draft, semester: '2025-1' }, true)?.fields).toEqual({
      semester: 'SKOLNET_SUPPORT_SEMESTER_INVALID',
    });
    // An edit keeps its semester: it is not a field there.
    expect(checkPlanDraft({ ...draft, semester: '' }, false)).toBeUndefined();
  });
});

describe('parseEur', () => {
  it('reads euros with a comma or point and at most two decimals', () => {
    expect(parseEur('12,50')).toBe(12.5);
    expect(parseEur(' 1 200.05 ')).toBe(1200.05);
    expect(parseEur('12.345')).toBeUndefined();
    expect(parseEur('0')).toBeUndefined();
    expect(parseEur('-3')).toBeUndefined();
    expect(parseEur('abc')).toBeUndefined();
  });
});
