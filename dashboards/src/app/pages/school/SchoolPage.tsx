import { ApiError, api } from '../../api/client.js';
import type { SchoolListItem } from '../../api/types.js';
import { useApi } from '../../api/use-api.js';
import { BandChip } from '../../components/BandChip.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { useCommon } from '../../i18n/common.js';
import { useLang, useMessages } from '../../i18n/i18n.js';
import { Link } from '../../router.js';
import type { PageProps } from '../page.js';
import en from './messages.en.js';
import lv from './messages.lv.js';

const messages = { lv, en };

/**
 * One school: the summary the school page starts from (`GET
 * /api/v1/schools/:id`). The school page's full content (score
 * components, history, Wi-Fi, inventory, agents, plan options) belongs to
 * this folder's owner.
 */
export function SchoolPage(props: PageProps) {
  const t = useMessages(messages);
  const common = useCommon();
  const { fmt } = useLang();
  const id = props.params.id ?? '';
  const school = useApi(() => api.get<SchoolListItem>(`/api/v1/schools/${encodeURIComponent(id)}`), [id]);
  const err = school.error instanceof ApiError ? school.error : undefined;

  if (err?.status === 401) {
    return (
      <>
        <h1>{t('title')}</h1>
        <p>{t('need_sign_in')}</p>
        <p>
          <Link href={`/sign-in?next=${encodeURIComponent(location.pathname)}`}>{common('sign_in')}</Link>
        </p>
      </>
    );
  }
  if (err?.status === 403 || err?.status === 404) {
    return (
      <>
        <h1>{t('title')}</h1>
        <p>{err.status === 403 ? t('forbidden') : t('not_found')}</p>
        <p>
          <Link href="/">{t('back')}</Link>
        </p>
      </>
    );
  }
  const s = school.data;
  return (
    <>
      <h1>{s ? s.name : t('title')}</h1>
      {school.error !== undefined && <ErrorNotice error={school.error} onRetry={school.reload} />}
      {s === undefined ? (
        <p>{common('loading')}</p>
      ) : (
        <dl class="facts">
          <dt>{t('municipality')}</dt>
          <dd>{s.municipality}</dd>
          <dt>{t('pupils')}</dt>
          <dd>{fmt.number(s.pupils)}</dd>
          <dt>{t('score')}</dt>
          <dd>{s.score === null ? t('no_score') : fmt.number(s.score, 1)}</dd>
          <dt>{t('band')}</dt>
          <dd>
            <BandChip band={s.band} />
          </dd>
        </dl>
      )}
    </>
  );
}
