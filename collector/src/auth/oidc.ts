import * as client from 'openid-client';
import { ErrorCodes, SkolnetError } from '@skolnet/shared';
import type { AccountStore, UserRow } from '../storage/account-store.js';
import type { OidcConfig } from './auth-config.js';

/**
 * How long a sign-in through the identity provider may take from the
 * redirect to the return, in ms: ten minutes, enough to type a password
 * and a second factor.
 */
export const OIDC_FLOW_TTL_MS = 10 * 60_000;

/** Most sign-ins in flight at once; beyond it the oldest is dropped (bounds memory against a flood of starts). */
const MAX_PENDING_FLOWS = 10_000;

/** What the collector remembers between the redirect and the return. */
interface PendingFlow {
  verifier: string;
  nonce: string;
  redirectUri: string;
  startedMs: number;
}

/** A started sign-in: where to send the browser, and the state to bind to it. */
export interface OidcStart {
  url: URL;
  state: string;
}

/**
 * OpenID Connect sign-in: the authorization code flow with PKCE (S256),
 * `state` and `nonce`, through `openid-client`. The provider's identity
 * maps to an existing account, never to a new one: first by the bound
 * subject (`issuer|sub`, bound at the first sign-in), else by the
 * configured claim matched against account emails. Flows in progress are
 * kept in memory: a sign-in must return to the collector instance that
 * started it.
 */
export class OidcSignIn {
  readonly #config: OidcConfig;
  readonly #now: () => Date;
  #discovered: Promise<client.Configuration> | undefined;
  readonly #pending = new Map<string, PendingFlow>();

  /** Signs in through the provider `config` names. */
  constructor(config: OidcConfig, now: () => Date) {
    this.#config = config;
    this.#now = now;
  }

  /** The provider's metadata, read once (retried after a failure). */
  async #configuration(): Promise<client.Configuration> {
    this.#discovered ??= client
      .discovery(
        new URL(this.#config.issuer),
        this.#config.clientId,
        undefined,
        client.ClientSecretBasic(this.#config.clientSecret),
        this.#config.allowInsecure ? { execute: [client.allowInsecureRequests] } : undefined,
      )
      .catch((err: unknown) => {
        this.#discovered = undefined;
        throw new SkolnetError(
          ErrorCodes.NET_UNREACHABLE,
          `cannot read the OpenID Connect provider ${this.#config.issuer}`,
          { cause: err, retryable: true },
        );
      });
    return this.#discovered;
  }

  /** Starts a sign-in; the caller redirects to `url` and binds `state` to the browser (a cookie). */
  async start(defaultRedirectUri: string): Promise<OidcStart> {
    const configuration = await this.#configuration();
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const redirectUri = this.#config.redirectUri ?? defaultRedirectUri;
    this.#prune();
    this.#pending.set(state, { verifier, nonce, redirectUri, startedMs: this.#now().getTime() });
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: redirectUri,
      scope: 'openid email profile',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url, state };
  }

  /**
   * Completes a sign-in from the provider's redirect back (`callbackUrl`,
   * with its query). `boundState` is the state the browser's cookie holds:
   * it must equal the returned `state`, so a sign-in started in one browser
   * cannot be finished in another (login CSRF). Returns the account.
   * Throws `SKOLNET_AUTH_UNAUTHORIZED` when anything does not check out.
   */
  async finish(callbackUrl: URL, boundState: string | undefined, accounts: AccountStore): Promise<UserRow> {
    const state = callbackUrl.searchParams.get('state') ?? '';
    const flow = this.#pending.get(state);
    this.#pending.delete(state);
    if (
      flow === undefined ||
      boundState !== state ||
      this.#now().getTime() - flow.startedMs > OIDC_FLOW_TTL_MS
    ) {
      throw new SkolnetError(ErrorCodes.AUTH_UNAUTHORIZED, 'the sign-in is unknown or expired: start again');
    }
    const configuration = await this.#configuration();
    // The redirect URI the provider checks is the one sent, whatever host the callback came to.
    const returned = new URL(flow.redirectUri);
    returned.search = callbackUrl.search;
    let claims: Record<string, unknown> & { iss: string; sub: string };
    try {
      const tokens = await client.authorizationCodeGrant(configuration, returned, {
        pkceCodeVerifier: flow.verifier,
        expectedState: state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
      const idToken = tokens.claims();
      if (idToken === undefined) {
        throw new SkolnetError(ErrorCodes.AUTH_UNAUTHORIZED, 'the identity provider sent no ID token');
      }
      claims = { ...idToken };
      // Providers that follow the spec's default keep scope claims out of the
      // ID token (OpenID Connect Core 1.0, 5.4): ask the UserInfo endpoint.
      if (claims[this.#config.claim] === undefined) {
        const info = await client.fetchUserInfo(configuration, tokens.access_token, idToken.sub);
        claims = { ...info, ...claims, [this.#config.claim]: info[this.#config.claim] };
        if (this.#config.claim === 'email') claims.email_verified = info.email_verified;
      }
    } catch (err) {
      if (err instanceof SkolnetError) throw err;
      throw new SkolnetError(
        ErrorCodes.AUTH_UNAUTHORIZED,
        'the identity provider did not confirm the sign-in',
        {
          cause: err,
        },
      );
    }
    const subject = `${claims.iss}|${claims.sub}`;
    const bound = await accounts.findUserByOidcSubject(subject);
    if (bound) return bound;
    const value = claims[this.#config.claim];
    if (typeof value !== 'string' || value === '') {
      throw new SkolnetError(
        ErrorCodes.AUTH_UNAUTHORIZED,
        `the identity has no "${this.#config.claim}" claim to find its skolnet account by`,
      );
    }
    if (this.#config.claim === 'email' && claims.email_verified === false) {
      throw new SkolnetError(
        ErrorCodes.AUTH_UNAUTHORIZED,
        'the identity provider has not verified this email',
      );
    }
    const user = await accounts.findUserByEmail(value);
    // No account is ever created here: an administrator creates it first.
    if (!user || user.oidc_subject !== null) {
      throw new SkolnetError(
        ErrorCodes.AUTH_UNAUTHORIZED,
        `no skolnet account for ${value}: ask an administrator`,
      );
    }
    return accounts.updateUser(user.id, { oidc_subject: subject }, this.#now());
  }

  #prune(): void {
    const oldest = this.#now().getTime() - OIDC_FLOW_TTL_MS;
    for (const [state, flow] of this.#pending) {
      if (flow.startedMs < oldest || this.#pending.size >= MAX_PENDING_FLOWS) this.#pending.delete(state);
      else break;
    }
  }
}
