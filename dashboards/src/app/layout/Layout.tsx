import type { ComponentChildren } from 'preact';
import { useCommon } from '../i18n/common.js';
import { useLang } from '../i18n/i18n.js';
import { mayOpen, type PageDefinition } from '../pages/page.js';
import { Link, navigate, useLocation } from '../router.js';
import { useSession } from '../session.js';

/** Path of the accessibility statement, linked from every page's footer. */
export const ACCESSIBILITY_PATH = '/accessibility';

/**
 * The frame of every page: skip link, site name, navigation for the
 * person's role, language switch, sign-in or sign-out, and the footer.
 */
export function Layout(props: { pages: readonly PageDefinition[]; children: ComponentChildren }) {
  const t = useCommon();
  const { lang, setLang } = useLang();
  const { session, signOut } = useSession();
  const { pathname } = useLocation();
  const role = session?.user.role;
  const nav = props.pages.filter((p) => p.nav && mayOpen(p.access, role));
  const other = lang === 'lv' ? 'en' : 'lv';

  const out = async (): Promise<void> => {
    await signOut();
    navigate('/sign-in?signed_out=1');
  };

  return (
    <>
      <a class="skip-link" href="#main">
        {t('skip_to_content')}
      </a>
      <header class="site-header">
        <div class="brand">
          <Link href="/" class="brand-name">
            {t('site_name')}
          </Link>
          <span class="brand-tagline">{t('site_tagline')}</span>
        </div>
        <nav aria-label={t('main_navigation')}>
          <ul>
            {nav.map((p) => (
              <li key={p.id}>
                <Link href={p.path} aria-current={pathname === p.path ? 'page' : undefined}>
                  {p.title[lang]}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div class="account">
          <button type="button" class="lang-switch" lang={other} onClick={() => setLang(other)}>
            {t('switch_language')}
          </button>
          {session ? (
            <>
              <span class="who">
                {t('signed_in_as', { email: session.user.email })} ({t(`role_${session.user.role}`)})
              </span>
              <button type="button" onClick={() => void out()}>
                {t('sign_out')}
              </button>
            </>
          ) : pathname === '/sign-in' ? null : (
            <Link href={`/sign-in?next=${encodeURIComponent(pathname)}`}>{t('sign_in')}</Link>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {props.children}
      </main>
      <footer class="site-footer">
        <p>
          <Link href={ACCESSIBILITY_PATH}>{t('footer_accessibility')}</Link>
        </p>
        <p>{t('footer_method')}</p>
      </footer>
    </>
  );
}
