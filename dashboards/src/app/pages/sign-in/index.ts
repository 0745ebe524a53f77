import { h } from 'preact';
import type { SessionUser } from '../../api/types.js';
import type { PageDefinition } from '../page.js';
import en from './messages.en.js';
import lv from './messages.lv.js';
import { SignInPage } from './SignInPage.js';

/** The sign-in page; `homeOf` says where each role goes afterwards. */
export function signInPages(homeOf: (user: SessionUser) => string): PageDefinition[] {
  return [
    {
      id: 'sign-in',
      path: '/sign-in',
      access: 'public',
      title: { lv: lv.title, en: en.title },
      component: () => h(SignInPage, { homeOf }),
    },
  ];
}
