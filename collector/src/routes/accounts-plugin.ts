import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { ErrorCodes, SkolnetError } from '@skolnet/shared';
import { publicToken, publicUser, type Actor } from '../auth/account-service.js';
import { ROLES, type Role } from '../auth/roles.js';

const IdParams = {
  type: 'object',
  properties: { id: { type: 'string', minLength: 1, maxLength: 320 } },
  required: ['id'],
  additionalProperties: false,
} as const;
interface IdParams {
  id: string;
}

const scopeProperties = {
  school_id: { type: ['string', 'null'], maxLength: 64 },
  municipality: { type: ['string', 'null'], maxLength: 200 },
  vendor: { type: ['string', 'null'], maxLength: 200 },
} as const;

const NewUserBody = {
  type: 'object',
  properties: {
    email: { type: 'string', minLength: 3, maxLength: 320 },
    role: { type: 'string', enum: [...ROLES] },
    display_name: { type: 'string', maxLength: 200 },
    password: { type: 'string', maxLength: 1024 },
    ...scopeProperties,
  },
  required: ['email', 'role'],
  additionalProperties: false,
} as const;
interface ScopeBody {
  school_id?: string | null;
  municipality?: string | null;
  vendor?: string | null;
}
interface NewUserBody extends ScopeBody {
  email: string;
  role: Role;
  display_name?: string;
  password?: string;
}

const UserPatchBody = {
  type: 'object',
  properties: {
    role: { type: 'string', enum: [...ROLES] },
    disabled: { type: 'boolean' },
    ...scopeProperties,
  },
  additionalProperties: false,
} as const;
interface UserPatchBody extends ScopeBody {
  role?: Role;
  disabled?: boolean;
}

/** Longest an API token may live when a lifetime is asked for, in days (about two years). */
const MAX_TOKEN_TTL_DAYS = 730;
const NewTokenBody = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 100 },
    ttl_days: { type: 'integer', minimum: 1, maximum: MAX_TOKEN_TTL_DAYS },
  },
  required: ['name'],
  additionalProperties: false,
} as const;
interface NewTokenBody {
  name: string;
  ttl_days?: number;
}

/** Most audit entries one request returns. */
const MAX_AUDIT_ENTRIES = 1_000;
const AuditQuery = {
  type: 'object',
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: MAX_AUDIT_ENTRIES },
    before: { type: 'string', maxLength: 64, description: 'an entry id: the page after it (`next_before`)' },
    action: { type: 'string', maxLength: 64 },
    actor: { type: 'string', maxLength: 320 },
    target: { type: 'string', maxLength: 320 },
    since: { type: 'string', format: 'date-time' },
    until: { type: 'string', format: 'date-time' },
  },
  additionalProperties: false,
} as const;
interface AuditQuery {
  limit?: number;
  before?: string;
  action?: string;
  actor?: string;
  target?: string;
  since?: string;
  until?: string;
}

function actorOf(request: FastifyRequest): Actor {
  return { user_id: request.principal!.user_id, label: request.principal!.email, ip: request.ip };
}

/**
 * Accounts (admins), a person's own API tokens, and the audit log (admins).
 * Role and scope changes, disabling, token creation and revocation are
 * audited by the account service.
 */
export const accountsPlugin: FastifyPluginAsync = async (app) => {
  app.get('/api/v1/users', { config: { access: { roles: ['admin'] } } }, async () => ({
    users: (await app.accounts.store.listUsers()).map(publicUser),
  }));

  app.post<{ Body: NewUserBody }>(
    '/api/v1/users',
    { config: { access: { roles: ['admin'] } }, schema: { body: NewUserBody } },
    async (request, reply) => {
      const { email, role, display_name, password, school_id, municipality, vendor } = request.body;
      const user = await app.accounts.createUser(
        {
          email,
          role,
          ...(display_name === undefined ? {} : { display_name }),
          ...(password === undefined ? {} : { password }),
          ...(school_id == null ? {} : { school_id }),
          ...(municipality == null ? {} : { municipality }),
          ...(vendor == null ? {} : { vendor }),
        },
        actorOf(request),
      );
      if (user.scope_school_id !== null && !(await app.store.getSchool(user.scope_school_id))) {
        request.log.warn({ user_id: user.id }, 'account scoped to a school that does not exist (yet)');
      }
      return reply.code(201).send(publicUser(user));
    },
  );

  app.patch<{ Params: IdParams; Body: UserPatchBody }>(
    '/api/v1/users/:id',
    { config: { access: { roles: ['admin'] } }, schema: { params: IdParams, body: UserPatchBody } },
    async (request) => {
      let user = await app.accounts.findUser(request.params.id);
      const { role, disabled, ...scope } = request.body;
      const scopeGiven = Object.keys(scope).length > 0;
      if (role !== undefined || scopeGiven) {
        user = await app.accounts.setRole(
          user.id,
          role ?? user.role,
          scopeGiven
            ? scope
            : {
                school_id: user.scope_school_id,
                municipality: user.scope_municipality,
                vendor: user.scope_vendor,
              },
          actorOf(request),
        );
      }
      if (disabled !== undefined) user = await app.accounts.setDisabled(user.id, disabled, actorOf(request));
      return publicUser(user);
    },
  );

  app.post<{ Params: IdParams }>(
    '/api/v1/users/:id/password-reset',
    { config: { access: { roles: ['admin'] } }, schema: { params: IdParams } },
    async (request, reply) => {
      const user = await app.accounts.findUser(request.params.id);
      return reply.code(201).send(await app.accounts.issuePasswordReset(user.id, actorOf(request)));
    },
  );

  app.get('/api/v1/tokens', { config: { access: 'signed_in' } }, async (request) => ({
    tokens: (await app.accounts.store.listUserTokens(request.principal!.user_id, 'api')).map(publicToken),
  }));

  app.post<{ Body: NewTokenBody }>(
    '/api/v1/tokens',
    { config: { access: 'signed_in' }, schema: { body: NewTokenBody } },
    async (request, reply) => {
      // A leaked token must not be able to mint more: only a signed-in person can.
      if (request.principal!.credential !== 'session') {
        throw new SkolnetError(
          ErrorCodes.AUTH_FORBIDDEN,
          'API tokens are created from a signed-in session or the CLI',
        );
      }
      const { token, row } = await app.accounts.createApiToken(
        request.principal!.user_id,
        request.body.name,
        actorOf(request),
        request.body.ttl_days === undefined ? undefined : request.body.ttl_days * 86_400_000,
      );
      return reply.code(201).send({ ...publicToken(row), token });
    },
  );

  app.delete<{ Params: IdParams }>(
    '/api/v1/tokens/:id',
    { config: { access: 'signed_in' }, schema: { params: IdParams } },
    async (request, reply) => {
      await app.accounts.revokeApiToken(request.params.id, actorOf(request), request.principal!.user_id);
      return reply.code(204).send();
    },
  );

  app.get<{ Querystring: AuditQuery }>(
    '/api/v1/audit',
    { config: { access: { roles: ['admin'] } }, schema: { querystring: AuditQuery } },
    async (request) => {
      const { limit = 100, ...filters } = request.query;
      const entries = await app.accounts.store.listAudit({ limit, ...filters });
      return {
        entries: entries.map((e) => ({ ...e, details: JSON.parse(e.details) as unknown })),
        // The cursor of the next page; null once a page comes back short.
        next_before: entries.length === limit ? (entries.at(-1)?.id ?? null) : null,
      };
    },
  );
  return Promise.resolve();
};
