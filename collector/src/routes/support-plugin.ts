import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { ROLE_SCOPES, type Role } from '../auth/roles.js';
import { supportReportWorkbook } from '../export/support-report-workbook.js';
import { supportReport } from '../services/support-report-service.js';
import { ErrorCodes, SkolnetError } from '@skolnet/shared';
import { handleError, httpStatusFor } from '../plugins/error-handler.js';
import { supportAggregates } from '../services/support-aggregates-service.js';
import {
  MAX_IMPORT_BYTES,
  importPlans,
  importTemplate,
  readImportFile,
  type ImportFormat,
  type TemplateLanguage,
} from '../services/support-import-service.js';
import { loadPupilKeys, settleRotation, type PupilKeys } from '../security/pupil-keys.js';
import {
  SupportRuleError,
  createSupportService,
  type SupportActor,
  type SupportService,
} from '../services/support-service.js';
import {
  COMPENSATION_TYPES,
  CONSULTATION_TYPES,
  PLAN_STATUSES,
  RISK_GROUPS,
  parseSemester,
  semesterOf,
  type PlanStatus,
  type Semester,
} from '../support/support-rules.js';

/** How often retention runs: daily; retention is counted in days. */
const RETENTION_INTERVAL_MS = 86_400_000;

/** One school's coordinator, who keeps its records. */
const COORDINATOR: Role[] = ['support_coordinator'];
/** One school's coordinator and director: the only ones who see pupils' identity. */
const SCHOOL_STAFF: Role[] = ['support_coordinator', 'director'];
/** Who reads plans: the school, the municipal coordinator (for approval), IKVD (supervision). */
const PLAN_READERS: Role[] = ['support_coordinator', 'director', 'municipal_coordinator', 'ikvd'];
/**
 * Who sees the aggregates (counts of five or more only): planners and
 * supervision; a municipality's planner those of its municipality's schools.
 */
const AGGREGATE_READERS: Role[] = ['admin', 'planner', 'municipality_planner', 'ikvd'];
/** Who receives a school's semester report (exact counts): its coordinator and director, and IKVD. */
const SCHOOL_REPORT_READERS: Role[] = ['support_coordinator', 'director', 'ikvd'];
/** Who receives the national semester report (suppressed aggregates only): IKVD and planners. */
const NATIONAL_REPORT_READERS: Role[] = ['ikvd', 'planner'];

/** Who approves, each at their step of the chain. */
const APPROVERS: Role[] = ['director', 'municipal_coordinator', 'ikvd'];

const school = (roles: Role[]) => ({ access: { roles, target: 'school' as const } });

const DATE = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;
const NULLABLE_DATE = { type: ['string', 'null'], pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;
const TEXT = { type: 'string', minLength: 1, maxLength: 500 } as const;
const ID = { type: 'string', minLength: 1, maxLength: 64 } as const;

const params = (...names: string[]) => ({
  type: 'object',
  properties: Object.fromEntries(['id', ...names].map((n) => [n, ID])),
  required: ['id', ...names],
  additionalProperties: false,
});

const body = (properties: Record<string, unknown>, required: string[] = []) => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
});

const APPLICATION = {
  type: ['object', 'null'],
  properties: { on: DATE, by: { type: 'string', enum: ['parent', 'pupil'] }, document_ref: TEXT },
  required: ['on', 'by', 'document_ref'],
  additionalProperties: false,
} as const;
const RISKS = {
  type: 'array',
  maxItems: 50,
  items: body(
    {
      id: ID,
      group: { type: 'string', enum: [...RISK_GROUPS] },
      justification: { type: 'string', maxLength: 2000 },
    },
    ['group', 'justification'],
  ),
} as const;
const MEASURES = {
  type: 'array',
  maxItems: 50,
  items: body(
    {
      id: ID,
      description: { type: 'string', maxLength: 2000 },
      risk_ids: { type: 'array', maxItems: 50, items: ID },
    },
    ['description', 'risk_ids'],
  ),
} as const;
const PLAN_CONTENT = { application: APPLICATION, prepared_on: DATE, risks: RISKS, measures: MEASURES };

interface Ids {
  id: string;
  pupil_id?: string;
  plan_id?: string;
  consultation_id?: string;
  laptop_id?: string;
}

const actorOf = (request: FastifyRequest): SupportActor => ({
  principal: request.principal!,
  ip: request.ip,
});
const ids = (request: FastifyRequest): Ids => request.params as Ids;

/**
 * Pupil-support records (docs/pupil-support.md): pupils, plans and their
 * approval, consultations, compensations, attestations, directors' orders
 * and issued laptops. Every route is scoped to one school (`:id`); pupils'
 * names and personal codes leave only through the identity and
 * subject-access routes, to that school's coordinator and director, and
 * every such read is audited. A rule violation answers 422 with each
 * violation's code and text.
 */
export const supportPlugin: FastifyPluginAsync = async (app) => {
  let keys: PupilKeys | undefined;
  const keyDir = app.config.support.keyDir;
  if (keyDir !== undefined) {
    // A rotation a crash interrupted is settled by what the database recorded.
    const recorded = await app.store.support.recordedKeyIds();
    settleRotation(keyDir, 'pseudonym', recorded.pseudonym);
    settleRotation(keyDir, 'encryption', recorded.encryption);
    keys = loadPupilKeys(keyDir);
  }
  const support = createSupportService({
    store: app.store,
    keys: () => keys,
    config: app.config.support,
    now: () => app.config.now(),
    changes: app.services.changes,
  });

  // Retention (docs/pupil-support.md): once at start and daily; the timer never holds the process open.
  if (keyDir !== undefined) {
    const purge = (): void => {
      support.purgeExpired().then(
        (erased) => {
          if (erased > 0) app.log.info({ erased }, 'pupil support: pupils past retention erased');
        },
        (err: unknown) => app.log.error({ err }, 'pupil support: retention failed'),
      );
    };
    let timer: NodeJS.Timeout | undefined;
    app.addHook('onReady', () => {
      purge();
      timer = setInterval(purge, RETENTION_INTERVAL_MS).unref();
      return Promise.resolve();
    });
    app.addHook('onClose', () => {
      clearInterval(timer);
      return Promise.resolve();
    });
  }

  app.setErrorHandler((error, request, reply: FastifyReply) => {
    if (error instanceof SupportRuleError) {
      request.log.info(
        { code: error.code, violations: error.violations.map((v) => v.code) },
        'support rules refused',
      );
      return reply
        .code(httpStatusFor(error.code))
        .send({ code: error.code, message: error.message, violations: error.violations });
    }
    return handleError(error, request, reply);
  });

  const base = '/api/v1/support/schools/:id';

  app.put<{ Body: { founder: 'municipality' | 'state' } }>(
    `${base}/founder`,
    {
      config: school(['admin']),
      schema: {
        params: params(),
        body: body({ founder: { type: 'string', enum: ['municipality', 'state'] } }, ['founder']),
      },
    },
    async (request) => {
      await support.setFounder(ids(request).id, request.body.founder);
      return { school_id: ids(request).id, founder: request.body.founder };
    },
  );

  app.get(
    `${base}/pupils`,
    { config: school(SCHOOL_STAFF), schema: { params: params() } },
    async (request) => ({
      pupils: await support.listPupils(ids(request).id),
    }),
  );

  app.post<{
    Body: {
      name: string;
      personal_code: string;
      programme: 'general' | 'vocational';
      grade: number;
      class_label: string;
    };
  }>(
    `${base}/pupils`,
    {
      config: school(COORDINATOR),
      schema: {
        params: params(),
        body: body(
          {
            name: { type: 'string', minLength: 1, maxLength: 200 },
            personal_code: { type: 'string', minLength: 11, maxLength: 14 },
            programme: { type: 'string', enum: ['general', 'vocational'] },
            grade: { type: 'integer' },
            class_label: { type: 'string', maxLength: 20 },
          },
          ['name', 'personal_code', 'programme', 'grade', 'class_label'],
        ),
      },
    },
    async (request, reply) => {
      const { pupil, created } = await support.addPupil(ids(request).id, request.body);
      return reply.code(created ? 201 : 200).send(pupil);
    },
  );

  app.get(
    `${base}/pupils/:pupil_id/identity`,
    { config: school(SCHOOL_STAFF), schema: { params: params('pupil_id') } },
    async (request, reply) => {
      const identity = await support.readIdentity(actorOf(request), ids(request).id, ids(request).pupil_id!);
      // Nothing on the way keeps a copy.
      return reply.header('cache-control', 'no-store').send(identity);
    },
  );

  app.get(
    `${base}/pupils/:pupil_id/export`,
    { config: school(SCHOOL_STAFF), schema: { params: params('pupil_id') } },
    async (request, reply) => {
      const held = await support.exportPupil(actorOf(request), ids(request).id, ids(request).pupil_id!);
      return reply.header('cache-control', 'no-store').send(held);
    },
  );

  app.delete(
    `${base}/pupils/:pupil_id`,
    { config: school(SCHOOL_STAFF), schema: { params: params('pupil_id') } },
    async (request, reply) => {
      await support.erasePupil(actorOf(request), ids(request).id, ids(request).pupil_id!);
      return reply.code(204).send();
    },
  );

  app.get(
    `${base}/plans`,
    { config: school(PLAN_READERS), schema: { params: params() } },
    async (request) => ({
      plans: await support.listPlans(actorOf(request), ids(request).id),
    }),
  );

  app.post(
    `${base}/plans`,
    {
      config: school(COORDINATOR),
      schema: {
        params: params(),
        body: body({ ...PLAN_CONTENT, pupil_id: ID, semester: { type: 'string', maxLength: 20 } }, [
          'pupil_id',
          'semester',
          'prepared_on',
        ]),
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          await support.createPlan(
            actorOf(request),
            ids(request).id,
            request.body as Parameters<SupportService['createPlan']>[2],
          ),
        ),
  );

  app.get(
    `${base}/plans/:plan_id`,
    { config: school(PLAN_READERS), schema: { params: params('plan_id') } },
    async (request) => support.getPlan(actorOf(request), ids(request).id, ids(request).plan_id!),
  );

  app.put(
    `${base}/plans/:plan_id`,
    { config: school(COORDINATOR), schema: { params: params('plan_id'), body: body(PLAN_CONTENT) } },
    async (request) =>
      support.updatePlanContent(
        actorOf(request),
        ids(request).id,
        ids(request).plan_id!,
        request.body as Parameters<SupportService['updatePlanContent']>[3],
      ),
  );

  app.delete(
    `${base}/plans/:plan_id`,
    { config: school(COORDINATOR), schema: { params: params('plan_id') } },
    async (request, reply) => {
      await support.deletePlan(actorOf(request), ids(request).id, ids(request).plan_id!);
      return reply.code(204).send();
    },
  );

  app.post<{ Body: { status: PlanStatus; reason?: string } }>(
    `${base}/plans/:plan_id/status`,
    {
      config: school(SCHOOL_STAFF),
      schema: {
        params: params('plan_id'),
        body: body(
          {
            status: { type: 'string', enum: [...PLAN_STATUSES] },
            reason: { type: 'string', maxLength: 2000 },
          },
          ['status'],
        ),
      },
    },
    async (request) =>
      support.changeStatus(
        actorOf(request),
        ids(request).id,
        ids(request).plan_id!,
        request.body.status,
        request.body.reason,
      ),
  );

  app.post(
    `${base}/plans/:plan_id/approvals`,
    { config: school(APPROVERS), schema: { params: params('plan_id') } },
    async (request) => support.approve(actorOf(request), ids(request).id, ids(request).plan_id!),
  );

  app.put<{ Body: { agreement_on: string } }>(
    `${base}/plans/:plan_id/agreement`,
    {
      config: school(COORDINATOR),
      schema: { params: params('plan_id'), body: body({ agreement_on: DATE }, ['agreement_on']) },
    },
    async (request) =>
      support.setAgreement(
        actorOf(request),
        ids(request).id,
        ids(request).plan_id!,
        request.body.agreement_on,
      ),
  );

  app.post<{
    Body: {
      type: (typeof CONSULTATION_TYPES)[number];
      date: string;
      duration_min: number;
      pedagogue: string;
      remote: boolean;
      form_ref?: string | null;
      confirmed_on?: string | null;
    };
  }>(
    `${base}/plans/:plan_id/consultations`,
    {
      config: school(COORDINATOR),
      schema: {
        params: params('plan_id'),
        body: body(
          {
            type: { type: 'string', enum: [...CONSULTATION_TYPES] },
            date: DATE,
            // A school day at most.
            duration_min: { type: 'integer', minimum: 1, maximum: 600 },
            pedagogue: { type: 'string', minLength: 1, maxLength: 200 },
            remote: { type: 'boolean' },
            form_ref: { type: ['string', 'null'], maxLength: 200 },
            confirmed_on: NULLABLE_DATE,
          },
          ['type', 'date', 'duration_min', 'pedagogue', 'remote'],
        ),
      },
    },
    async (request, reply) => {
      const b = request.body;
      const plan = await support.addConsultation(actorOf(request), ids(request).id, ids(request).plan_id!, {
        type: b.type,
        date: b.date,
        duration_min: b.duration_min,
        pedagogue: b.pedagogue,
        remote: b.remote,
        form_ref: b.form_ref ?? null,
        confirmed_on: b.confirmed_on ?? null,
      });
      return reply.code(201).send(plan);
    },
  );

  app.put<{ Body: { confirmed_on: string } }>(
    `${base}/plans/:plan_id/consultations/:consultation_id/confirmation`,
    {
      config: school(COORDINATOR),
      schema: {
        params: params('plan_id', 'consultation_id'),
        body: body({ confirmed_on: DATE }, ['confirmed_on']),
      },
    },
    async (request) =>
      support.confirmConsultation(
        actorOf(request),
        ids(request).id,
        ids(request).plan_id!,
        ids(request).consultation_id!,
        request.body.confirmed_on,
      ),
  );

  app.post<{
    Body: {
      type: (typeof COMPENSATION_TYPES)[number];
      month: string;
      amount_eur: number;
      document_ref: string;
      attached_by: 'coordinator' | 'accountant';
    };
  }>(
    `${base}/plans/:plan_id/compensations`,
    {
      config: school(COORDINATOR),
      schema: {
        params: params('plan_id'),
        body: body(
          {
            type: { type: 'string', enum: [...COMPENSATION_TYPES] },
            month: { type: 'string', pattern: '^\\d{4}-\\d{2}$' },
            amount_eur: { type: 'number', exclusiveMinimum: 0, maximum: 100_000 },
            document_ref: TEXT,
            attached_by: { type: 'string', enum: ['coordinator', 'accountant'] },
          },
          ['type', 'month', 'amount_eur', 'document_ref', 'attached_by'],
        ),
      },
    },
    async (request, reply) => {
      const { amount_eur, ...rest } = request.body;
      const cents = Math.round(amount_eur * 100);
      // 12.345 EUR is not a sum anyone paid: refuse rather than round money.
      const amount_cents = Math.abs(cents - amount_eur * 100) < 1e-6 ? cents : Number.NaN;
      const plan = await support.addCompensation(actorOf(request), ids(request).id, ids(request).plan_id!, {
        ...rest,
        amount_cents,
      });
      return reply.code(201).send(plan);
    },
  );

  app.get(
    `${base}/attestations`,
    { config: school(SCHOOL_STAFF), schema: { params: params() } },
    async (request) => ({
      attestations: await support.listAttestations(ids(request).id),
    }),
  );

  app.post<{ Body: { obtained_on: string; valid_from: string; valid_to: string; document_ref: string } }>(
    `${base}/attestations`,
    {
      config: school(COORDINATOR),
      schema: {
        params: params(),
        body: body({ obtained_on: DATE, valid_from: DATE, valid_to: DATE, document_ref: TEXT }, [
          'obtained_on',
          'valid_from',
          'valid_to',
          'document_ref',
        ]),
      },
    },
    async (request, reply) =>
      reply.code(201).send(await support.addAttestation(ids(request).id, request.body)),
  );

  app.get(
    `${base}/orders`,
    { config: school(SCHOOL_STAFF), schema: { params: params() } },
    async (request) => ({
      orders: await support.listOrders(ids(request).id),
    }),
  );

  app.post<{
    Body: {
      valid_from: string;
      valid_to: string;
      procedure_ref: string;
      pupil_ids: string[];
      pedagogues: { name: string; subject: string }[];
      platform: string;
      confirmation_method: string;
      coordinator_informed: boolean;
    };
  }>(
    `${base}/orders`,
    {
      config: school(SCHOOL_STAFF),
      schema: {
        params: params(),
        body: body(
          {
            valid_from: DATE,
            valid_to: DATE,
            procedure_ref: TEXT,
            pupil_ids: { type: 'array', minItems: 1, maxItems: 2000, items: ID },
            pedagogues: {
              type: 'array',
              minItems: 1,
              maxItems: 500,
              items: body({ name: { type: 'string', minLength: 1, maxLength: 200 }, subject: TEXT }, [
                'name',
                'subject',
              ]),
            },
            platform: TEXT,
            confirmation_method: TEXT,
            coordinator_informed: { type: 'boolean' },
          },
          [
            'valid_from',
            'valid_to',
            'procedure_ref',
            'pupil_ids',
            'pedagogues',
            'platform',
            'confirmation_method',
            'coordinator_informed',
          ],
        ),
      },
    },
    async (request, reply) => reply.code(201).send(await support.addOrder(ids(request).id, request.body)),
  );

  app.get(
    `${base}/laptops`,
    { config: school(SCHOOL_STAFF), schema: { params: params() } },
    async (request) => ({
      laptops: await support.listLaptops(ids(request).id),
    }),
  );

  const LAPTOP = {
    pupil_id: { type: ['string', 'null'], maxLength: 64 },
    issued_on: NULLABLE_DATE,
    returned_on: NULLABLE_DATE,
    condition: { type: 'string', maxLength: 200 },
  };

  app.post<{
    Body: {
      serial: string;
      model: string;
      pupil_id?: string | null;
      issued_on?: string | null;
      returned_on?: string | null;
      condition?: string;
    };
  }>(
    `${base}/laptops`,
    {
      config: school(COORDINATOR),
      schema: {
        params: params(),
        body: body({ serial: { type: 'string', minLength: 1, maxLength: 100 }, model: TEXT, ...LAPTOP }, [
          'serial',
          'model',
        ]),
      },
    },
    async (request, reply) => {
      const b = request.body;
      const { laptop, created } = await support.addLaptop(ids(request).id, {
        serial: b.serial,
        model: b.model,
        pupil_id: b.pupil_id ?? null,
        issued_on: b.issued_on ?? null,
        returned_on: b.returned_on ?? null,
        condition: b.condition ?? '',
      });
      return reply.code(created ? 201 : 200).send(laptop);
    },
  );

  app.put<{
    Body: {
      pupil_id?: string | null;
      issued_on?: string | null;
      returned_on?: string | null;
      condition?: string;
    };
  }>(
    `${base}/laptops/:laptop_id`,
    { config: school(COORDINATOR), schema: { params: params('laptop_id'), body: body(LAPTOP) } },
    async (request) => support.updateLaptop(ids(request).id, ids(request).laptop_id!, request.body),
  );

  const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
  // Import files arrive as they are saved: CSV text or an XLSX workbook, read whole.
  app.addContentTypeParser(
    ['text/csv', XLSX_TYPE, 'application/octet-stream'],
    { parseAs: 'buffer', bodyLimit: MAX_IMPORT_BYTES },
    (_request, payload, done) => done(null, payload),
  );

  app.get<{ Querystring: { lang?: TemplateLanguage; format?: ImportFormat } }>(
    '/api/v1/support/import-template',
    {
      config: { access: { roles: COORDINATOR } },
      schema: {
        querystring: body({
          lang: { type: 'string', enum: ['lv', 'en'] },
          format: { type: 'string', enum: ['csv', 'xlsx'] },
        }),
      },
    },
    async (request, reply) => {
      const lang = request.query.lang ?? 'lv';
      const format = request.query.format ?? 'xlsx';
      const file = await importTemplate(lang, format);
      const name = lang === 'lv' ? 'iap-imports' : 'iap-import';
      return reply
        .type(format === 'csv' ? 'text/csv; charset=utf-8' : XLSX_TYPE)
        .header('content-disposition', `attachment; filename="${name}.${format}"`)
        .send(file);
    },
  );

  app.post<{ Querystring: { dry_run?: boolean } }>(
    `${base}/import`,
    {
      config: school(COORDINATOR),
      bodyLimit: MAX_IMPORT_BYTES,
      schema: { params: params(), querystring: body({ dry_run: { type: 'boolean' } }) },
    },
    async (request) => {
      const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim();
      if (!Buffer.isBuffer(request.body) || (type !== 'text/csv' && type !== XLSX_TYPE)) {
        throw new SkolnetError(
          ErrorCodes.API_BAD_REQUEST,
          `send the file as text/csv or ${XLSX_TYPE} (the template: GET /api/v1/support/import-template)`,
        );
      }
      const rows = await readImportFile(request.body, type === 'text/csv' ? 'csv' : 'xlsx');
      return importPlans(
        { store: app.store, support, keys: () => keys, config: app.config.support },
        actorOf(request),
        ids(request).id,
        rows,
        request.query.dry_run ?? false,
      );
    },
  );

  app.get(
    '/api/v1/support/aggregates',
    { config: { access: { roles: AGGREGATE_READERS } } },
    async (request) => {
      const principal = request.principal!;
      if (ROLE_SCOPES[principal.role] !== 'municipality')
        return supportAggregates(app.store, app.config.now());
      // A municipality's planner: its schools only, suppressed among themselves.
      const own = new Set(
        (await app.store.listSchools())
          .filter((s) => principal.municipality != null && s.municipality === principal.municipality)
          .map((s) => s.id),
      );
      return supportAggregates(app.store, app.config.now(), (id) => own.has(id));
    },
  );

  type ReportQuery = { semester?: string; format?: 'xlsx'; lang?: 'lv' | 'en' };
  const REPORT_QUERY = body({
    semester: { type: 'string', maxLength: 20 },
    format: { type: 'string', enum: ['xlsx'] },
    lang: { type: 'string', enum: ['lv', 'en'] },
  });
  const semesterFrom = (query: ReportQuery): Semester => {
    if (query.semester === undefined) return semesterOf(app.config.now().toISOString().slice(0, 10));
    const semester = parseSemester(query.semester);
    if (!semester) {
      throw new SkolnetError(
        ErrorCodes.API_BAD_REQUEST,
        'semester must be a school year and its half, like 2025/2026-1 (September to December) or 2025/2026-2',
      );
    }
    return semester;
  };
  const sendReport = async (
    reply: FastifyReply,
    query: ReportQuery,
    semester: Semester,
    report: Awaited<ReturnType<typeof supportReport>>,
    school?: { id: string; name: string },
  ) => {
    const lang = query.lang ?? 'lv';
    const file = await supportReportWorkbook(report, {
      lang,
      semester: semester.code,
      school: school?.name,
      now: app.config.now(),
    });
    const name = `${lang === 'lv' ? 'atbalsta-parskats' : 'support-report'}-${school?.id ?? 'lv'}-${semester.code.replace('/', '-')}`;
    return reply
      .type(XLSX_TYPE)
      .header('content-disposition', `attachment; filename="${name}.xlsx"`)
      .send(file);
  };

  app.get<{ Querystring: ReportQuery }>(
    `${base}/report`,
    { config: school(SCHOOL_REPORT_READERS), schema: { params: params(), querystring: REPORT_QUERY } },
    async (request, reply) => {
      const semester = semesterFrom(request.query);
      const row = await app.store.getSchool(ids(request).id);
      if (!row) throw new SkolnetError(ErrorCodes.API_NOT_FOUND, 'no such school');
      const report = await supportReport(app.store, semester, app.config.now(), row.id);
      return sendReport(reply, request.query, semester, report, { id: row.id, name: row.name });
    },
  );

  app.get<{ Querystring: ReportQuery }>(
    '/api/v1/support/report',
    { config: { access: { roles: NATIONAL_REPORT_READERS } }, schema: { querystring: REPORT_QUERY } },
    async (request, reply) => {
      const semester = semesterFrom(request.query);
      const report = await supportReport(app.store, semester, app.config.now());
      return sendReport(reply, request.query, semester, report);
    },
  );
};
