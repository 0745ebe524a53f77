import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { ErrorCodes } from '@skolnet/shared';
import { buildApp } from '../app.js';
import type { AuthConfigOverrides } from './auth-config.js';
import type { KyselyStore } from '../storage/kysely-store.js';
import { createTestAccount } from '../testing/accounts.js';
import { createTempStore } from '../testing/fixtures.js';

const START = new Date('2026-03-10T08:00:00.000Z');
const MINUTE_MS = 60_000;
const PASSWORD = 'correct horse battery staple';
const ORIGIN = 'http://localhost:80';

describe('people sign in through the HTTP API', () => {
  let app: FastifyInstance;
  let store: KyselyStore;
  let cleanup: () => Promise<void>;
  let now: Date;
  let schoolId: string;

  const build = (auth: AuthConfigOverrides = {}): FastifyInstance =>
    buildApp({ store, logger: false, dashboardAssets: false, config: { now: () => now, auth } });

  /** A fresh store with a school and a planner account, and an app with `auth` settings. */
  const setup = async (auth: AuthConfigOverrides = {}): Promise<void> => {
    now = START;
    ({ store, cleanup } = await createTempStore());
    schoolId = (
      await store.createSchool({ name: 'Cēsu pamatskola', municipality: 'Cēsu novads', pupils: 200 })
    ).id;
    app = build(auth);
    await app.ready();
    await app.accounts.createUser(
      { email: 'Planner@Skolnet.test', role: 'planner', password: PASSWORD },
      { label: 'test' },
    );
  };
  const teardown = async (): Promise<void> => {
    // The app closes its store.
    await app.close();
    await cleanup();
  };
  beforeEach(() => setup());
  afterEach(() => teardown());

  const advance = (ms: number): void => {
    now = new Date(now.getTime() + ms);
  };

  const signIn = (
    email: string,
    password: string,
    headers: Record<string, string> = {},
  ): Promise<LightMyRequestResponse> =>
    app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { email, password },
      headers: { host: 'localhost:80', ...headers },
    });

  /** The cookie pair (`name=value`) the answer set for the session. */
  const sessionCookie = (res: LightMyRequestResponse): string => {
    const set = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
    const line = set.find((l) => l.startsWith('skolnet_session='))!;
    return line.split(';')[0]!;
  };

  const session = async (): Promise<{ cookie: string; csrf: string }> => {
    const res = await signIn('planner@skolnet.test', PASSWORD);
    expect(res.statusCode, res.body).toBe(201);
    return { cookie: sessionCookie(res), csrf: res.json<{ csrf_token: string }>().csrf_token };
  };

  it('signs in with a session cookie that opens the planner routes, never the admin ones', async () => {
    const res = await signIn('planner@skolnet.test', PASSWORD);
    expect(res.statusCode).toBe(201);
    const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).join('\n');
    // Plain HTTP: no Secure and no __Host- prefix, so the localhost quickstart works.
    expect(setCookie).toMatch(/^skolnet_session=[^;]+; Path=\/; Max-Age=43200; HttpOnly; SameSite=Lax$/m);
    expect(res.json()).toMatchObject({ user: { email: 'planner@skolnet.test', role: 'planner' } });
    const cookie = sessionCookie(res);
    expect((await app.inject({ url: '/api/v1/plan', headers: { cookie } })).statusCode).toBe(200);
    expect((await app.inject({ url: `/api/v1/schools/${schoolId}`, headers: { cookie } })).statusCode).toBe(
      200,
    );
    expect((await app.inject({ url: '/api/v1/audit', headers: { cookie } })).statusCode).toBe(403);
    // Without it the plan needs sign-in; the score list stays public.
    expect((await app.inject('/api/v1/plan')).json()).toMatchObject({ code: ErrorCodes.AUTH_UNAUTHORIZED });
    expect((await app.inject('/api/v1/schools')).statusCode).toBe(200);
  });

  it('sets a Secure __Host- cookie behind TLS (secure-cookies: true)', async () => {
    await teardown();
    await setup({ secureCookies: true });
    const res = await signIn('planner@skolnet.test', PASSWORD);
    const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).join('\n');
    expect(setCookie).toMatch(
      /^__Host-skolnet_session=[^;]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax; Secure$/m,
    );
  });

  it('refuses a wrong password and an unknown email alike, and audits both', async () => {
    const wrong = await signIn('planner@skolnet.test', 'not the password');
    const unknown = await signIn('nobody@skolnet.test', 'not the password');
    for (const res of [wrong, unknown]) {
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ code: ErrorCodes.AUTH_UNAUTHORIZED, message: 'wrong email or password' });
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    const audit = await store.accounts.listAudit({ limit: 10 });
    expect(
      audit
        .filter((e) => e.action === 'sign_in_failed')
        .map((e) => e.target)
        .sort(),
    ).toEqual(['nobody@skolnet.test', 'planner@skolnet.test']);
    expect(JSON.stringify(audit)).not.toContain('not the password');
  });

  it('locks an email after five failures, doubling the lock with each further one', async () => {
    // The per-address limit has its own test; here only the per-email lock counts.
    await teardown();
    await setup({ rateLimits: { signIn: 100 } });
    for (let i = 0; i < 4; i += 1)
      expect((await signIn('planner@skolnet.test', 'wrong')).statusCode).toBe(401);
    // The fifth failure locks for a minute.
    expect((await signIn('planner@skolnet.test', 'wrong')).statusCode).toBe(401);
    const locked = await signIn('planner@skolnet.test', PASSWORD);
    expect(locked.statusCode).toBe(429);
    expect(locked.json<{ code: string; message: string }>()).toMatchObject({
      code: ErrorCodes.AUTH_LOCKED,
      message: 'too many failed sign-ins: try again after 2026-03-10T08:01:00.000Z',
    });
    advance(MINUTE_MS);
    // A sixth failure after the lock: two minutes now.
    expect((await signIn('planner@skolnet.test', 'wrong')).statusCode).toBe(401);
    advance(MINUTE_MS + 59_000);
    expect((await signIn('planner@skolnet.test', PASSWORD)).statusCode).toBe(429);
    advance(1_000);
    expect((await signIn('planner@skolnet.test', PASSWORD)).statusCode).toBe(201);
    // A success clears the count: one more failure does not lock.
    expect((await signIn('planner@skolnet.test', 'wrong')).statusCode).toBe(401);
    expect((await signIn('planner@skolnet.test', PASSWORD)).statusCode).toBe(201);
  });

  it('limits sign-in attempts per address with @fastify/rate-limit', async () => {
    await teardown();
    await setup({ rateLimits: { signIn: 3 } });
    for (let i = 0; i < 3; i += 1) expect((await signIn('x@skolnet.test', 'wrong')).statusCode).toBe(401);
    const limited = await signIn('planner@skolnet.test', PASSWORD);
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ code: ErrorCodes.API_RATE_LIMITED });
    expect(limited.headers['retry-after']).toBeDefined();
  });

  it('limits enrollment and password reset attempts per address too', async () => {
    await teardown();
    await setup({ rateLimits: { enrollment: 2, passwordReset: 2 } });
    const enroll = (): Promise<number> =>
      app
        .inject({
          method: 'POST',
          url: '/api/v1/enroll',
          payload: { code: 'AAAAA-BBBBB', hostname: 'h', agent_version: '1' },
        })
        .then((r) => r.statusCode);
    expect([await enroll(), await enroll(), await enroll()]).toEqual([401, 401, 429]);
    const reset = (): Promise<number> =>
      app
        .inject({
          method: 'POST',
          url: '/api/v1/password-reset',
          payload: {
            email: 'planner@skolnet.test',
            code: 'skolnet_pr_guess',
            password: 'a long new password',
          },
        })
        .then((r) => r.statusCode);
    expect([await reset(), await reset(), await reset()]).toEqual([401, 401, 429]);
  });

  it('refuses state-changing session requests without the CSRF token or from another origin', async () => {
    const admin = await app.accounts.createUser(
      { email: 'admin@skolnet.test', role: 'admin', password: PASSWORD },
      { label: 'test' },
    );
    const res = await signIn(admin.email, PASSWORD);
    const cookie = sessionCookie(res);
    const csrf = res.json<{ csrf_token: string }>().csrf_token;
    const create = (headers: Record<string, string>): Promise<LightMyRequestResponse> =>
      app.inject({
        method: 'POST',
        url: '/api/v1/schools',
        headers: { host: 'localhost:80', cookie, ...headers },
        payload: { name: 'Jauna skola', municipality: 'Cēsu novads', pupils: 10 },
      });
    const missing = await create({});
    expect(missing.statusCode).toBe(403);
    expect(missing.json()).toMatchObject({ code: ErrorCodes.AUTH_CSRF });
    expect((await create({ 'x-skolnet-csrf': 'guess' })).json()).toMatchObject({
      code: ErrorCodes.AUTH_CSRF,
    });
    const foreign = await create({ 'x-skolnet-csrf': csrf, origin: 'https://evil.example' });
    expect(foreign.json()).toMatchObject({ code: ErrorCodes.AUTH_CSRF });
    expect(await store.listSchools()).toHaveLength(1);
    expect((await create({ 'x-skolnet-csrf': csrf, origin: ORIGIN })).statusCode).toBe(201);
    // Sign-in itself refuses another site's form (login CSRF).
    expect((await signIn(admin.email, PASSWORD, { origin: 'https://evil.example' })).statusCode).toBe(403);
  });

  it('ends a session after 30 idle minutes', async () => {
    const { cookie } = await session();
    advance(29 * MINUTE_MS);
    expect((await app.inject({ url: '/api/v1/session', headers: { cookie } })).statusCode).toBe(200);
    // The request restarted the idle timer.
    advance(29 * MINUTE_MS);
    expect((await app.inject({ url: '/api/v1/session', headers: { cookie } })).statusCode).toBe(200);
    advance(30 * MINUTE_MS);
    const ended = await app.inject({ url: '/api/v1/session', headers: { cookie } });
    expect(ended.statusCode).toBe(401);
    expect(ended.json()).toMatchObject({ message: 'the session has ended: sign in again' });
  });

  it('ends a session 12 hours after sign-in however busy', async () => {
    const { cookie } = await session();
    for (let t = 0; t < 12 * 60 - 20; t += 20) {
      advance(20 * MINUTE_MS);
      expect((await app.inject({ url: '/api/v1/session', headers: { cookie } })).statusCode).toBe(200);
    }
    advance(20 * MINUTE_MS);
    expect((await app.inject({ url: '/api/v1/session', headers: { cookie } })).statusCode).toBe(401);
  });

  it('revokes the session on sign-out and when the account is disabled', async () => {
    const first = await session();
    const out = await app.inject({
      method: 'DELETE',
      url: '/api/v1/session',
      headers: { host: 'localhost:80', cookie: first.cookie, 'x-skolnet-csrf': first.csrf },
    });
    expect(out.statusCode).toBe(204);
    expect((await app.inject({ url: '/api/v1/session', headers: { cookie: first.cookie } })).statusCode).toBe(
      401,
    );

    const second = await session();
    const token = await app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: { host: 'localhost:80', cookie: second.cookie, 'x-skolnet-csrf': second.csrf },
      payload: { name: 'export script' },
    });
    expect(token.statusCode).toBe(201);
    const bearer = { authorization: `Bearer ${token.json<{ token: string }>().token}` };
    expect((await app.inject({ url: '/api/v1/plan', headers: bearer })).statusCode).toBe(200);

    const admin = await createTestAccount(store, 'admin');
    const planner = (await store.accounts.findUserByEmail('planner@skolnet.test'))!;
    const disabled = await app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${planner.id}`,
      headers: admin.headers,
      payload: { disabled: true },
    });
    expect(disabled.json()).toMatchObject({ disabled: true });
    expect(
      (await app.inject({ url: '/api/v1/session', headers: { cookie: second.cookie } })).statusCode,
    ).toBe(401);
    expect((await app.inject({ url: '/api/v1/plan', headers: bearer })).statusCode).toBe(401);
    expect((await signIn('planner@skolnet.test', PASSWORD)).statusCode).toBe(401);
    const actions = (await store.accounts.listAudit({ limit: 20 })).map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['sign_in', 'sign_out', 'token_created', 'user_disabled']),
    );
  });

  it('scopes tokens by their account: a school IT token sees its school only, and a role change applies at once', async () => {
    const other = (await store.createSchool({ name: 'Rīgas skola', municipality: 'Rīga', pupils: 500 })).id;
    const it = await createTestAccount(store, 'school_it', { school_id: schoolId });
    const get = (url: string): Promise<number> =>
      app.inject({ url, headers: it.headers }).then((r) => r.statusCode);
    expect(await get(`/api/v1/schools/${schoolId}`)).toBe(200);
    expect(await get(`/api/v1/schools/${schoolId}/agents`)).toBe(200);
    expect(await get(`/api/v1/schools/${other}`)).toBe(403);
    expect(await get('/api/v1/plan')).toBe(403);
    const admin = await createTestAccount(store, 'admin');
    const moved = await app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${it.user.id}`,
      headers: admin.headers,
      payload: { school_id: other },
    });
    expect(moved.statusCode).toBe(200);
    expect(await get(`/api/v1/schools/${schoolId}`)).toBe(403);
    expect(await get(`/api/v1/schools/${other}`)).toBe(200);
    const audit = await app.inject({ url: '/api/v1/audit', headers: admin.headers });
    expect(audit.json<{ entries: { action: string; details: unknown }[] }>().entries).toContainEqual(
      expect.objectContaining({
        action: 'user_role_changed',
        details: {
          from: { role: 'school_it', school_id: schoolId },
          to: { role: 'school_it', school_id: other },
        },
      }),
    );
  });

  it('signs in through the page: the form posts, the answer redirects, a failure shows the Latvian reason', async () => {
    const page = await app.inject('/sign-in');
    expect(page.headers['content-security-policy']).toContain("form-action 'self'");
    expect(page.body).toContain('<form method="post" action="/api/v1/session">');
    const form = (password: string): Promise<LightMyRequestResponse> =>
      app.inject({
        method: 'POST',
        url: '/api/v1/session',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          host: 'localhost:80',
          origin: ORIGIN,
        },
        payload: new URLSearchParams({ email: 'planner@skolnet.test', password }).toString(),
      });
    const good = await form(PASSWORD);
    expect(good.statusCode).toBe(303);
    expect(good.headers.location).toBe('/');
    expect(sessionCookie(good)).toMatch(/^skolnet_session=/);
    const bad = await form('wrong');
    expect(bad.statusCode).toBe(303);
    expect(bad.headers.location).toBe('/sign-in?error=credentials');
    expect((await app.inject('/sign-in?error=credentials')).body).toContain('Nepareizs e-pasts vai parole.');
  });

  it('resets a password with a one-time code an admin issued', async () => {
    const admin = await createTestAccount(store, 'admin');
    const planner = (await store.accounts.findUserByEmail('planner@skolnet.test'))!;
    const issued = await app.inject({
      method: 'POST',
      url: `/api/v1/users/${planner.id}/password-reset`,
      headers: admin.headers,
    });
    const { code } = issued.json<{ code: string }>();
    const reset = (password: string, c = code): Promise<LightMyRequestResponse> =>
      app.inject({
        method: 'POST',
        url: '/api/v1/password-reset',
        payload: { email: 'planner@skolnet.test', code: c, password },
      });
    expect((await reset('short')).json()).toMatchObject({ code: ErrorCodes.API_BAD_REQUEST });
    expect((await reset('a new long password', 'skolnet_pr_guess')).statusCode).toBe(401);
    expect((await reset('a new long password')).statusCode).toBe(204);
    // Used up.
    expect((await reset('another long password')).statusCode).toBe(401);
    expect((await signIn('planner@skolnet.test', PASSWORD)).statusCode).toBe(401);
    expect((await signIn('planner@skolnet.test', 'a new long password')).statusCode).toBe(201);
  });
});
