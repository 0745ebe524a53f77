import { Type, type Static, type TProperties } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
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
import { SupportRuleError, createSupportService, type SupportActor } from '../services/support-service.js';
import {
  COMPENSATION_TYPES,
  CONSULTATION_TYPES,
  PLAN_STATUSES,
  RISK_GROUPS,
  parseSemester,
  semesterOf,
  type Semester,
} from '../support/support-rules.js';
import { IdParams, MAX_ID_LENGTH, NullableString, StringEnum } from './schemas.js';

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

/** A calendar day, YYYY-MM-DD. */
const DATE_PATTERN = '^\\d{4}-\\d{2}-\\d{2}$';
const DateString = Type.String({ pattern: DATE_PATTERN });
const NullableDate = NullableString({ pattern: DATE_PATTERN });
/** A reference or short text, characters. */
const Text = Type.String({ minLength: 1, maxLength: 500 });
const Id = Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH });

/** An object of `properties` and nothing else. */
const Closed = <T extends TProperties>(properties: T) =>
  Type.Object(properties, { additionalProperties: false });
/**
 * A closed object whose properties are all optional, with `required: []` as
 * these routes always declared it (TypeBox leaves an empty list out), so the
 * OpenAPI document stays as it was.
 */
const AllOptional = <T extends TProperties>(properties: T) =>
  Type.Object(properties, { additionalProperties: false, required: [] });

/** A pupil of a school: `:id` the school. */
const PupilParams = Closed({ id: Id, pupil_id: Id });
/** A plan of a school. */
const PlanParams = Closed({ id: Id, plan_id: Id });
/** A consultation of a plan. */
const ConsultationParams = Closed({ id: Id, plan_id: Id, consultation_id: Id });
/** A laptop of a school. */
const LaptopParams = Closed({ id: Id, laptop_id: Id });

const ApplicationFields = Closed({
  on: DateString,
  by: StringEnum(['parent', 'pupil'] as const),
  document_ref: Text,
});
/** The application a plan was opened on, or null. */
const Application = Type.Unsafe<Static<typeof ApplicationFields> | null>({
  type: ['object', 'null'],
  properties: ApplicationFields.properties,
  required: ApplicationFields.required,
  additionalProperties: false,
});
const Risks = Type.Array(
  Closed({
    id: Type.Optional(Id),
    group: StringEnum(RISK_GROUPS),
    justification: Type.String({ maxLength: 2000 }),
  }),
  { maxItems: 50 },
);
const Measures = Type.Array(
  Closed({
    id: Type.Optional(Id),
    description: Type.String({ maxLength: 2000 }),
    risk_ids: Type.Array(Id, { maxItems: 50 }),
  }),
  { maxItems: 50 },
);
const PLAN_CONTENT = {
  application: Type.Optional(Application),
  prepared_on: Type.Optional(DateString),
  risks: Type.Optional(Risks),
  measures: Type.Optional(Measures),
};
/** What a coordinator writes in a draft or revision. */
const PlanContentBody = AllOptional(PLAN_CONTENT);
/**
 * A new plan. `required` is listed in the order the route always had:
 * ajv names the first missing property, so the order is part of its message.
 */
const NewPlanBody = {
  ...Closed({
    ...PLAN_CONTENT,
    prepared_on: DateString,
    pupil_id: Id,
    semester: Type.String({ maxLength: 20 }),
  }),
  required: ['pupil_id', 'semester', 'prepared_on'],
};

const FounderBody = Closed({ founder: StringEnum(['municipality', 'state'] as const) });
const NewPupilBody = Closed({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  personal_code: Type.String({ minLength: 11, maxLength: 14 }),
  programme: StringEnum(['general', 'vocational'] as const),
  grade: Type.Integer(),
  class_label: Type.String({ maxLength: 20 }),
});
const StatusBody = Closed({
  status: StringEnum(PLAN_STATUSES),
  reason: Type.Optional(Type.String({ maxLength: 2000 })),
});
const AgreementBody = Closed({ agreement_on: DateString });
const ConsultationBody = Closed({
  type: StringEnum(CONSULTATION_TYPES),
  date: DateString,
  // A school day at most.
  duration_min: Type.Integer({ minimum: 1, maximum: 600 }),
  pedagogue: Type.String({ minLength: 1, maxLength: 200 }),
  remote: Type.Boolean(),
  form_ref: Type.Optional(NullableString({ maxLength: 200 })),
  confirmed_on: Type.Optional(NullableDate),
});
const ConfirmationBody = Closed({ confirmed_on: DateString });
const CompensationBody = Closed({
  type: StringEnum(COMPENSATION_TYPES),
  month: Type.String({ pattern: '^\\d{4}-\\d{2}$' }),
  amount_eur: Type.Number({ exclusiveMinimum: 0, maximum: 100_000 }),
  document_ref: Text,
  attached_by: StringEnum(['coordinator', 'accountant'] as const),
});
const AttestationBody = Closed({
  obtained_on: DateString,
  valid_from: DateString,
  valid_to: DateString,
  document_ref: Text,
});
const OrderBody = Closed({
  valid_from: DateString,
  valid_to: DateString,
  procedure_ref: Text,
  pupil_ids: Type.Array(Id, { minItems: 1, maxItems: 2000 }),
  pedagogues: Type.Array(Closed({ name: Type.String({ minLength: 1, maxLength: 200 }), subject: Text }), {
    minItems: 1,
    maxItems: 500,
  }),
  platform: Text,
  confirmation_method: Text,
  coordinator_informed: Type.Boolean(),
});
/** A laptop's fields that change as it is issued and returned. */
const LAPTOP = {
  pupil_id: Type.Optional(NullableString({ maxLength: MAX_ID_LENGTH })),
  issued_on: Type.Optional(NullableDate),
  returned_on: Type.Optional(NullableDate),
  condition: Type.Optional(Type.String({ maxLength: 200 })),
};
const NewLaptopBody = Closed({
  serial: Type.String({ minLength: 1, maxLength: 100 }),
  model: Text,
  ...LAPTOP,
});
const LaptopBody = AllOptional(LAPTOP);
const TemplateQuery = AllOptional({
  lang: Type.Optional(StringEnum(['lv', 'en'] as const satisfies readonly TemplateLanguage[])),
  format: Type.Optional(StringEnum(['csv', 'xlsx'] as const satisfies readonly ImportFormat[])),
});
const ImportQuery = AllOptional({ dry_run: Type.Optional(Type.Boolean()) });
/** A semester report's semester, format and language. */
const ReportQuery = AllOptional({
  semester: Type.Optional(Type.String({ maxLength: 20 })),
  format: Type.Optional(StringEnum(['xlsx'] as const)),
  lang: Type.Optional(StringEnum(['lv', 'en'] as const)),
});
type ReportQuery = Static<typeof ReportQuery>;

const actorOf = (request: FastifyRequest): SupportActor => ({
  principal: request.principal!,
  ip: request.ip,
});

/**
 * Pupil-support records (docs/pupil-support.md): pupils, plans and their
 * approval, consultations, compensations, attestations, directors' orders
 * and issued laptops. Every route is scoped to one school (`:id`); pupils'
 * names and personal codes leave only through the identity and
 * subject-access routes, to that school's coordinator and director, and
 * every such read is audited. A rule violation answers 422 with each
 * violation's code and text.
 */
export const supportPlugin: FastifyPluginAsyncTypebox = async (app) => {
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

  app.put(
    `${base}/founder`,
    {
      config: school(['admin']),
      schema: {
        params: IdParams,
        body: FounderBody,
      },
    },
    async (request) => {
      await support.setFounder(request.params.id, request.body.founder);
      return { school_id: request.params.id, founder: request.body.founder };
    },
  );

  app.get(
    `${base}/pupils`,
    { config: school(SCHOOL_STAFF), schema: { params: IdParams } },
    async (request) => ({
      pupils: await support.listPupils(request.params.id),
    }),
  );

  app.post(
    `${base}/pupils`,
    {
      config: school(COORDINATOR),
      schema: {
        params: IdParams,
        body: NewPupilBody,
      },
    },
    async (request, reply) => {
      const { pupil, created } = await support.addPupil(request.params.id, request.body);
      return reply.code(created ? 201 : 200).send(pupil);
    },
  );

  app.get(
    `${base}/pupils/:pupil_id/identity`,
    { config: school(SCHOOL_STAFF), schema: { params: PupilParams } },
    async (request, reply) => {
      const identity = await support.readIdentity(
        actorOf(request),
        request.params.id,
        request.params.pupil_id,
      );
      // Nothing on the way keeps a copy.
      return reply.header('cache-control', 'no-store').send(identity);
    },
  );

  app.get(
    `${base}/pupils/:pupil_id/export`,
    { config: school(SCHOOL_STAFF), schema: { params: PupilParams } },
    async (request, reply) => {
      const held = await support.exportPupil(actorOf(request), request.params.id, request.params.pupil_id);
      return reply.header('cache-control', 'no-store').send(held);
    },
  );

  app.delete(
    `${base}/pupils/:pupil_id`,
    { config: school(SCHOOL_STAFF), schema: { params: PupilParams } },
    async (request, reply) => {
      await support.erasePupil(actorOf(request), request.params.id, request.params.pupil_id);
      return reply.code(204).send();
    },
  );

  app.get(
    `${base}/plans`,
    { config: school(PLAN_READERS), schema: { params: IdParams } },
    async (request) => ({
      plans: await support.listPlans(actorOf(request), request.params.id),
    }),
  );

  app.post(
    `${base}/plans`,
    {
      config: school(COORDINATOR),
      schema: {
        params: IdParams,
        body: NewPlanBody,
      },
    },
    async (request, reply) =>
      reply.code(201).send(await support.createPlan(actorOf(request), request.params.id, request.body)),
  );

  app.get(
    `${base}/plans/:plan_id`,
    { config: school(PLAN_READERS), schema: { params: PlanParams } },
    async (request) => support.getPlan(actorOf(request), request.params.id, request.params.plan_id),
  );

  app.put(
    `${base}/plans/:plan_id`,
    { config: school(COORDINATOR), schema: { params: PlanParams, body: PlanContentBody } },
    async (request) =>
      support.updatePlanContent(actorOf(request), request.params.id, request.params.plan_id, request.body),
  );

  app.delete(
    `${base}/plans/:plan_id`,
    { config: school(COORDINATOR), schema: { params: PlanParams } },
    async (request, reply) => {
      await support.deletePlan(actorOf(request), request.params.id, request.params.plan_id);
      return reply.code(204).send();
    },
  );

  app.post(
    `${base}/plans/:plan_id/status`,
    {
      config: school(SCHOOL_STAFF),
      schema: {
        params: PlanParams,
        body: StatusBody,
      },
    },
    async (request) =>
      support.changeStatus(
        actorOf(request),
        request.params.id,
        request.params.plan_id,
        request.body.status,
        request.body.reason,
      ),
  );

  app.post(
    `${base}/plans/:plan_id/approvals`,
    { config: school(APPROVERS), schema: { params: PlanParams } },
    async (request) => support.approve(actorOf(request), request.params.id, request.params.plan_id),
  );

  app.put(
    `${base}/plans/:plan_id/agreement`,
    {
      config: school(COORDINATOR),
      schema: { params: PlanParams, body: AgreementBody },
    },
    async (request) =>
      support.setAgreement(
        actorOf(request),
        request.params.id,
        request.params.plan_id,
        request.body.agreement_on,
      ),
  );

  app.post(
    `${base}/plans/:plan_id/consultations`,
    {
      config: school(COORDINATOR),
      schema: {
        params: PlanParams,
        body: ConsultationBody,
      },
    },
    async (request, reply) => {
      const b = request.body;
      const plan = await support.addConsultation(
        actorOf(request),
        request.params.id,
        request.params.plan_id,
        {
          type: b.type,
          date: b.date,
          duration_min: b.duration_min,
          pedagogue: b.pedagogue,
          remote: b.remote,
          form_ref: b.form_ref ?? null,
          confirmed_on: b.confirmed_on ?? null,
        },
      );
      return reply.code(201).send(plan);
    },
  );

  app.put(
    `${base}/plans/:plan_id/consultations/:consultation_id/confirmation`,
    {
      config: school(COORDINATOR),
      schema: {
        params: ConsultationParams,
        body: ConfirmationBody,
      },
    },
    async (request) =>
      support.confirmConsultation(
        actorOf(request),
        request.params.id,
        request.params.plan_id,
        request.params.consultation_id,
        request.body.confirmed_on,
      ),
  );

  app.post(
    `${base}/plans/:plan_id/compensations`,
    {
      config: school(COORDINATOR),
      schema: {
        params: PlanParams,
        body: CompensationBody,
      },
    },
    async (request, reply) => {
      const { amount_eur, ...rest } = request.body;
      const cents = Math.round(amount_eur * 100);
      // 12.345 EUR is not a sum anyone paid: refuse rather than round money.
      const amount_cents = Math.abs(cents - amount_eur * 100) < 1e-6 ? cents : Number.NaN;
      const plan = await support.addCompensation(
        actorOf(request),
        request.params.id,
        request.params.plan_id,
        {
          ...rest,
          amount_cents,
        },
      );
      return reply.code(201).send(plan);
    },
  );

  app.get(
    `${base}/attestations`,
    { config: school(SCHOOL_STAFF), schema: { params: IdParams } },
    async (request) => ({
      attestations: await support.listAttestations(request.params.id),
    }),
  );

  app.post(
    `${base}/attestations`,
    {
      config: school(COORDINATOR),
      schema: {
        params: IdParams,
        body: AttestationBody,
      },
    },
    async (request, reply) =>
      reply.code(201).send(await support.addAttestation(request.params.id, request.body)),
  );

  app.get(
    `${base}/orders`,
    { config: school(SCHOOL_STAFF), schema: { params: IdParams } },
    async (request) => ({
      orders: await support.listOrders(request.params.id),
    }),
  );

  app.post(
    `${base}/orders`,
    {
      config: school(SCHOOL_STAFF),
      schema: {
        params: IdParams,
        body: OrderBody,
      },
    },
    async (request, reply) => reply.code(201).send(await support.addOrder(request.params.id, request.body)),
  );

  app.get(
    `${base}/laptops`,
    { config: school(SCHOOL_STAFF), schema: { params: IdParams } },
    async (request) => ({
      laptops: await support.listLaptops(request.params.id),
    }),
  );

  app.post(
    `${base}/laptops`,
    {
      config: school(COORDINATOR),
      schema: {
        params: IdParams,
        body: NewLaptopBody,
      },
    },
    async (request, reply) => {
      const b = request.body;
      const { laptop, created } = await support.addLaptop(request.params.id, {
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

  app.put(
    `${base}/laptops/:laptop_id`,
    { config: school(COORDINATOR), schema: { params: LaptopParams, body: LaptopBody } },
    async (request) => support.updateLaptop(request.params.id, request.params.laptop_id, request.body),
  );

  const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
  // Import files arrive as they are saved: CSV text or an XLSX workbook, read whole.
  app.addContentTypeParser(
    ['text/csv', XLSX_TYPE, 'application/octet-stream'],
    { parseAs: 'buffer', bodyLimit: MAX_IMPORT_BYTES },
    (_request, payload, done) => done(null, payload),
  );

  app.get(
    '/api/v1/support/import-template',
    {
      config: { access: { roles: COORDINATOR } },
      schema: {
        querystring: TemplateQuery,
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

  app.post(
    `${base}/import`,
    {
      config: school(COORDINATOR),
      bodyLimit: MAX_IMPORT_BYTES,
      schema: { params: IdParams, querystring: ImportQuery },
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
        request.params.id,
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

  app.get(
    `${base}/report`,
    { config: school(SCHOOL_REPORT_READERS), schema: { params: IdParams, querystring: ReportQuery } },
    async (request, reply) => {
      const semester = semesterFrom(request.query);
      const row = await app.store.getSchool(request.params.id);
      if (!row) throw new SkolnetError(ErrorCodes.API_NOT_FOUND, 'no such school');
      const report = await supportReport(app.store, semester, app.config.now(), row.id);
      return sendReport(reply, request.query, semester, report, { id: row.id, name: row.name });
    },
  );

  app.get(
    '/api/v1/support/report',
    { config: { access: { roles: NATIONAL_REPORT_READERS } }, schema: { querystring: ReportQuery } },
    async (request, reply) => {
      const semester = semesterFrom(request.query);
      const report = await supportReport(app.store, semester, app.config.now());
      return sendReport(reply, request.query, semester, report);
    },
  );
};
