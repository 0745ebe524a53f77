import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { ErrorCodes, SkolnetError } from '@skolnet/shared';
import type { AuthConfigOverrides } from '../auth/auth-config.js';

/** The `serve` options of people's sign-in, as commander parses them. */
export interface AuthCliOptions {
  publicScores?: boolean;
  secureCookies?: 'auto' | 'true' | 'false';
  oidcIssuer?: string;
  oidcClientId?: string;
  oidcClientSecret?: string;
  oidcRedirectUri?: string;
  oidcClaim?: string;
  enrollmentRateLimit?: number;
}

function parsePerMinute(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`expected a whole number >= 1, got "${value}"`);
  return n;
}

function parseBoolean(value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new InvalidArgumentError(`expected true or false, got "${value}"`);
}

/** Adds the sign-in options to `serve` (config file keys `public-scores`, `oidc-issuer`, …). */
export function addAuthOptions(command: Command): Command {
  return command
    .option(
      '--public-scores <bool>',
      'true: the school list with scores is public (default); false: it needs sign-in',
      parseBoolean,
    )
    .addOption(
      new Option(
        '--secure-cookies <when>',
        'Secure session cookies: auto (when the request came over TLS), true, false',
      ).choices(['auto', 'true', 'false']),
    )
    .option('--oidc-issuer <url>', "OpenID Connect sign-in: the identity provider's issuer URL")
    .option('--oidc-client-id <id>', 'OpenID Connect client id registered with the provider')
    .addOption(
      new Option(
        '--oidc-client-secret <secret>',
        'OpenID Connect client secret (better: the environment or the config file)',
      ).env('SKOLNET_OIDC_CLIENT_SECRET'),
    )
    .option(
      '--oidc-redirect-uri <url>',
      'the redirect URI registered with the provider (default: <this collector>/api/v1/session/oidc/callback)',
    )
    .option('--oidc-claim <claim>', 'the ID token claim holding the account email (default: email)')
    .option(
      '--enrollment-rate-limit <n>',
      'enrollments per minute from one address (default 30; raise it to enroll a fleet behind one NAT at once)',
      parsePerMinute,
    );
}

/** The auth settings from those options; `SKOLNET_CLI_BAD_ARGUMENT` when OpenID Connect is half given. */
export function authFromOptions(opts: AuthCliOptions): AuthConfigOverrides {
  const auth: AuthConfigOverrides = {};
  if (opts.publicScores !== undefined) auth.publicScores = opts.publicScores;
  if (opts.enrollmentRateLimit !== undefined) auth.rateLimits = { enrollment: opts.enrollmentRateLimit };
  if (opts.secureCookies !== undefined) {
    auth.secureCookies = opts.secureCookies === 'auto' ? 'auto' : opts.secureCookies === 'true';
  }
  const given = {
    issuer: opts.oidcIssuer,
    'client-id': opts.oidcClientId,
    'client-secret': opts.oidcClientSecret,
  };
  if (opts.oidcIssuer !== undefined || opts.oidcClientId !== undefined) {
    const missing = Object.entries(given)
      .filter(([, v]) => v === undefined || v === '')
      .map(([k]) => `--oidc-${k}`);
    if (missing.length > 0) {
      throw new SkolnetError(
        ErrorCodes.CLI_BAD_ARGUMENT,
        `OpenID Connect sign-in also needs ${missing.join(', ')}`,
      );
    }
    auth.oidc = {
      issuer: opts.oidcIssuer!,
      clientId: opts.oidcClientId!,
      clientSecret: opts.oidcClientSecret!,
      ...(opts.oidcRedirectUri === undefined ? {} : { redirectUri: opts.oidcRedirectUri }),
      ...(opts.oidcClaim === undefined ? {} : { claim: opts.oidcClaim }),
    };
  }
  return auth;
}

/** Every command that runs (has no subcommands), depth first: the ones `--config` is added to. */
export function leafCommands(commands: readonly Command[]): Command[] {
  return commands.flatMap((c) => (c.commands.length === 0 ? [c] : leafCommands(c.commands)));
}
