import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCodes, SkolnetError } from '@skolnet/shared';
import type { Role } from '../auth/roles.js';
import { supportReportHtml } from '../export/support-report-html.js';
import { handleError } from '../plugins/error-handler.js';
import { createChromiumPdfRenderer, type PdfRenderer } from '../runtime/report-pdf.js';
import { supportNationalView } from '../services/support-national-service.js';
import { supportReport } from '../services/support-report-service.js';
import { SupportRuleError, createSupportService, type SupportActor } from '../services/support-service.js';
import { parseSemester, semesterOf, type Semester } from '../support/support-rules.js';
import { IdParams, MAX_ID_LENGTH, StringEnum } from './schemas.js';

/** Options of {@link supportNationalPlugin}. */
export interface SupportNationalPluginOptions {
  /** Prints the report's PDF; default headless Chromium, as the acceptance report's. */
  pdf?: PdfRenderer;
}

/** Who approves, each at their step of the chain, and so who has a queue and may send a plan back. */
const APPROVERS: Role[] = ['director', 'municipal_coordinator', 'ikvd'];
/** IKVD's national view: supervision, read-only except approval. */
const NATIONAL_VIEW: Role[] = ['ikvd'];
/** Who receives a school's semester report (exact counts): its coordinator and director, and IKVD. */
const SCHOOL_REPORT_READERS: Role[] = ['support_coordinator', 'director', 'ikvd'];
/** Who receives the national semester report (suppressed aggregates only): IKVD and planners. */
const NATIONAL_REPORT_READERS: Role[] = ['ikvd', 'planner'];

/** A plan of a school: `:id` the school, `:plan_id` the plan. */
const PlanParams = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH }),
    plan_id: Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH }),
  },
  { additionalProperties: false },
);
/** A semester's code, like 2025/2026-1; default the current one. */
const SemesterQuery = Type.Object(
  { semester: Type.Optional(Type.String({ maxLength: 20 })) },
  { additionalProperties: false },
);
/** A report's semester and language. */
const ReportQuery = Type.Object(
  {
    semester: Type.Optional(Type.String({ maxLength: 20 })),
    lang: Type.Optional(StringEnum(['lv', 'en'] as const)),
  },
  { additionalProperties: false },
);
type ReportQuery = Static<typeof ReportQuery>;
/** A return's reason. */
const ReturnBody = Type.Object({ reason: Type.String({ maxLength: 2000 }) }, { additionalProperties: false });

const actorOf = (request: FastifyRequest): SupportActor => ({
  principal: request.principal!,
  ip: request.ip,
});

/**
 * The national and municipal side of pupil support (docs/pupil-support.md):
 * each approver's queue, held on the server, and sending a plan back with
 * a reason; IKVD's national view of a semester's counts per municipality
 * and school, suppressed as the aggregates are; the semester report as a
 * PDF per school and national, printed by headless Chromium from the
 * report's HTML. No route here answers a pupil's name, personal code or
 * pseudonym.
 */
export const supportNationalPlugin: FastifyPluginAsyncTypebox<SupportNationalPluginOptions> = (
  app,
  options,
) => {
  const pdf = options.pdf ?? createChromiumPdfRenderer();
  // Approvals and returns read and write plans only, never a pupil's identity: no keys needed.
  const support = createSupportService({
    store: app.store,
    keys: () => undefined,
    config: app.config.support,
    now: () => app.config.now(),
    changes: app.services.changes,
  });

  app.setErrorHandler((error, request, reply: FastifyReply) => {
    if (error instanceof SupportRuleError) {
      request.log.info(
        { code: error.code, violations: error.violations.map((v) => v.code) },
        'support rules refused',
      );
      return reply.code(422).send({ code: error.code, message: error.message, violations: error.violations });
    }
    return handleError(error, request, reply);
  });

  const semesterFrom = (code: string | undefined): Semester => {
    if (code === undefined) return semesterOf(app.config.now().toISOString().slice(0, 10));
    const semester = parseSemester(code);
    if (!semester) {
      throw new SkolnetError(
        ErrorCodes.API_BAD_REQUEST,
        'semester must be a school year and its half, like 2025/2026-1 (September to December) or 2025/2026-2',
      );
    }
    return semester;
  };

  app.get('/api/v1/support/queue', { config: { access: { roles: APPROVERS } } }, async (request) => {
    const plans = await support.approvalQueue(actorOf(request));
    const names = new Map((await app.store.listSchools()).map((s) => [s.id, s.name]));
    return { plans: plans.map((p) => ({ ...p, school_name: names.get(p.school_id) ?? p.school_id })) };
  });

  app.post(
    '/api/v1/support/schools/:id/plans/:plan_id/return',
    {
      config: { access: { roles: APPROVERS, target: 'school' } },
      schema: { params: PlanParams, body: ReturnBody },
    },
    async (request) =>
      support.returnPlan(actorOf(request), request.params.id, request.params.plan_id, request.body.reason),
  );

  app.get(
    '/api/v1/support/national',
    { config: { access: { roles: NATIONAL_VIEW } }, schema: { querystring: SemesterQuery } },
    async (request) => supportNationalView(app.store, semesterFrom(request.query.semester), app.config.now()),
  );

  const sendPdf = async (
    reply: FastifyReply,
    query: ReportQuery,
    semester: Semester,
    school?: { id: string; name: string },
  ) => {
    const lang = query.lang ?? 'lv';
    const now = app.config.now();
    const report = await supportReport(app.store, semester, now, school?.id);
    const html = supportReportHtml(report, { lang, semester: semester.code, school: school?.name, now });
    let file: Buffer;
    try {
      file = await pdf(html);
    } catch (err) {
      // The printer's own message points at the acceptance report's HTML; this report has its XLSX.
      if (err instanceof SkolnetError && err.code === ErrorCodes.REPORT_PDF_UNAVAILABLE) {
        throw new SkolnetError(
          ErrorCodes.REPORT_PDF_UNAVAILABLE,
          `${err.message.split(';')[0]}; the report in XLSX works without it (format=xlsx)`,
          { cause: err },
        );
      }
      throw err;
    }
    const name = `${lang === 'lv' ? 'atbalsta-parskats' : 'support-report'}-${school?.id ?? 'lv'}-${semester.code.replace('/', '-')}`;
    return reply
      .type('application/pdf')
      .header('content-disposition', `attachment; filename="${name}.pdf"`)
      .send(file);
  };

  app.get(
    '/api/v1/support/schools/:id/report.pdf',
    {
      config: { access: { roles: SCHOOL_REPORT_READERS, target: 'school' } },
      schema: { params: IdParams, querystring: ReportQuery },
    },
    async (request, reply) => {
      const semester = semesterFrom(request.query.semester);
      const row = await app.store.getSchool(request.params.id);
      if (!row) throw new SkolnetError(ErrorCodes.API_NOT_FOUND, 'no such school');
      return sendPdf(reply, request.query, semester, { id: row.id, name: row.name });
    },
  );

  app.get(
    '/api/v1/support/report.pdf',
    {
      config: { access: { roles: NATIONAL_REPORT_READERS } },
      schema: { querystring: ReportQuery },
    },
    async (request, reply) => sendPdf(reply, request.query, semesterFrom(request.query.semester)),
  );
  return Promise.resolve();
};
