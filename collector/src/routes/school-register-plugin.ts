import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { ErrorCodes, SchoolType, SkolnetError } from '@skolnet/shared';
import type { Actor } from '../auth/account-service.js';
import type { SchoolRegisterPatch } from '../storage/school-register-store.js';

const SchoolParams = {
  type: 'object',
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
  required: ['id'],
  additionalProperties: false,
} as const;
interface SchoolParams {
  id: string;
}

const nullable = <T extends object>(schema: T) => ({ anyOf: [schema, { type: 'null' }] });

/** `PATCH /api/v1/schools/:id`: any of the register's fields; null clears an optional one. */
const SchoolPatch = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200, format: 'plain-text' },
    municipality: { type: 'string', minLength: 1, maxLength: 100, format: 'plain-text' },
    pupils: { type: 'integer', minimum: 0, maximum: 100_000 },
    registration_number: nullable({ type: 'string', minLength: 1, maxLength: 32, format: 'plain-text' }),
    address: nullable({ type: 'string', minLength: 1, maxLength: 300, format: 'plain-text' }),
    lat: nullable({ type: 'number' }),
    lon: nullable({ type: 'number' }),
    school_type: nullable(SchoolType),
  },
  additionalProperties: false,
  minProperties: 1,
} as const;

const ImportQuery = {
  type: 'object',
  properties: {
    dry_run: { type: 'boolean', description: 'check and report every row; write nothing (default true)' },
    file_name: {
      type: 'string',
      maxLength: 255,
      description: 'the upload’s file name, for the report and the audit',
    },
  },
  additionalProperties: false,
} as const;
interface ImportQuery {
  dry_run?: boolean;
  file_name?: string;
}

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
export const schoolRegisterPlugin: FastifyPluginAsync = async (app) => {
  // Raw bytes for the import; only this plugin's routes see these parsers.
  app.addContentTypeParser(
    FILE_TYPES,
    { parseAs: 'buffer', bodyLimit: MAX_REGISTER_FILE_BYTES },
    (_req, body, done) => done(null, body),
  );

  app.get('/api/v1/admin/schools', { config: { access: { roles: ['admin'] } } }, async () => ({
    schools: await app.store.listSchools(),
  }));

  app.patch<{ Params: SchoolParams; Body: SchoolRegisterPatch }>(
    '/api/v1/schools/:id',
    { config: { access: { roles: ['admin'] } }, schema: { params: SchoolParams, body: SchoolPatch } },
    async (request) => app.services.register.update(request.params.id, request.body, actorOf(request)),
  );

  app.post<{ Params: SchoolParams }>(
    '/api/v1/schools/:id/retire',
    { config: { access: { roles: ['admin'] } }, schema: { params: SchoolParams } },
    async (request) => app.services.register.retire(request.params.id, actorOf(request)),
  );

  app.post<{ Params: SchoolParams }>(
    '/api/v1/schools/:id/reinstate',
    { config: { access: { roles: ['admin'] } }, schema: { params: SchoolParams } },
    async (request) => app.services.register.reinstate(request.params.id, actorOf(request)),
  );

  app.post<{ Querystring: ImportQuery; Body: Buffer }>(
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
