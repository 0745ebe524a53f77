import type { CatalogOf } from '../../i18n/i18n.js';
import type lv from './messages.lv.js';

export default {
  title: 'Sign in',
  email: 'E-mail',
  password: 'Password',
  submit: 'Sign in',
  submitting: 'Signing in…',
  oidc: 'Sign in with your organisation account',
  error_credentials: 'Wrong e-mail or password.',
  error_locked: 'Too many failed attempts. Try again later.',
  error_rate: 'Too many requests. Wait a minute.',
  error_oidc: 'Sign-in with the identity provider failed.',
  error_csrf: 'The request came from another site.',
  error_network: 'Could not reach the server.',
  already: 'You are already signed in as {email}.',
  continue: 'Continue',
  help: 'An administrator creates accounts (skolnet-collector user add) and resets forgotten passwords.',
} satisfies CatalogOf<typeof lv>;
