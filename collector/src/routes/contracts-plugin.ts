import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ErrorCodes, SkolnetError } from '@skolnet/shared';
import { parseCsv } from '../acceptance/contract.js';
import { REPORT_STYLE, type ReportLang } from '../acceptance/report-html.js';
import type { AcceptanceThresholds } from '../acceptance/verdict.js';
import { createChromiumPdfRenderer, type PdfRenderer } from '../runtime/report-pdf.js';
import {
  REPORT_KEY_PATH,
  ephemeralReportKey,
  loadOrCreateReportKey,
  type ReportKey,
} from '../security/report-key.js';
import {
  ContractRejected,
  createAcceptanceService,
  type AcceptanceService,
} from '../services/acceptance-service.js';
import { readContractWorkbook } from '../services/contract-xlsx.js';
import { IdParams, StringEnum } from './schemas.js';
import type { AgentConfigChange } from '../storage/store.js';
import type { ReportRow } from '../storage/acceptance-store.js';

/** Media type of an .xlsx workbook (ECMA-376). */
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
/** Largest contract import, in bytes: 10,000 contracts of about 200 bytes each, with room. */
const IMPORT_BODY_LIMIT = 8 * 1024 * 1024;
/** How often running campaigns are checked for their end, in ms. */
const ADVANCE_INTERVAL_MS = 60_000;

/** Options of {@link contractsPlugin}. */
export interface ContractsPluginOptions {
  /** Directory of the report-signing key; without it a key lives in memory only (tests). */
  keyDir?: string;
  /** Prints PDFs; default headless Chromium. */
  pdf?: PdfRenderer;
  /** The verdict's thresholds; default the FCC-based ones of acceptance/verdict.ts (docs/acceptance.md). */
  thresholds?: AcceptanceThresholds;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Vendor acceptance: contracts, campaigns, reports (contractsPlugin). */
    acceptance: AcceptanceService;
  }
}

const LangQuery = Type.Object(
  {
    lang: Type.Optional(StringEnum(['lv', 'en'] as const satisfies readonly ReportLang[])),
    format: Type.Optional(StringEnum(['html', 'pdf'])),
  },
  { additionalProperties: false },
);
/**
 * A contract as a planner enters it: an object of at most 40 keys here;
 * the acceptance service checks it field by field and names every problem.
 */
const ContractBody = Type.Unsafe<Record<string, unknown>>({ type: 'object', maxProperties: 40 });

const PLANNERS = ['admin', 'planner'] as const;
const READERS = ['admin', 'planner', 'vendor'] as const;
const COMPLETERS = ['admin', 'vendor'] as const;

/**
 * Vendor acceptance (docs/acceptance.md): contracts entered by planners
 * or imported from CSV/XLSX; a vendor marks its contract complete, which
 * starts the acceptance campaign and pushes its configuration to the
 * school's agents; the campaign's progress; the signed report (HTML,
 * PDF, detached signature), its raw measurements as CSV, a re-test; the
 * public key reports are signed with. A vendor sees only its own
 * contracts (scope `contract` and `campaign` in auth/roles.ts).
 */
export const contractsPlugin: FastifyPluginAsyncTypebox<ContractsPluginOptions> = async (app, options) => {
  let key: ReportKey | undefined;
  const reportKey = (): ReportKey => {
    key ??= options.keyDir === undefined ? ephemeralReportKey() : loadOrCreateReportKey(options.keyDir);
    return key;
  };
  const push = (changes: AgentConfigChange[]): void => {
    for (const c of changes)
      app.connectedAgents.notify(c.agent_id, { type: 'config', version: c.version, config: c.config });
  };
  const acceptance = createAcceptanceService({
    store: app.store,
    now: () => app.config.now(),
    scoring: app.config.scoring,
    reportKey,
    pdf: options.pdf ?? createChromiumPdfRenderer(),
    push,
    liveAgents: () => app.connectedAgents.list(),
    ...(options.thresholds === undefined ? {} : { thresholds: options.thresholds }),
  });
  app.decorate('acceptance', acceptance);

  // Campaigns end by the clock, not by a request: look every minute.
  const timer = setInterval(() => {
    acceptance
      .advance()
      .catch((err: unknown) => app.log.error({ err }, 'acceptance: advancing campaigns failed'));
  }, ADVANCE_INTERVAL_MS);
  timer.unref();
  app.addHook('onClose', (_instance, done) => {
    clearInterval(timer);
    done();
  });

  app.addContentTypeParser(
    'text/csv',
    { parseAs: 'string', bodyLimit: IMPORT_BODY_LIMIT },
    (_req, body, done) => done(null, body),
  );
  app.addContentTypeParser(
    XLSX_TYPE,
    { parseAs: 'buffer', bodyLimit: IMPORT_BODY_LIMIT },
    (_req, body, done) => done(null, body),
  );

  const rejected = (reply: FastifyReply, err: unknown): unknown => {
    if (err instanceof ContractRejected) {
      return reply.code(400).send({ code: err.code, message: err.message, problems: err.problems });
    }
    throw err;
  };
  const actorOf = (p: { email: string } | null): string => p?.email ?? 'unknown';

  app.get(REPORT_KEY_PATH, { config: { access: 'public' } }, () => {
    const k = reportKey();
    return Promise.resolve({ algorithm: 'Ed25519', key_id: k.keyId, public_key_pem: k.publicPem });
  });

  app.get('/api/v1/contracts', { config: { access: { roles: READERS } } }, async (request) => ({
    contracts: await acceptance.listContracts(request.principal!),
  }));

  app.post(
    '/api/v1/contracts',
    {
      config: { access: { roles: PLANNERS } },
      schema: { body: ContractBody },
    },
    async (request, reply) => {
      try {
        const contract = await acceptance.createContract(request.body, actorOf(request.principal));
        return await reply.code(201).send(contract);
      } catch (err) {
        return rejected(reply, err);
      }
    },
  );

  app.post(
    '/api/v1/contracts/import',
    { config: { access: { roles: PLANNERS } }, bodyLimit: IMPORT_BODY_LIMIT },
    async (request, reply) => {
      const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim();
      let table: string[][];
      if (type === 'text/csv' && typeof request.body === 'string') table = parseCsv(request.body);
      else if (type === XLSX_TYPE && Buffer.isBuffer(request.body))
        table = await readContractWorkbook(request.body);
      else {
        throw new SkolnetError(
          ErrorCodes.API_BAD_REQUEST,
          `send the contracts as text/csv or as an .xlsx workbook (${XLSX_TYPE})`,
        );
      }
      try {
        const { imported, report } = await acceptance.importContracts(
          table,
          `import:${actorOf(request.principal)}`,
        );
        return await reply
          .code(201)
          .send({ imported: imported.length, contracts: imported, warnings: report.rows });
      } catch (err) {
        return rejected(reply, err);
      }
    },
  );

  app.get(
    '/api/v1/contracts/:id',
    { config: { access: { roles: READERS, target: 'contract' } }, schema: { params: IdParams } },
    async (request) => acceptance.contract(request.params.id),
  );

  app.post(
    '/api/v1/contracts/:id/complete',
    { config: { access: { roles: COMPLETERS, target: 'contract' } }, schema: { params: IdParams } },
    async (request, reply) => {
      const campaign = await acceptance.complete(request.params.id, actorOf(request.principal));
      request.log.info(
        { contract_id: request.params.id, campaign_id: campaign.id },
        'acceptance campaign started',
      );
      return reply.code(201).send(campaign);
    },
  );

  app.get(
    '/api/v1/campaigns/:id',
    { config: { access: { roles: READERS, target: 'campaign' } }, schema: { params: IdParams } },
    async (request) => acceptance.progress(request.params.id),
  );

  app.post(
    '/api/v1/campaigns/:id/retest',
    { config: { access: { roles: READERS, target: 'campaign' } }, schema: { params: IdParams } },
    async (request, reply) =>
      reply.code(201).send(await acceptance.retest(request.params.id, actorOf(request.principal))),
  );

  // The report's own style sheet is its only inline content; nothing else may load or run.
  const styleHash = createHash('sha256').update(REPORT_STYLE).digest('base64');
  const REPORT_CSP = `default-src 'none'; style-src 'sha256-${styleHash}'; img-src data:; frame-ancestors 'none'`;
  const filename = (row: ReportRow, ext: string): string =>
    `skolnet-acceptance-${row.campaign_id}-${row.lang}.${ext}`;

  app.get(
    '/api/v1/campaigns/:id/report',
    {
      config: { access: { roles: READERS, target: 'campaign' } },
      schema: { params: IdParams, querystring: LangQuery },
    },
    async (request, reply) => {
      const row = await acceptance.reportHtml(request.params.id, request.query.lang ?? 'lv');
      return reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', REPORT_CSP)
        .header('content-disposition', `inline; filename="${filename(row, 'html')}"`)
        .send(row.body);
    },
  );

  app.get(
    '/api/v1/campaigns/:id/report.pdf',
    {
      config: { access: { roles: READERS, target: 'campaign' } },
      schema: { params: IdParams, querystring: LangQuery },
    },
    async (request, reply) => {
      const row = await acceptance.reportPdf(request.params.id, request.query.lang ?? 'lv');
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="${filename(row, 'pdf')}"`)
        .send(Buffer.from(row.body, 'base64'));
    },
  );

  app.get(
    '/api/v1/campaigns/:id/report.sig',
    {
      config: { access: { roles: READERS, target: 'campaign' } },
      schema: { params: IdParams, querystring: LangQuery },
    },
    async (request, reply) => {
      const lang = request.query.lang ?? 'lv';
      const row =
        request.query.format === 'pdf'
          ? await acceptance.reportPdf(request.params.id, lang)
          : await acceptance.reportHtml(request.params.id, lang);
      return reply
        .header('content-disposition', `attachment; filename="${filename(row, `${row.format}.sig`)}"`)
        .send({ alg: 'ed25519', key_id: row.key_id, signature: row.signature });
    },
  );

  app.get(
    '/api/v1/campaigns/:id/measurements.csv',
    { config: { access: { roles: READERS, target: 'campaign' } }, schema: { params: IdParams } },
    async (request, reply) =>
      reply
        .type('text/csv; charset=utf-8')
        .header(
          'content-disposition',
          `attachment; filename="skolnet-acceptance-${request.params.id}-measurements.csv"`,
        )
        .send(await acceptance.measurementsCsv(request.params.id)),
  );
  return Promise.resolve();
};
