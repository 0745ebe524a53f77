import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import Provider from 'oidc-provider';
import { buildApp } from '../app.js';
import type { KyselyStore } from '../storage/kysely-store.js';
import { createTempStore } from '../testing/fixtures.js';

/** Where the provider sends the browser back: the collector's callback, as registered with the provider. */
const REDIRECT_URI = 'http://skolnet.test/api/v1/session/oidc/callback';
const CLIENT = { client_id: 'skolnet', client_secret: 'a-client-secret-for-the-test' };

/** Emails the provider's accounts have, by account id (the login typed on its form). */
const PROVIDER_EMAILS: Record<string, string> = {
  'ministry-planner': 'planner@skolnet.test',
  stranger: 'stranger@elsewhere.test',
};

/**
 * A real OpenID Connect provider (`oidc-provider`, the certified
 * implementation) on loopback, with its development login and consent
 * forms: the test plays the browser through them.
 */
describe('OpenID Connect sign-in against a real provider', () => {
  let server: Server;
  let issuer: string;
  let app: FastifyInstance;
  let store: KyselyStore;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    // Created once the server knows its port, which is part of the issuer.
    const holder: { provider?: Provider } = {};
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      void holder.provider!.callback()(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    holder.provider = new Provider(issuer, {
      clients: [
        { ...CLIENT, redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'client_secret_basic' },
      ],
      cookies: { keys: ['oidc-test-cookie-key'] },
      claims: { openid: ['sub'], email: ['email', 'email_verified'] },
      findAccount: (_ctx, id) => ({
        accountId: id,
        claims: () => ({ sub: id, email: PROVIDER_EMAILS[id] ?? `${id}@unknown.test`, email_verified: true }),
      }),
    });
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(async () => {
    ({ store, cleanup } = await createTempStore());
    app = buildApp({
      store,
      logger: false,
      dashboardAssets: false,
      config: {
        auth: {
          oidc: {
            issuer,
            clientId: CLIENT.client_id,
            clientSecret: CLIENT.client_secret,
            redirectUri: REDIRECT_URI,
            allowInsecure: true,
          },
        },
      },
    });
    await app.ready();
    await app.accounts.createUser({ email: 'planner@skolnet.test', role: 'planner' }, { label: 'test' });
  });
  afterEach(async () => {
    await app.close();
    await cleanup();
  });

  const cookiesOf = (res: LightMyRequestResponse): string[] =>
    ([] as string[]).concat(res.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]!);

  /**
   * Plays the browser at the provider from the authorization URL: keeps its
   * cookies, fills the login form with `login`, confirms consent, and stops
   * at the redirect back to the collector, which it returns.
   */
  async function throughProvider(authorizationUrl: string, login: string): Promise<URL> {
    const jar = new Map<string, string>();
    const keep = (res: Response): void => {
      for (const line of res.headers.getSetCookie()) {
        const pair = line.split(';')[0]!;
        const eq = pair.indexOf('=');
        jar.set(pair.slice(0, eq), pair.slice(eq + 1));
      }
    };
    const cookie = (): string => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    let url = authorizationUrl;
    for (let step = 0; step < 20; step += 1) {
      if (url.startsWith(REDIRECT_URI)) return new URL(url);
      const res = await fetch(url, { redirect: 'manual', headers: { cookie: cookie() } });
      keep(res);
      if (res.status >= 300 && res.status < 400) {
        url = new URL(res.headers.get('location')!, url).href;
        continue;
      }
      const html = await res.text();
      const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
      const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
      if (prompt === undefined || action === undefined)
        throw new Error(`unexpected provider page: ${html.slice(0, 300)}`);
      const form = new URLSearchParams(prompt === 'login' ? { prompt, login, password: 'any' } : { prompt });
      const posted = await fetch(new URL(action, url), {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: cookie(), 'content-type': 'application/x-www-form-urlencoded' },
        body: form,
      });
      keep(posted);
      url = new URL(posted.headers.get('location')!, url).href;
    }
    throw new Error('the provider never redirected back');
  }

  /** Starts at the collector, goes through the provider as `login`, and returns to the callback. */
  async function signInAs(
    login: string,
    tamper?: (cookie: string) => string,
  ): Promise<LightMyRequestResponse> {
    const start = await app.inject('/api/v1/session/oidc');
    expect(start.statusCode).toBe(302);
    const location = new URL(start.headers.location as string);
    expect(location.origin).toBe(issuer);
    expect(location.searchParams.get('code_challenge_method')).toBe('S256');
    expect(location.searchParams.get('nonce')).not.toBeNull();
    const stateCookie = cookiesOf(start).find((c) => c.startsWith('skolnet_oidc='))!;
    const back = await throughProvider(location.href, login);
    return app.inject({
      url: `${back.pathname}${back.search}`,
      headers: { cookie: tamper ? tamper(stateCookie) : stateCookie },
    });
  }

  it('maps the identity to the existing account by email and binds it', async () => {
    const done = await signInAs('ministry-planner');
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe('/');
    const session = cookiesOf(done).find(
      (c) => c.startsWith('skolnet_session=') && c.length > 'skolnet_session='.length,
    )!;
    const me = await app.inject({ url: '/api/v1/session', headers: { cookie: session } });
    expect(me.json()).toMatchObject({
      user: { email: 'planner@skolnet.test', role: 'planner', oidc_linked: true },
    });
    const user = await store.accounts.findUserByEmail('planner@skolnet.test');
    expect(user?.oidc_subject).toBe(`${issuer}|ministry-planner`);
    const audit = await store.accounts.listAudit({ limit: 5 });
    expect(audit[0]).toMatchObject({ action: 'sign_in', target: 'planner@skolnet.test' });
    expect(JSON.parse(audit[0]!.details)).toEqual({ method: 'oidc' });
  });

  it('creates no account for an identity without one', async () => {
    const done = await signInAs('stranger');
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe('/sign-in?error=oidc');
    expect(cookiesOf(done).some((c) => /^skolnet_session=./.test(c))).toBe(false);
    expect((await store.accounts.listUsers()).map((u) => u.email)).toEqual(['planner@skolnet.test']);
  });

  it('refuses a return that another browser started (state not bound to this one)', async () => {
    const done = await signInAs('ministry-planner', () => 'skolnet_oidc=someone-elses-state');
    expect(done.headers.location).toBe('/sign-in?error=oidc');
    expect((await store.accounts.findUserByEmail('planner@skolnet.test'))?.oidc_subject).toBeNull();
  });
});
