/** Why the sign-in page is shown again, from `?error=`. */
export type SignInError = 'credentials' | 'locked' | 'rate' | 'oidc' | 'csrf';

/** Latvian text of each {@link SignInError}; Latvian is the default language of the pages. */
const ERROR_TEXT: Record<SignInError, string> = {
  credentials: 'Nepareizs e-pasts vai parole.',
  locked: 'Pārāk daudz neveiksmīgu mēģinājumu. Mēģiniet vēlāk vēlreiz.',
  rate: 'Pārāk daudz pieprasījumu. Uzgaidiet minūti.',
  oidc: 'Pieteikšanās ar identitātes pakalpojumu neizdevās.',
  csrf: 'Pieprasījums nāca no citas vietnes.',
};

/** Whether `value` names a {@link SignInError}. */
export function isSignInError(value: unknown): value is SignInError {
  return typeof value === 'string' && Object.hasOwn(ERROR_TEXT, value);
}

/**
 * Content-Security-Policy of the sign-in page: no scripts at all, styles
 * from this collector, the form posts only here, no framing (clickjacking).
 */
export const SIGN_IN_CSP =
  "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The minimal sign-in page: a form posting to `POST /api/v1/session`, and
 * a link to the identity provider when OpenID Connect is configured. No
 * script, so it works under {@link SIGN_IN_CSP} and without JavaScript.
 */
export function signInPage(options: { error?: SignInError; oidc: boolean }): string {
  const error =
    options.error === undefined
      ? ''
      : `<p class="error" role="alert">${escapeHtml(ERROR_TEXT[options.error])}</p>`;
  const oidc = options.oidc
    ? '<p><a href="/api/v1/session/oidc">Pieteikties ar organizācijas kontu</a></p>'
    : '';
  return `<!doctype html>
<html lang="lv">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>skolnet: pieteikšanās</title>
    <link rel="stylesheet" href="/style.css" />
  </head>
  <body>
    <main>
      <h1>Pieteikšanās</h1>
      ${error}
      <form method="post" action="/api/v1/session">
        <p><label for="email">E-pasts</label><br /><input id="email" name="email" type="email" autocomplete="username" required /></p>
        <p><label for="password">Parole</label><br /><input id="password" name="password" type="password" autocomplete="current-password" required /></p>
        <p><button type="submit">Pieteikties</button></p>
      </form>
      ${oidc}
      <p><a href="/">Skolu saraksts</a></p>
    </main>
  </body>
</html>
`;
}
