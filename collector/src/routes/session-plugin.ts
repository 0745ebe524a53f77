import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ErrorCodes, SkolnetError, isSkolnetError } from '@skolnet/shared';
import { MAX_PASSWORD_CHARS, publicUser, type StartedSession } from '../auth/account-service.js';
import {
  OIDC_STATE_COOKIE,
  clearSessionCookie,
  cookiesAreSecure,
  readCookies,
  setCookie,
  setSessionCookie,
} from '../auth/cookies.js';
import { OIDC_FLOW_TTL_MS, OidcSignIn } from '../auth/oidc.js';
import type { SignInError } from '../auth/sign-in-page.js';
import { sameOrigin } from '../plugins/auth-plugin.js';

/** Path of the sign-in page (served by the dashboard plugin: the web application's, or a plain form without it). */
export const SIGN_IN_PATH = '/sign-in';
/** Path where the identity provider sends the browser back. */
export const OIDC_CALLBACK_PATH = '/api/v1/session/oidc/callback';

const SignInBody = Type.Object(
  {
    email: Type.String({ minLength: 1, maxLength: 320 }),
    password: Type.String({ minLength: 1, maxLength: MAX_PASSWORD_CHARS * 4 }),
  },
  { additionalProperties: false },
);

const ResetBody = Type.Object(
  {
    email: Type.String({ minLength: 1, maxLength: 320 }),
    code: Type.String({ minLength: 1, maxLength: 200 }),
    password: Type.String({ minLength: 1, maxLength: MAX_PASSWORD_CHARS * 4 }),
  },
  { additionalProperties: false },
);

const isForm = (request: FastifyRequest): boolean =>
  (request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');

function errorKind(err: unknown): SignInError {
  if (isSkolnetError(err, ErrorCodes.AUTH_LOCKED)) return 'locked';
  if (isSkolnetError(err, ErrorCodes.API_RATE_LIMITED)) return 'rate';
  if (isSkolnetError(err, ErrorCodes.AUTH_CSRF)) return 'csrf';
  return 'credentials';
}

/**
 * Signing in and out: `POST /api/v1/session` (JSON for
 * scripts and the web pages, or the page's form), `GET` and `DELETE` of
 * the current session, OpenID Connect sign-in when configured, and
 * password reset with a one-time code an administrator issued.
 */
export const sessionPlugin: FastifyPluginAsyncTypebox = async (app) => {
  const auth = app.config.auth;
  const oidc = auth.oidc === undefined ? undefined : new OidcSignIn(auth.oidc, app.config.now);

  // The sign-in page's form posts urlencoded; this parser exists in this plugin only.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    },
  );

  const began = (request: FastifyRequest, reply: FastifyReply, started: StartedSession): void => {
    const secure = cookiesAreSecure(request, auth);
    setSessionCookie(reply, started.secret, auth.sessionAbsoluteMs / 1000, secure);
  };

  app.post(
    '/api/v1/session',
    {
      config: { access: 'public', limit: 'sign_in' },
      schema: { body: SignInBody },
      // The form gets the page back with the reason, not a JSON error.
      errorHandler: (err, request, reply) => {
        if (!isForm(request)) throw err;
        void reply.redirect(`${SIGN_IN_PATH}?error=${errorKind(err)}`, 303);
      },
    },
    async (request, reply) => {
      // Login CSRF: another site must not sign a browser into an account of its choosing.
      if (!sameOrigin(request))
        throw new SkolnetError(ErrorCodes.AUTH_CSRF, 'the request comes from another site');
      const started = await app.accounts.signInWithPassword(
        request.body.email,
        request.body.password,
        request.ip,
      );
      began(request, reply, started);
      if (isForm(request)) return reply.redirect('/', 303);
      return reply.code(201).send({
        user: publicUser(started.user),
        csrf_token: started.session.csrf_token,
        expires_at: started.session.expires_at,
      });
    },
  );

  app.get('/api/v1/session', { config: { access: 'signed_in' } }, async (request) => {
    const user = await app.accounts.findUser(request.principal!.user_id);
    const session = request.session?.session;
    return {
      user: publicUser(user),
      credential: request.principal!.credential,
      ...(session === undefined
        ? {}
        : {
            csrf_token: session.csrf_token,
            expires_at: session.expires_at,
            idle_expires_at: new Date(Date.parse(session.last_seen_at) + auth.sessionIdleMs).toISOString(),
          }),
    };
  });

  app.delete('/api/v1/session', { config: { access: 'signed_in' } }, async (request, reply) => {
    if (request.session === null) {
      throw new SkolnetError(
        ErrorCodes.API_BAD_REQUEST,
        'an API token has no session to end: revoke the token instead',
      );
    }
    await app.accounts.signOut(request.session, request.ip);
    clearSessionCookie(reply, cookiesAreSecure(request, auth));
    return reply.code(204).send();
  });

  app.post(
    '/api/v1/password-reset',
    { config: { access: 'public', limit: 'password_reset' }, schema: { body: ResetBody } },
    async (request, reply) => {
      if (!sameOrigin(request))
        throw new SkolnetError(ErrorCodes.AUTH_CSRF, 'the request comes from another site');
      await app.accounts.resetPassword(
        request.body.email,
        request.body.code,
        request.body.password,
        request.ip,
      );
      return reply.code(204).send();
    },
  );

  const requireOidc = (): OidcSignIn => {
    if (oidc === undefined) {
      throw new SkolnetError(ErrorCodes.API_NOT_FOUND, 'OpenID Connect sign-in is not configured');
    }
    return oidc;
  };
  const ownUrl = (request: FastifyRequest, path: string): string =>
    `${request.protocol}://${request.host}${path}`;
  const oidcCookie = (request: FastifyRequest, reply: FastifyReply, value: string, maxAgeS: number): void =>
    // Lax: the provider's redirect back is a top-level navigation from its site.
    setCookie(reply, OIDC_STATE_COOKIE, value, {
      maxAgeS,
      secure: cookiesAreSecure(request, auth),
      sameSite: 'Lax',
      path: '/api/v1/session/oidc',
    });

  app.get(
    '/api/v1/session/oidc',
    { config: { access: 'public', limit: 'sign_in' } },
    async (request, reply) => {
      const started = await requireOidc().start(ownUrl(request, OIDC_CALLBACK_PATH));
      oidcCookie(request, reply, started.state, OIDC_FLOW_TTL_MS / 1000);
      return reply.redirect(started.url.href, 302);
    },
  );

  app.get(OIDC_CALLBACK_PATH, { config: { access: 'public', limit: 'sign_in' } }, async (request, reply) => {
    const flow = requireOidc();
    const bound = readCookies(request).get(OIDC_STATE_COOKIE);
    oidcCookie(request, reply, '', 0);
    let started: StartedSession;
    try {
      const user = await flow.finish(new URL(request.url, ownUrl(request, '/')), bound, app.accounts.store);
      if (user.disabled_at !== null)
        throw new SkolnetError(ErrorCodes.AUTH_UNAUTHORIZED, 'the account is disabled');
      started = await app.accounts.startSession(user, 'oidc', request.ip);
    } catch (err) {
      await app.accounts.audit({ label: 'anonymous', ip: request.ip }, 'sign_in_failed', null, {
        method: 'oidc',
        reason: err instanceof Error ? err.message : String(err),
      });
      return reply.redirect(`${SIGN_IN_PATH}?error=oidc`, 303);
    }
    began(request, reply, started);
    return reply.redirect('/', 303);
  });
  return Promise.resolve();
};
