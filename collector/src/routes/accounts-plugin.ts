import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ErrorCodes, SkolnetError } from '@skolnet/shared';
import { publicToken, publicUser, type Actor } from '../auth/account-service.js';
import { ROLES } from '../auth/roles.js';
import { MAX_ID_LENGTH, NullableString, StringEnum } from './schemas.js';

/** A user's or a token's id in the path: up to an e-mail address's length (RFC 5321), characters. */
const AccountIdParams = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 320 }) },
  { additionalProperties: false },
);

const scopeProperties = {
  school_id: Type.Optional(NullableString({ maxLength: MAX_ID_LENGTH })),
  municipality: Type.Optional(NullableString({ maxLength: 200 })),
  vendor: Type.Optional(NullableString({ maxLength: 200 })),
};

const NewUserBody = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 320 }),
    role: StringEnum(ROLES),
    display_name: Type.Optional(Type.String({ maxLength: 200 })),
    password: Type.Optional(Type.String({ maxLength: 1024 })),
    ...scopeProperties,
  },
  { additionalProperties: false },
);

const UserPatchBody = Type.Object(
  {
    role: Type.Optional(StringEnum(ROLES)),
    disabled: Type.Optional(Type.Boolean()),
    ...scopeProperties,
  },
  { additionalProperties: false },
);

/** Longest an API token may live when a lifetime is asked for, in days (about two years). */
const MAX_TOKEN_TTL_DAYS = 730;
const NewTokenBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    ttl_days: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_TOKEN_TTL_DAYS })),
  },
  { additionalProperties: false },
);

/** Most audit entries one request returns. */
const MAX_AUDIT_ENTRIES = 1_000;
const AuditQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_AUDIT_ENTRIES })),
    before: Type.Optional(
      Type.String({ maxLength: 64, description: 'an entry id: the page after it (`next_before`)' }),
    ),
    action: Type.Optional(Type.String({ maxLength: 64 })),
    actor: Type.Optional(Type.String({ maxLength: 320 })),
    target: Type.Optional(Type.String({ maxLength: 320 })),
    since: Type.Optional(Type.String({ format: 'date-time' })),
    until: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);

function actorOf(request: FastifyRequest): Actor {
  return { user_id: request.principal!.user_id, label: request.principal!.email, ip: request.ip };
}

/**
 * Accounts (admins), a person's own API tokens, and the audit log (admins).
 * Role and scope changes, disabling, token creation and revocation are
 * audited by the account service.
 */
export const accountsPlugin: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/api/v1/users', { config: { access: { roles: ['admin'] } } }, async () => ({
    users: (await app.accounts.store.listUsers()).map(publicUser),
  }));

  app.post(
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

  app.patch(
    '/api/v1/users/:id',
    { config: { access: { roles: ['admin'] } }, schema: { params: AccountIdParams, body: UserPatchBody } },
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

  app.post(
    '/api/v1/users/:id/password-reset',
    { config: { access: { roles: ['admin'] } }, schema: { params: AccountIdParams } },
    async (request, reply) => {
      const user = await app.accounts.findUser(request.params.id);
      return reply.code(201).send(await app.accounts.issuePasswordReset(user.id, actorOf(request)));
    },
  );

  app.get('/api/v1/tokens', { config: { access: 'signed_in' } }, async (request) => ({
    tokens: (await app.accounts.store.listUserTokens(request.principal!.user_id, 'api')).map(publicToken),
  }));

  app.post(
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

  app.delete(
    '/api/v1/tokens/:id',
    { config: { access: 'signed_in' }, schema: { params: AccountIdParams } },
    async (request, reply) => {
      await app.accounts.revokeApiToken(request.params.id, actorOf(request), request.principal!.user_id);
      return reply.code(204).send();
    },
  );

  app.get(
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
