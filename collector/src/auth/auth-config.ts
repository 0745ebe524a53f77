/** OpenID Connect sign-in settings (`oidc-*` keys of the config file). */
export interface OidcConfig {
  /** The provider's issuer URL; its `/.well-known/openid-configuration` is read at the first sign-in. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /**
   * Where the provider sends the browser back; must be registered with the
   * provider. Default: this collector's `/api/v1/session/oidc/callback`
   * on the host the browser used.
   */
  redirectUri?: string;
  /**
   * The ID token claim that names the skolnet account: `email` (default;
   * matched against the account's email, and only when `email_verified` is
   * not false) or any other claim whose value is an account's email.
   */
  claim: string;
  /** Allow an `http://` issuer (tests, a provider on loopback); never for production. */
  allowInsecure?: boolean;
}

/** Settings of people's sign-in and the rules around it. */
export interface AuthConfig {
  /**
   * Whether the school list with scores (`GET /api/v1/schools`) and the
   * overview page are open to everyone (the default: scores are meant to
   * be transparent) or need sign-in (`public-scores: false`).
   */
  publicScores: boolean;
  /**
   * A session ends after this long without a request, in ms. 30 minutes:
   * NIST SP 800-63B (AAL2, section 4.2.3) and OWASP ASVS 4.0 (3.3.2).
   */
  sessionIdleMs: number;
  /** A session ends this long after sign-in whatever its use, in ms; 12 hours, as the same sources say. */
  sessionAbsoluteMs: number;
  /**
   * Whether session cookies get `Secure` (and the `__Host-` prefix):
   * `auto` sets it when the request came over TLS (directly, or through a
   * proxy fastify trusts), so `http://localhost` in the quickstart still
   * signs in; `true` always (behind a TLS proxy that fastify is not told
   * to trust), `false` never.
   */
  secureCookies: 'auto' | boolean;
  /** Lockout after repeated failed sign-ins for one email. */
  lockout: {
    /** Failures in a row before the first lock (5: OWASP Authentication Cheat Sheet's example). */
    threshold: number;
    /** The first lock, in ms; each further failure doubles it. */
    baseMs: number;
    /** The longest lock, in ms. */
    maxMs: number;
  };
  /** Requests per minute per client address (`@fastify/rate-limit`). */
  rateLimits: {
    signIn: number;
    passwordReset: number;
    enrollment: number;
  };
  /** OpenID Connect sign-in; off when undefined. */
  oidc?: OidcConfig;
}

/** Partial auth settings; omitted keys take the defaults. */
export interface AuthConfigOverrides {
  publicScores?: boolean;
  sessionIdleMs?: number;
  sessionAbsoluteMs?: number;
  secureCookies?: 'auto' | boolean;
  lockout?: Partial<AuthConfig['lockout']>;
  rateLimits?: Partial<AuthConfig['rateLimits']>;
  oidc?: Omit<OidcConfig, 'claim'> & { claim?: string };
}

/** The defaults of {@link AuthConfig} with `overrides` applied. */
export function createAuthConfig(overrides: AuthConfigOverrides = {}): AuthConfig {
  return {
    publicScores: overrides.publicScores ?? true,
    sessionIdleMs: overrides.sessionIdleMs ?? 30 * 60_000,
    sessionAbsoluteMs: overrides.sessionAbsoluteMs ?? 12 * 3_600_000,
    secureCookies: overrides.secureCookies ?? 'auto',
    lockout: {
      threshold: 5,
      baseMs: 60_000,
      // An hour: long enough to make guessing hopeless (a few guesses an
      // hour), short enough that a person locked out by someone else's
      // guessing can sign in again the same day.
      maxMs: 3_600_000,
      ...overrides.lockout,
    },
    rateLimits: {
      // Ten a minute: a person mistyping never meets it; a script guessing does.
      signIn: 10,
      passwordReset: 5,
      // A school enrolling a lab of 30 PCs from one NAT address in a few minutes stays under it.
      enrollment: 30,
      ...overrides.rateLimits,
    },
    ...(overrides.oidc === undefined
      ? {}
      : { oidc: { ...overrides.oidc, claim: overrides.oidc.claim ?? 'email' } }),
  };
}
