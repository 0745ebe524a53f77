import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ErrorCodes, SchoolType, SkolnetError } from '@skolnet/shared';
import type { Actor } from '../auth/account-service.js';
import { IdParams, Nullable } from './schemas.js';

/** `PATCH /api/v1/schools/:id`: any of the register's fields; null clears an optional one. */
const SchoolPatch = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, format: 'plain-text' })),
    municipality: Type.Optional(Type.String({ minLength: 1, maxLength: 100, format: 'plain-text' })),
    pupils: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
    registration_number: Type.Optional(
      Nullable(Type.String({ minLength: 1, maxLength: 32, format: 'plain-text' })),
    ),
    address: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 300, format: 'plain-text' }))),
    lat: Type.Optional(Nullable(Type.Number())),
    lon: Type.Optional(Nullable(Type.Number())),
    school_type: Type.Optional(Nullable(SchoolType)),
  },
  { additionalProperties: false, minProperties: 1 },
);

const ImportQuery = Type.Object(
  {
    dry_run: Type.Optional(
      Type.Boolean({ description: 'check and report every row; write nothing (default true)' }),
    ),
    file_name: Type.Optional(
      Type.String({ maxLength: 255, description: 'the upload’s file name, for the report and the audit' }),
    ),
  },
  { additionalProperties: false },
);

/**
 * Largest register file accepted, bytes. Latvia's full register export is
 * about 2,000 rows, a few hundred kilobytes as CSV or XLSX; 8 MiB leaves
 * room for wide exports and refuses a runaway upload with 413 before
 * anything is parsed.
 */
export const MAX_REGISTER_FILE_BYTES = 8 * 1024 * 1024;

/** Upload types the import reads; the bytes decide CSV or XLSX, the type only lets them in. */
const FILE_TYPES = [
  'text/csv',
  'text/plain',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.ms-excel',
  'application/octet-stream',
];

function actorOf(request: FastifyRequest): Actor {
  return {
    user_id: request.principal?.user_id ?? null,
    label: request.principal?.email ?? 'anonymous',
    ip: request.ip,
  };
}

/**
 * The school register for admins (docs/school-register.md): every school
 * with retired ones, edits, retirement and the bulk import of the national
 * register's export with a dry run. Each write is audited by the service.
 */
export const schoolRegisterPlugin: FastifyPluginAsyncTypebox = async (app) => {
  // Raw bytes for the import; only this plugin's routes see these parsers.
  app.addContentTypeParser(
    FILE_TYPES,
    { parseAs: 'buffer', bodyLimit: MAX_REGISTER_FILE_BYTES },
    (_req, body, done) => done(null, body),
  );

  app.get('/api/v1/admin/schools', { config: { access: { roles: ['admin'] } } }, async () => ({
    schools: await app.store.listSchools(),
  }));

  app.patch(
    '/api/v1/schools/:id',
    { config: { access: { roles: ['admin'] } }, schema: { params: IdParams, body: SchoolPatch } },
    async (request) => app.services.register.update(request.params.id, request.body, actorOf(request)),
  );

  app.post(
    '/api/v1/schools/:id/retire',
    { config: { access: { roles: ['admin'] } }, schema: { params: IdParams } },
    async (request) => app.services.register.retire(request.params.id, actorOf(request)),
  );

  app.post(
    '/api/v1/schools/:id/reinstate',
    { config: { access: { roles: ['admin'] } }, schema: { params: IdParams } },
    async (request) => app.services.register.reinstate(request.params.id, actorOf(request)),
  );

  app.post(
    '/api/v1/schools/import',
    {
      config: { access: { roles: ['admin'] } },
      bodyLimit: MAX_REGISTER_FILE_BYTES,
      schema: { querystring: ImportQuery },
    },
    async (request, reply) => {
      if (!Buffer.isBuffer(request.body)) {
        throw new SkolnetError(
          ErrorCodes.API_BAD_REQUEST,
          `send the file itself as the body, with Content-Type text/csv or ${FILE_TYPES[2]}`,
        );
      }
      const dryRun = request.query.dry_run ?? true;
      const outcome = await app.services.register.importFile(
        request.body,
        { dryRun, ...(request.query.file_name === undefined ? {} : { fileName: request.query.file_name }) },
        actorOf(request),
      );
      request.log.info(
        { dry_run: dryRun, applied: outcome.applied, counts: outcome.counts },
        'school register import',
      );
      // A real import that found bad rows wrote nothing: 422 with the full report.
      return reply.code(!dryRun && !outcome.applied ? 422 : 200).send(outcome);
    },
  );
  return Promise.resolve();
};
