import type { ComponentType } from 'preact';
import type { Role, SessionUser } from '../api/types.js';
import type { Lang } from '../i18n/i18n.js';

/** Who may open a page: anyone, any signed-in person, or these roles. */
export type PageAccess = 'public' | 'signed_in' | readonly Role[];

/** Props every page component gets. */
export interface PageProps {
  /** The path's parameters (`:id` of `/schools/:id`). */
  params: Readonly<Record<string, string>>;
}

/**
 * One page of the application. A page area is a folder under `pages/`
 * whose `index.ts` exports its definitions; `registry.ts` lists them.
 */
export interface PageDefinition {
  /** Stable name, e.g. `overview`. */
  id: string;
  /** Path pattern, e.g. `/plan` or `/schools/:id`. */
  path: string;
  access: PageAccess;
  /** Title in each language: the `<h1>` is the page's own, this is for `<title>` and navigation. */
  title: Readonly<Record<Lang, string>>;
  /** Listed in the main navigation for those who may open it. */
  nav?: boolean;
  /** Where these roles land after signing in (the first page that names a role wins). */
  homeFor?: readonly Role[];
  /** The start page's address for a person, when the path has parameters (their own school). */
  homePath?: (user: SessionUser) => string;
  component: ComponentType<PageProps>;
}

/** Whether `role` (undefined for a visitor) may open a page with `access`. */
export function mayOpen(access: PageAccess, role: Role | undefined): boolean {
  if (access === 'public') return true;
  if (role === undefined) return false;
  return access === 'signed_in' || access.includes(role);
}
