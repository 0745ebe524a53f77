/**
 * Roles, their scopes and the access declarations routes carry. Pure: no
 * fastify or storage here, so the rules are easy to read and test, and
 * docs/security.md is generated from the same values the auth plugin
 * enforces.
 */

/** Every role a person's account can have. */
export const ROLES = [
  'admin',
  'planner',
  'municipality_planner',
  'school_it',
  'vendor',
  'support_coordinator',
  'director',
  'municipal_coordinator',
  'ikvd',
] as const;

/** A person's role; one per account. */
export type Role = (typeof ROLES)[number];

/** What part of the country a role's account acts on. */
export type ScopeKind = 'national' | 'municipality' | 'school' | 'vendor';

/**
 * The scope each role carries. Support coordinators and directors work in
 * one school's pupil-support records, municipal coordinators in their
 * municipality's; IKVD (the State Service for Education Quality)
 * supervises nationally.
 */
export const ROLE_SCOPES: Record<Role, ScopeKind> = {
  admin: 'national',
  planner: 'national',
  municipality_planner: 'municipality',
  school_it: 'school',
  vendor: 'vendor',
  support_coordinator: 'school',
  director: 'school',
  municipal_coordinator: 'municipality',
  ikvd: 'national',
};

/** One line of each role for docs and `user add --help`. */
export const ROLE_DESCRIPTIONS: Record<Role, string> = {
  admin: 'everything: accounts, schools, agents, the audit log',
  planner: 'ministry network planner: every school, the plan, sensitivity',
  municipality_planner:
    'the schools of one municipality, their plan explanations and their support aggregates',
  school_it: "one school's IT staff: its details, agents, enrollment codes, Wi-Fi coverage",
  vendor: "its own organisation's contracts, their campaigns and reports, and the schools they name",
  support_coordinator:
    "one school's pupil-support records: pupils (with their names), plans, consultations, compensations, orders, laptops",
  director:
    "one school's pupil-support records: reads them (names included), approves plans first, issues remote-learning orders",
  municipal_coordinator:
    "the plans of one municipality's schools, for approval after the director (no names or personal codes)",
  ikvd: 'national supervision of pupil-support plans: reads every plan and approves last (no names or personal codes)',
};

/** An account's scope values; which one applies depends on its role's {@link ScopeKind}. */
export interface Scope {
  /** For school-scoped roles: the school's id. */
  school_id?: string | null;
  /** For municipality-scoped roles: the municipality's name as schools carry it. */
  municipality?: string | null;
  /** For vendors: the organisation's name or registration number. */
  vendor?: string | null;
}

/** Who is calling, once authenticated. */
export interface Principal extends Scope {
  /** The account's id. */
  user_id: string;
  email: string;
  role: Role;
  /** How the request authenticated: a browser session or a script's API token. */
  credential: 'session' | 'token';
}

/**
 * What a route's target is, for scope checks: `school` reads the school id
 * from `params.id`, `agent` the agent id from `params.id` (checked against
 * the agent's school), `contract` a vendor contract's id and `campaign` an
 * acceptance campaign's id (checked against the contract's school and vendor).
 */
export type AccessTarget = 'school' | 'agent' | 'contract' | 'campaign';

/**
 * Who may call a route, declared beside it as `config: { access }`:
 *
 * - `public`: anyone (health, speed-test endpoints, the sign-in page).
 * - `public_scores`: anyone while `public-scores` is on (the default);
 *   any signed-in person when an operator turns it off.
 * - `agent`: agents, with their own credential (an enrollment code, the
 *   agent secret in the stream's hello); people's sessions and tokens do
 *   not count.
 * - `signed_in`: any signed-in person (their own session and tokens).
 * - `{ roles, target }`: these roles only, each within its scope over
 *   `target` when given (a national role passes any scope).
 */
export type AccessDeclaration =
  | 'public'
  | 'public_scores'
  | 'agent'
  | 'signed_in'
  | { readonly roles: readonly Role[]; readonly target?: AccessTarget };

/** Route options' `config` with an access declaration. */
export interface AccessConfig {
  access: AccessDeclaration;
}

/** The school a scoped request is about, as the auth plugin looked it up. */
export interface TargetSchool {
  id: string;
  municipality: string;
  /**
   * Vendors whose scope covers the target: for a school, every vendor with
   * a contract there; for a contract or campaign, the contract's vendor only.
   */
  vendors?: readonly string[];
}

/**
 * Whether a principal's scope covers a school: national roles cover every
 * school; municipality roles the schools of their municipality; school
 * roles their own school; vendors no school (their contracts name schools,
 * which comes with the contracts routes).
 */
export function scopeCovers(principal: Principal, school: TargetSchool): boolean {
  switch (ROLE_SCOPES[principal.role]) {
    case 'national':
      return true;
    case 'municipality':
      return principal.municipality != null && principal.municipality === school.municipality;
    case 'school':
      return principal.school_id != null && principal.school_id === school.id;
    case 'vendor':
      return principal.vendor != null && (school.vendors ?? []).includes(principal.vendor);
  }
}

/**
 * Checks that a role's scope values are present and only those its
 * {@link ScopeKind} uses; returns a message naming what is wrong, or
 * undefined when the scope fits.
 */
export function scopeProblem(role: Role, scope: Scope): string | undefined {
  const kind = ROLE_SCOPES[role];
  const given = {
    school: scope.school_id ?? undefined,
    municipality: scope.municipality ?? undefined,
    vendor: scope.vendor ?? undefined,
  };
  for (const [key, value] of Object.entries(given)) {
    if (value !== undefined && key !== kind) return `role ${role} (${kind} scope) takes no ${key} scope`;
  }
  if (kind !== 'national' && (given[kind] === undefined || given[kind].trim() === '')) {
    return `role ${role} needs a ${kind} scope`;
  }
  return undefined;
}

/** Whether `value` names a role. */
export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** A declaration as one line of text, for docs and messages. */
export function describeAccess(access: AccessDeclaration): string {
  if (typeof access === 'string') return access;
  return `${access.roles.join(', ')}${access.target ? ` (scope: ${access.target})` : ''}`;
}

/**
 * Whether a declaration lets a role through at all, leaving scope aside;
 * the row of the route × role table (docs/security.md). `public_scores`
 * counts as open to everyone (its default).
 */
export function roleMayCall(access: AccessDeclaration, role: Role | 'anonymous' | 'agent'): boolean {
  if (access === 'public' || access === 'public_scores') return true;
  if (access === 'agent') return role === 'agent';
  if (role === 'anonymous' || role === 'agent') return false;
  if (access === 'signed_in') return true;
  return access.roles.includes(role);
}
