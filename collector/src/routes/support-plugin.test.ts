import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.js';
import type { KyselyStore } from '../storage/kysely-store.js';
import { DEFAULT_SUPPORT_CONFIG, createSupportService } from '../services/support-service.js';
import { createTestAccount, type TestAccount } from '../testing/accounts.js';
import { createTempStore } from '../testing/fixtures.js';

/** Synthetic personal codes with valid check digits (support-rules.test.ts checks the form). */
const CODE = '161175-19997';
const CODE_2 = '010101-12343';
const NAME = 'Marta Ābele';

interface PlanBody {
  id: string;
  status: string;
  next_approver: string | null;
  flags: { code: string }[];
  body: { approvals: { approver: string }[]; consultations: { id: string }[] };
}

/** Any answer of these routes, loosely: each test reads the fields its route has. */
interface Answer extends PlanBody {
  message: string;
  spent_eur: number;
  violations: { code: string; lv: string; en: string }[];
  plans: PlanBody[];
  laptops: { serial: string; pupil_id: string | null }[];
  orders: { pupil_ids: string[] }[];
  pupil: Record<string, unknown>;
}

describe('pupil-support routes', () => {
  let app: FastifyInstance;
  let store: KyselyStore;
  let cleanup: () => Promise<void>;
  let dir: string;
  let schoolId: string;
  let today = '2025-09-01';
  const logLines: string[] = [];
  const as: Record<string, TestAccount> = {};

  const call = async (
    who: string,
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    payload?: object,
  ): Promise<{ status: number; body: Answer }> => {
    const res = await app.inject({
      method,
      url: `/api/v1/support/schools/${schoolId}${url}`,
      headers: as[who]!.headers,
      ...(payload ? { payload } : {}),
    });
    return { status: res.statusCode, body: (res.body === '' ? {} : res.json()) as Answer };
  };

  beforeEach(async () => {
    ({ store, cleanup, dir } = await createTempStore());
    logLines.length = 0;
    today = '2025-09-01';
    app = buildApp({
      store,
      logger: { level: 'debug', stream: { write: (line: string) => void logLines.push(line) } },
      dashboardAssets: false,
      config: {
        now: () => new Date(`${today}T10:00:00.000Z`),
        support: { keyDir: join(dir, 'support-keys') },
      },
    });
    await app.ready();
    const school = await store.createSchool({
      name: 'Cēsu pamatskola',
      municipality: 'Cēsu novads',
      pupils: 300,
    });
    const other = await store.createSchool({ name: 'Rīgas skola', municipality: 'Rīga', pupils: 500 });
    schoolId = school.id;
    as.coordinator = await createTestAccount(store, 'support_coordinator', { school_id: school.id });
    as.director = await createTestAccount(store, 'director', { school_id: school.id });
    as.municipal = await createTestAccount(store, 'municipal_coordinator', { municipality: 'Cēsu novads' });
    as.ikvd = await createTestAccount(store, 'ikvd');
    as.planner = await createTestAccount(store, 'planner');
    as.otherCoordinator = await createTestAccount(store, 'support_coordinator', { school_id: other.id });
  });
  afterEach(async () => {
    await app.close();
    await cleanup();
  });

  const addPupil = async (code = CODE, grade = 7) => {
    const res = await call('coordinator', 'POST', '/pupils', {
      name: NAME,
      personal_code: code,
      programme: 'general',
      grade,
      class_label: `${grade}.a`,
    });
    expect(res.status).toBe(201);
    return res.body.id;
  };

  const addPlan = async (
    pupilId: string,
    risks = [{ id: 'r1', group: 'economic', justification: 'ienākumi' }],
  ) => {
    const res = await call('coordinator', 'POST', '/plans', {
      pupil_id: pupilId,
      semester: '2025/2026-1',
      application: { on: '2025-09-01', by: 'parent', document_ref: 'iesn. 12' },
      prepared_on: '2025-09-02',
      risks,
      measures: [{ id: 'm1', description: 'brīvpusdienas', risk_ids: ['r1'] }],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  };

  const approveAll = async (planId: string) => {
    expect(
      (await call('coordinator', 'POST', `/plans/${planId}/status`, { status: 'Saskaņošanā' })).status,
    ).toBe(200);
    for (const who of ['director', 'municipal', 'ikvd']) {
      const res = await call(who, 'POST', `/plans/${planId}/approvals`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
  };

  it('keeps the name and personal code sealed, shows them only to the school’s coordinator and director, audits each read', async () => {
    const pupilId = await addPupil();
    const listed = await call('coordinator', 'GET', '/pupils');
    expect(JSON.stringify(listed.body)).not.toContain('Marta');
    expect(JSON.stringify(listed.body)).not.toContain('161175');

    const raw = await store.support.getPupil(pupilId);
    expect(JSON.stringify(raw)).not.toContain('Marta');
    expect(JSON.stringify(raw)).not.toContain('161175');

    for (const who of ['coordinator', 'director']) {
      const identity = await call(who, 'GET', `/pupils/${pupilId}/identity`);
      expect(identity.status).toBe(200);
      expect(identity.body).toEqual({ id: pupilId, name: NAME, personal_code: CODE });
    }
    for (const who of ['municipal', 'ikvd', 'planner', 'otherCoordinator']) {
      expect((await call(who, 'GET', `/pupils/${pupilId}/identity`)).status).toBe(403);
    }
    const audit = await store.accounts.listAudit({ limit: 50 });
    const reads = audit.filter((e) => e.action === 'pupil_identity_read');
    expect(reads.map((e) => e.actor).sort()).toEqual(
      [as.coordinator!.user.email, as.director!.user.email].sort(),
    );
    expect(reads.every((e) => e.target === pupilId)).toBe(true);
    expect(JSON.stringify(audit)).not.toContain('Marta');
  });

  it('adds a pupil once: the same personal code again changes nothing, a bad one is refused without echoing it', async () => {
    const id = await addPupil();
    const again = await call('coordinator', 'POST', '/pupils', {
      name: NAME,
      personal_code: '16117519997',
      programme: 'general',
      grade: 7,
      class_label: '7.a',
    });
    expect(again).toMatchObject({ status: 200, body: { id } });
    const bad = await call('coordinator', 'POST', '/pupils', {
      name: NAME,
      personal_code: '161175-19996',
      programme: 'general',
      grade: 7,
      class_label: '7.a',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('check digit');
    expect(bad.body.message).not.toContain('161175');
    const elsewhere = await app.inject({
      method: 'POST',
      url: `/api/v1/support/schools/${(await store.listSchools()).find((s) => s.id !== schoolId)!.id}/pupils`,
      headers: as.otherCoordinator!.headers,
      payload: { name: 'X', personal_code: CODE, programme: 'general', grade: 7, class_label: '7.a' },
    });
    expect(elsewhere.statusCode).toBe(409);
    expect(elsewhere.body).not.toContain(id);
  });

  it('refuses a pupil outside the target group, and a bad personal code, as violations with lv and en text', async () => {
    const add = (programme: string, grade: number, code = CODE) =>
      call('coordinator', 'POST', '/pupils', {
        name: NAME,
        personal_code: code,
        programme,
        grade,
        class_label: `${grade}.a`,
      });
    for (const [programme, grade, code] of [
      ['general', 0, 'SKOLNET_SUPPORT_GRADE_OUT_OF_RANGE'],
      ['general', 13, 'SKOLNET_SUPPORT_GRADE_OUT_OF_RANGE'],
      ['vocational', 5, 'SKOLNET_SUPPORT_COURSE_OUT_OF_RANGE'],
    ] as const) {
      const refused = await add(programme, grade);
      expect(refused.status).toBe(422);
      expect(refused.body.violations.map((v) => v.code)).toEqual([code]);
      expect(refused.body.violations[0]!.lv).not.toBe('');
      expect(refused.body.violations[0]!.en).not.toBe('');
    }
    expect(await store.support.listPupils(schoolId)).toEqual([]);
    // Grades 1-4 only from the configured start date (rule 5): the day before it, refused.
    today = '2024-08-31';
    const early = await add('general', 3);
    expect(early.status).toBe(422);
    expect(early.body.violations.map((v) => v.code)).toEqual(['SKOLNET_SUPPORT_GRADE_NOT_YET_IN_PROJECT']);
    today = DEFAULT_SUPPORT_CONFIG.grades_1_4_from;
    expect((await add('general', 3)).status).toBe(201);
    expect((await add('vocational', 4, CODE_2)).status).toBe(201);
    const bad = await add('general', 7, '161175-19996');
    expect(bad.status).toBe(400);
    expect(bad.body.violations.map((v) => v.code)).toEqual(['SKOLNET_SUPPORT_PERSONAL_CODE_INVALID']);
    expect(bad.body.violations[0]!.lv).not.toBe('');
    expect(JSON.stringify(bad.body)).not.toContain('161175');
  });

  it('takes a municipal school’s plan through director, municipal coordinator and IKVD, and a revision through all again', async () => {
    const plan = await addPlan(await addPupil());
    expect((await call('ikvd', 'POST', '/plans', {})).status).toBe(403);
    expect(
      (await call('coordinator', 'POST', `/plans/${plan.id}/status`, { status: 'Saskaņošanā' })).body
        .next_approver,
    ).toBe('director');
    const early = await call('ikvd', 'POST', `/plans/${plan.id}/approvals`);
    expect(early.status).toBe(422);
    expect(early.body.violations.map((v: { code: string }) => v.code)).toEqual([
      'SKOLNET_SUPPORT_APPROVAL_OUT_OF_TURN',
    ]);
    expect(early.body.violations[0]!.lv).toBeTruthy();
    for (const who of ['director', 'municipal', 'ikvd'])
      await call(who, 'POST', `/plans/${plan.id}/approvals`);
    let got = await call('municipal', 'GET', `/plans/${plan.id}`);
    expect(got.body.status).toBe('Apstiprināts');
    expect(got.body.body.approvals.map((a: { approver: string }) => a.approver)).toEqual([
      'director',
      'municipal_coordinator',
      'ikvd',
    ]);
    await call('coordinator', 'POST', `/plans/${plan.id}/status`, { status: 'Īstenošanā' });
    await call('coordinator', 'POST', `/plans/${plan.id}/status`, { status: 'Pārskatīšanā' });
    await approveAll(plan.id);
    got = await call('ikvd', 'GET', `/plans/${plan.id}`);
    expect(got.body.status).toBe('Apstiprināts');
    expect(got.body.body.approvals).toHaveLength(6);
    // A stop needs a reason.
    const stop = await call('coordinator', 'POST', `/plans/${plan.id}/status`, { status: 'Apturēts' });
    expect(stop.body.violations[0]!.code).toBe('SKOLNET_SUPPORT_STOP_WITHOUT_REASON');
    const stopped = await call('coordinator', 'POST', `/plans/${plan.id}/status`, {
      status: 'Apturēts',
      reason: 'pārcēlās',
    });
    expect(stopped.body.status).toBe('Apturēts');
  });

  it('takes a state school’s plan through director and IKVD, without the municipality', async () => {
    const admin = await createTestAccount(store, 'admin');
    as.admin = admin;
    expect((await call('admin', 'PUT', '/founder', { founder: 'state' })).status).toBe(200);
    const plan = await addPlan(await addPupil());
    await call('coordinator', 'POST', `/plans/${plan.id}/status`, { status: 'Saskaņošanā' });
    await call('director', 'POST', `/plans/${plan.id}/approvals`);
    expect((await call('municipal', 'GET', `/plans/${plan.id}`)).status).toBe(403);
    expect((await call('municipal', 'GET', '/plans')).body.plans).toEqual([]);
    expect((await call('ikvd', 'POST', `/plans/${plan.id}/approvals`)).body.status).toBe('Apstiprināts');
  });

  it('refuses documents out of order, remote consultations without an order, late confirmations', async () => {
    const pupilId = await addPupil();
    const plan = await addPlan(pupilId);
    // Agreement before the director's approval.
    const agreement = await call('coordinator', 'PUT', `/plans/${plan.id}/agreement`, {
      agreement_on: '2025-09-03',
    });
    expect(agreement.body.violations[0]!.code).toBe('SKOLNET_SUPPORT_AGREEMENT_BEFORE_APPROVAL');
    today = '2025-09-05';
    await approveAll(plan.id);
    expect(
      (await call('coordinator', 'PUT', `/plans/${plan.id}/agreement`, { agreement_on: '2025-09-06' }))
        .status,
    ).toBe(200);
    const consultation = {
      type: 'psychologist',
      date: '2025-09-10',
      duration_min: 45,
      pedagogue: 'Ilze Ozola',
      remote: true,
    };
    const early = await call('coordinator', 'POST', `/plans/${plan.id}/consultations`, {
      ...consultation,
      date: '2025-09-05',
    });
    expect(early.body.violations.map((v: { code: string }) => v.code)).toContain(
      'SKOLNET_SUPPORT_CONSULTATION_BEFORE_AGREEMENT',
    );
    const noOrder = await call('coordinator', 'POST', `/plans/${plan.id}/consultations`, consultation);
    expect(noOrder.body.violations.map((v: { code: string }) => v.code)).toEqual([
      'SKOLNET_SUPPORT_REMOTE_NO_ORDER',
    ]);
    const order = await call('director', 'POST', '/orders', {
      valid_from: '2025-09-08',
      valid_to: '2025-09-30',
      procedure_ref: 'kārtība 3',
      pupil_ids: [pupilId],
      pedagogues: [{ name: 'Ilze Ozola', subject: 'psiholoģiskais atbalsts' }],
      platform: 'MS Teams',
      confirmation_method: 'e-klase',
      coordinator_informed: true,
    });
    expect(order.status).toBe(201);
    const added = await call('coordinator', 'POST', `/plans/${plan.id}/consultations`, consultation);
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    const consultationId = (added.body as PlanBody).body.consultations[0]!.id;
    // Two days after: too late.
    const late = await call(
      'coordinator',
      'PUT',
      `/plans/${plan.id}/consultations/${consultationId}/confirmation`,
      {
        confirmed_on: '2025-09-12',
      },
    );
    expect(late.body.violations[0]!.code).toBe('SKOLNET_SUPPORT_CONFIRMATION_LATE');
    // Not confirmed once the next day is over: flagged.
    today = '2025-09-12';
    const flagged = await call('coordinator', 'GET', `/plans/${plan.id}`);
    expect(flagged.body.flags.map((f: { code: string }) => f.code)).toEqual([
      'SKOLNET_SUPPORT_CONFIRMATION_MISSING',
    ]);
    today = '2025-09-11';
    const ok = await call(
      'coordinator',
      'PUT',
      `/plans/${plan.id}/consultations/${consultationId}/confirmation`,
      {
        confirmed_on: '2025-09-11',
      },
    );
    expect(ok.status).toBe(200);
    today = '2025-10-01';
    expect((await call('coordinator', 'GET', `/plans/${plan.id}`)).body.flags).toEqual([]);
  });

  it('pays a compensation only under an attestation, and keeps a plan with money spent from deletion', async () => {
    const plan = await addPlan(await addPupil());
    const compensation = {
      type: 'public_transport',
      month: '2025-10',
      amount_eur: 23.4,
      document_ref: 'čeks 77',
      attached_by: 'accountant',
    };
    const refused = await call('coordinator', 'POST', `/plans/${plan.id}/compensations`, compensation);
    expect(refused.body.violations[0]!.code).toBe('SKOLNET_SUPPORT_ATTESTATION_MISSING');
    const late = await call('coordinator', 'POST', '/attestations', {
      obtained_on: '2025-09-03',
      valid_from: '2025-09-01',
      valid_to: '2025-12-31',
      document_ref: 'izziņa 1',
    });
    expect(late.status).toBe(201);
    expect(
      (await call('coordinator', 'POST', `/plans/${plan.id}/compensations`, compensation)).body.violations[0]!
        .code,
    ).toBe('SKOLNET_SUPPORT_ATTESTATION_AFTER_PLAN');
    await call('coordinator', 'POST', '/attestations', {
      obtained_on: '2025-08-20',
      valid_from: '2025-09-01',
      valid_to: '2025-12-31',
      document_ref: 'izziņa 2',
    });
    const paid = await call('coordinator', 'POST', `/plans/${plan.id}/compensations`, compensation);
    expect(paid.status).toBe(201);
    expect(paid.body.spent_eur).toBe(23.4);
    const fraction = await call('coordinator', 'POST', `/plans/${plan.id}/compensations`, {
      ...compensation,
      amount_eur: 1.005,
    });
    expect(fraction.status).toBe(400);
    const deletion = await call('coordinator', 'DELETE', `/plans/${plan.id}`);
    expect(deletion.body.violations[0]!.code).toBe('SKOLNET_SUPPORT_DELETE_AFTER_SPENDING');
    const empty = await addPlan(await addPupil(CODE_2));
    expect((await call('coordinator', 'DELETE', `/plans/${empty.id}`)).status).toBe(204);
  });

  it('exports everything about one pupil, then erases it all', async () => {
    const pupilId = await addPupil();
    const other = await addPupil(CODE_2);
    const plan = await addPlan(pupilId);
    await call('coordinator', 'POST', '/laptops', {
      serial: 'SN-1',
      model: 'Lenovo 100e',
      pupil_id: pupilId,
      issued_on: '2025-09-02',
      condition: 'jauns',
    });
    await call('director', 'POST', '/orders', {
      valid_from: '2025-09-08',
      valid_to: '2025-09-30',
      procedure_ref: 'kārtība 3',
      pupil_ids: [pupilId, other],
      pedagogues: [{ name: 'Ilze Ozola', subject: 'matemātika' }],
      platform: 'Zoom',
      confirmation_method: 'e-pasts',
      coordinator_informed: false,
    });
    const held = await call('director', 'GET', `/pupils/${pupilId}/export`);
    expect(held.status).toBe(200);
    expect(held.body.pupil).toMatchObject({ id: pupilId, name: NAME, personal_code: CODE });
    expect(held.body.plans.map((p: { id: string }) => p.id)).toEqual([plan.id]);
    expect(held.body.laptops.map((l: { serial: string }) => l.serial)).toEqual(['SN-1']);
    expect(held.body.orders).toHaveLength(1);
    // The order also names another pupil, who is not in this pupil's export.
    expect(held.body.orders[0]!.pupil_ids).toEqual([pupilId]);

    expect((await call('coordinator', 'DELETE', `/pupils/${pupilId}`)).status).toBe(204);
    expect(await store.support.getPupil(pupilId)).toBeUndefined();
    expect(await store.support.getPlan(plan.id)).toBeUndefined();
    const laptops = (await call('coordinator', 'GET', '/laptops')).body.laptops;
    expect(laptops[0]).toMatchObject({ serial: 'SN-1', pupil_id: null });
    const orders = (await call('coordinator', 'GET', '/orders')).body.orders;
    expect(orders[0]!.pupil_ids).toEqual([other]);
    expect((await call('coordinator', 'GET', `/pupils/${pupilId}/identity`)).status).toBe(404);
    const actions = (await store.accounts.listAudit({ limit: 50 })).map((e) => e.action);
    expect(actions).toContain('pupil_subject_access_export');
    expect(actions).toContain('pupil_erased');
  });

  it('erases pupils past the retention period and keeps the others', async () => {
    const old = await addPupil();
    await addPlan(old);
    const recent = await addPupil(CODE_2);
    const later = await call('coordinator', 'POST', '/plans', {
      pupil_id: recent,
      semester: '2026/2027-2',
      prepared_on: '2027-01-10',
      risks: [],
      measures: [],
    });
    expect(later.status).toBe(201);
    const service = createSupportService({
      store,
      keys: () => undefined,
      config: { ...DEFAULT_SUPPORT_CONFIG, retention_days: 365 },
      // A year and a few days after the first plan's semester ended (31 December 2025).
      now: () => new Date('2027-01-05T10:00:00Z'),
    });
    expect(await service.purgeExpired()).toBe(1);
    expect(await store.support.getPupil(old)).toBeUndefined();
    expect(await store.support.getPupil(recent)).toBeDefined();
    expect((await store.accounts.listAudit({ limit: 10 })).map((e) => e.action)).toContain(
      'pupil_erased_retention',
    );
  });

  it('puts no name, personal code or pseudonym in logs or error messages', async () => {
    const pupilId = await addPupil();
    const plan = await addPlan(pupilId);
    await call('coordinator', 'GET', `/pupils/${pupilId}/identity`);
    await call('coordinator', 'POST', `/plans/${plan.id}/compensations`, {
      type: 'meals',
      month: '2025-10',
      amount_eur: 10,
      document_ref: 'x',
      attached_by: 'coordinator',
    });
    await call('coordinator', 'POST', '/pupils', {
      name: NAME,
      personal_code: '999999-99999',
      programme: 'general',
      grade: 7,
      class_label: '7.a',
    });
    const pseudonym = (await store.support.getPupil(pupilId))!.pseudonym;
    const logs = logLines.join('\n');
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of ['Marta', 'Ābele', CODE, CODE.replace('-', ''), '999999-99999', pseudonym])
      expect(logs).not.toContain(secret);
  });
});
