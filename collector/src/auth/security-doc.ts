import type { RouteAccess } from '../plugins/auth-plugin.js';
import { DOCS_PATH } from '../plugins/openapi-plugin.js';
import { createAuthConfig } from './auth-config.js';
import { ROLES, ROLE_DESCRIPTIONS, ROLE_SCOPES, type AccessDeclaration, type Role } from './roles.js';

/** Whether a route belongs in the table: the API, health, readiness, metrics, ndt7, sign-in; not the UI's files or the API docs. */
function listed(route: RouteAccess): boolean {
  if (route.method === 'HEAD') return false;
  if (route.url === DOCS_PATH || route.url.startsWith(`${DOCS_PATH}/`)) return false;
  return /^\/(api|healthz|readyz|metrics|ndt|sign-in)(\/|$)/.test(route.url);
}

/** One cell of the table: what a caller of that kind gets. */
export function accessCell(
  access: AccessDeclaration | undefined,
  caller: Role | 'anonymous' | 'agent',
): string {
  if (access === undefined) return 'no';
  if (access === 'public') return 'yes';
  if (access === 'public_scores') return caller === 'agent' ? 'yes' : 'yes¹';
  if (access === 'agent')
    return caller === 'agent' ? 'own credential' : caller === 'anonymous' ? 'own credential' : 'no';
  if (caller === 'anonymous' || caller === 'agent') return 'no';
  if (access === 'signed_in') return 'yes';
  if (!access.roles.includes(caller)) return 'no';
  return access.target === undefined || ROLE_SCOPES[caller] === 'national' ? 'yes' : 'scope';
}

/**
 * docs/security.md: the prose on credentials and the route × role table,
 * generated from the routes' declarations as the auth plugin recorded them,
 * so the document cannot drift from what is enforced (a test compares).
 */
export function renderSecurityDoc(routes: readonly RouteAccess[]): string {
  const rows = routes
    .filter(listed)
    .sort((a, b) => a.url.localeCompare(b.url) || a.method.localeCompare(b.method));
  const header = ['route', 'anonymous', 'agent', ...ROLES];
  const lines = [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map(
      (r) =>
        `| \`${r.method} ${r.url}\` | ${accessCell(r.access, 'anonymous')} | ${accessCell(r.access, 'agent')} | ${ROLES.map((role) => accessCell(r.access, role)).join(' | ')} |`,
    ),
  ];
  // The defaults, so the prose says what an unconfigured collector does.
  const auth = createAuthConfig();
  const minutes = (ms: number): number => ms / 60_000;
  const { lockout, rateLimits } = auth;
  const roles = ROLES.map((r) => `| \`${r}\` | ${ROLE_SCOPES[r]} | ${ROLE_DESCRIPTIONS[r]} |`);
  return `<!-- Generated from the routes' access declarations by collector/src/auth/security-doc.ts. -->
<!-- Do not edit by hand: run \`SKOLNET_WRITE_DOCS=1 npx vitest run collector/src/auth/access-matrix.test.ts\`. -->

# Security: who may call what

The threat model (assets, actors, entry points, each threat with the
control that answers it and the test that shows it, and what
\`npm run test:resilience\` proves and does not) is in
[threat-model.md](threat-model.md).

Three credentials, never interchangeable:

- **People in a browser** sign in at \`/sign-in\` (or \`POST /api/v1/session\`
  with \`{email, password}\`, or through OpenID Connect) and get a session
  cookie: HttpOnly, SameSite=Lax, \`Secure\` with the \`__Host-\` prefix over
  TLS. Every state-changing request with a session (POST, PUT, PATCH,
  DELETE) must come from the collector's own origin and carry the session's
  CSRF token in the \`x-skolnet-csrf\` header (the token is in the answer of
  \`POST\` and \`GET /api/v1/session\`). A session ends after ${minutes(auth.sessionIdleMs)} minutes
  without a request, ${minutes(auth.sessionAbsoluteMs) / 60} hours after sign-in, at sign-out, and when the
  account is disabled.
- **Scripts** send a person's API token, \`Authorization: Bearer
  skolnet_ut_…\` (from \`skolnet-collector user token create\` or \`POST
  /api/v1/tokens\`). It acts with its account's role and scope as they are
  at each request, can be revoked, and cannot create more tokens.
- **Agents** use their own credentials: the one-time enrollment code at
  \`POST /api/v1/enroll\` and their secret in the stream's hello. A person's
  token is refused on agent routes; an agent secret opens no person's route.

Failed sign-ins are counted per typed email: after ${lockout.threshold} in a row the email is
locked for ${minutes(lockout.baseMs)} minute(s), doubling with every further failure up to ${minutes(lockout.maxMs)} minutes.
Sign-in, password reset and enrollment are also limited per client address
(${rateLimits.signIn}, ${rateLimits.passwordReset} and ${rateLimits.enrollment} a minute; the defaults). Every sign-in, failed sign-in, sign-out, account
creation, role and scope change, disabling, token creation and revocation
and password reset is written to the append-only audit log
(\`GET /api/v1/audit\`, admins).

## Roles

| role | scope | may |
| --- | --- | --- |
${roles.join('\n')}

## Routes

"yes": allowed; "scope": allowed for the school(s) within the account's
scope (its school, or the schools of its municipality; national roles see
all); "own credential": the route checks the agent's enrollment code or
secret itself; "no": refused (401 without a valid credential, 403 for a
role or scope that may not). The API documentation (\`${DOCS_PATH}\`) and the
web pages' files are public.

¹ Unless the collector runs with \`public-scores: false\`: then any signed-in
person, and no one else.

${lines.join('\n')}
`;
}
