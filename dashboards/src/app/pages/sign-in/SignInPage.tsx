import type { TargetedSubmitEvent } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { ApiError, api } from '../../api/client.js';
import type { SessionUser } from '../../api/types.js';
import { useCommon } from '../../i18n/common.js';
import { useMessages } from '../../i18n/i18n.js';
import { Link, navigate, useQuery } from '../../router.js';
import { useSession } from '../../session.js';
import en from './messages.en.js';
import lv from './messages.lv.js';

const messages = { lv, en };

/** Why sign-in failed, as the collector's error code says (collector/src/routes/session-plugin.ts). */
type Failure = 'credentials' | 'locked' | 'rate' | 'oidc' | 'csrf' | 'network';
const FAILURES: readonly Failure[] = ['credentials', 'locked', 'rate', 'oidc', 'csrf', 'network'];

function failureOf(err: unknown): Failure {
  if (!(err instanceof ApiError)) return 'network';
  if (err.status === 0) return 'network';
  if (err.code === 'SKOLNET_AUTH_LOCKED') return 'locked';
  if (err.code === 'SKOLNET_API_RATE_LIMITED') return 'rate';
  if (err.code === 'SKOLNET_AUTH_CSRF') return 'csrf';
  return 'credentials';
}

/**
 * Only a path of this site: `next=//evil.example` or an absolute URL would
 * turn sign-in into an open redirect.
 */
export function safeNext(next: string | null): string | undefined {
  if (next === null || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\'))
    return undefined;
  return next;
}

/** Where a role lands after signing in, from the pages' `homeFor`. */
export type HomeOf = (user: SessionUser) => string;

/**
 * Sign-in with e-mail and password through `POST /api/v1/session` (JSON),
 * then on to `next` or the role's start page. `?error=` shows the reason
 * a form post or an identity-provider sign-in came back with.
 */
export function SignInPage(props: { homeOf: HomeOf }) {
  const t = useMessages(messages);
  const common = useCommon();
  const { session, refresh } = useSession();
  const [query] = useQuery();
  const fromUrl = query.get('error');
  const [failure, setFailure] = useState<Failure | undefined>(
    FAILURES.includes(fromUrl as Failure) ? (fromUrl as Failure) : undefined,
  );
  const [busy, setBusy] = useState(false);
  const [oidc, setOidc] = useState(false);
  const errorId = useId();
  const emailRef = useRef<HTMLInputElement>(null);
  const next = safeNext(query.get('next'));

  useEffect(() => {
    api
      .get<{ oidc: boolean }>('/api/v1/session/methods')
      .then((m) => setOidc(m.oidc))
      .catch(() => setOidc(false));
  }, []);

  const submit = async (event: TargetedSubmitEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    try {
      const text = (name: string): string => {
        const value = form.get(name);
        return typeof value === 'string' ? value : '';
      };
      await api.signIn(text('email'), text('password'));
      const info = await refresh();
      navigate(next ?? (info ? props.homeOf(info.user) : '/'));
    } catch (err) {
      setFailure(failureOf(err));
      emailRef.current?.focus();
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="narrow">
      <h1>{t('title')}</h1>
      {query.get('signed_out') === '1' && session === undefined && (
        <p class="notice">{common('signed_out')}</p>
      )}
      {session !== undefined && (
        <p class="notice">
          {t('already', { email: session.user.email })}{' '}
          <Link href={next ?? props.homeOf(session.user)}>{t('continue')}</Link>
        </p>
      )}
      <p role="alert" id={errorId} class={failure ? 'notice notice-error' : 'visually-hidden'}>
        {failure ? t(`error_${failure}`) : ''}
      </p>
      <form
        method="post"
        action="/api/v1/session"
        onSubmit={(e) => void submit(e)}
        aria-describedby={failure ? errorId : undefined}
      >
        <div class="field">
          <label for="sign-in-email">{t('email')}</label>
          <input
            ref={emailRef}
            id="sign-in-email"
            name="email"
            type="email"
            autocomplete="username"
            required
            aria-invalid={failure === 'credentials' ? 'true' : undefined}
          />
        </div>
        <div class="field">
          <label for="sign-in-password">{t('password')}</label>
          <input
            id="sign-in-password"
            name="password"
            type="password"
            autocomplete="current-password"
            required
            aria-invalid={failure === 'credentials' ? 'true' : undefined}
          />
        </div>
        <p>
          <button type="submit" class="primary" disabled={busy}>
            {busy ? t('submitting') : t('submit')}
          </button>
        </p>
      </form>
      {oidc && (
        <p>
          <a href="/api/v1/session/oidc">{t('oidc')}</a>
        </p>
      )}
      <p class="hint">{t('help')}</p>
    </div>
  );
}
