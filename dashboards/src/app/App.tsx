import { useEffect, useRef } from 'preact/hooks';
import { useCommon } from './i18n/common.js';
import { useLang } from './i18n/i18n.js';
import { Layout } from './layout/Layout.js';
import { mayOpen, type PageDefinition } from './pages/page.js';
import { PAGES } from './pages/registry.js';
import { Link, matchPath, useLocation } from './router.js';
import { useSession } from './session.js';

function resolve(pathname: string): { page: PageDefinition; params: Record<string, string> } | undefined {
  for (const page of PAGES) {
    const params = matchPath(page.path, pathname);
    if (params !== undefined) return { page, params };
  }
  return undefined;
}

/**
 * The application: picks the page for the URL, checks that the person may
 * open it, sets the document's title, and moves focus to the new page's
 * main region after a navigation so screen-reader and keyboard users start
 * at its top, as after a full page load.
 */
export function App() {
  const t = useCommon();
  const { lang } = useLang();
  const { status, session } = useSession();
  const { pathname, search } = useLocation();
  const found = resolve(pathname);
  const first = useRef(true);

  const title = found ? found.page.title[lang] : t('not_found_title');
  useEffect(() => {
    document.title = `${title} · skolnet`;
  }, [title]);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    document.getElementById('main')?.focus();
    // Only a new path moves focus; query changes (filters, sorting) keep it where the person is.
  }, [pathname]);

  let content;
  if (found === undefined) {
    content = (
      <>
        <h1>{t('not_found_title')}</h1>
        <p>{t('not_found')}</p>
        <p>
          <Link href="/">{t('home')}</Link>
        </p>
      </>
    );
  } else if (found.page.access !== 'public' && status === 'loading') {
    content = <p>{t('loading')}</p>;
  } else if (!mayOpen(found.page.access, session?.user.role)) {
    content =
      session === undefined ? (
        <>
          <h1>{t('need_sign_in_title')}</h1>
          <p>{t('need_sign_in')}</p>
          <p>
            <Link href={`/sign-in?next=${encodeURIComponent(pathname + search)}`}>{t('sign_in')}</Link>
          </p>
        </>
      ) : (
        <>
          <h1>{t('forbidden_title')}</h1>
          <p>{t('forbidden', { role: t(`role_${session.user.role}`) })}</p>
        </>
      );
  } else {
    const Page = found.page.component;
    content = <Page params={found.params} />;
  }
  return <Layout pages={PAGES}>{content}</Layout>;
}
