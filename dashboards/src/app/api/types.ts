import type { SchoolSummary } from '@skolnet/shared';

/**
 * Every role a person's account can have, as the collector's
 * `collector/src/auth/roles.ts` lists them (a test keeps the two equal).
 */
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

/** A person's role. */
export type Role = (typeof ROLES)[number];

/** The signed-in person, as `GET /api/v1/session` reports them. */
export interface SessionUser {
  id: string;
  email: string;
  display_name: string | null;
  role: Role;
  /** Scope of school-scoped roles. */
  school_id: string | null;
  /** Scope of municipality-scoped roles. */
  municipality: string | null;
  /** Scope of vendors. */
  vendor: string | null;
}

/** `GET /api/v1/session`. */
export interface SessionInfo {
  user: SessionUser;
  credential: 'session' | 'token';
  /** Sent back in the `x-skolnet-csrf` header of every state-changing request. */
  csrf_token?: string;
  expires_at?: string;
}

/** The score band of a school (docs/methodology.md). */
export type Band = SchoolSummary['band'];

/** Every band, best first: the order of legends and filters. */
export const BANDS: readonly Band[] = ['good', 'moderate', 'priority', 'insufficient_data'];

/**
 * A school as `GET /api/v1/schools` lists it. Coordinates and school type
 * come from the school register; until a school has them they are absent.
 */
export interface SchoolListItem extends SchoolSummary {
  /** WGS 84 latitude, degrees. */
  lat?: number | null;
  /** WGS 84 longitude, degrees. */
  lon?: number | null;
  /** Kind of school as the national register names it (e.g. `pamatskola`). */
  school_type?: string | null;
  /** How sure the score is: `high`, `medium`, `low` (docs/methodology.md). */
  confidence?: string | null;
}

/** The `{ code, message }` body of every collector error. */
export interface ApiErrorBody {
  code: string;
  message: string;
}
