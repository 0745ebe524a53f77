import type { SessionUser } from '../api/types.js';
import { accessibilityPages } from './accessibility/index.js';
import { adminPages } from './admin/index.js';
import { overviewPages } from './overview/index.js';
import type { PageDefinition } from './page.js';
import { planPages } from './plan/index.js';
import { schoolItPages } from './school-it/index.js';
import { schoolPages } from './school/index.js';
import { signInPages } from './sign-in/index.js';
import { supportFormPages } from './support-forms/index.js';
import { supportNationalPages } from './support-national/index.js';
import { supportPages } from './support/index.js';
import { vendorPages } from './vendor/index.js';

/**
 * Where a person lands after signing in: the first page whose `homeFor`
 * names their role, else the overview.
 */
export function homeOf(user: SessionUser): string {
  const page = PAGES.find((p) => p.homeFor?.includes(user.role));
  if (page === undefined) return '/';
  return page.homePath ? page.homePath(user) : page.path;
}

/**
 * Every page of the application, one line per page area: a new area is a
 * folder under `pages/` (its components, `messages.lv.ts`,
 * `messages.en.ts`, and an `index.ts` exporting its definitions) plus one
 * line here. The first path that matches wins; navigation follows this order.
 */
export const PAGES: readonly PageDefinition[] = [
  ...overviewPages,
  ...planPages,
  ...schoolPages,
  ...schoolItPages,
  ...adminPages,
  ...vendorPages,
  ...supportPages,
  ...supportFormPages,
  ...supportNationalPages,
  ...accessibilityPages,
  ...signInPages(homeOf),
];
