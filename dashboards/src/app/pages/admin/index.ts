import type { PageDefinition } from '../page.js';
import { AdminAuditPage } from './AdminAuditPage.js';
import { AdminSchoolsPage } from './AdminSchoolsPage.js';
import { AdminUsersPage } from './AdminUsersPage.js';
import en from './messages.en.js';
import lv from './messages.lv.js';

/** The admin pages: the school register with its import, users and roles, the audit log. */
export const adminPages: PageDefinition[] = [
  {
    id: 'admin-schools',
    path: '/admin/schools',
    access: ['admin'],
    title: { lv: lv.schools_title, en: en.schools_title },
    nav: true,
    homeFor: ['admin'],
    component: AdminSchoolsPage,
  },
  {
    id: 'admin-users',
    path: '/admin/users',
    access: ['admin'],
    title: { lv: lv.users_title, en: en.users_title },
    nav: true,
    component: AdminUsersPage,
  },
  {
    id: 'admin-audit',
    path: '/admin/audit',
    access: ['admin'],
    title: { lv: lv.audit_title, en: en.audit_title },
    nav: true,
    component: AdminAuditPage,
  },
];
