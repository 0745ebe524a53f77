import { useMessages } from '../../i18n/i18n.js';
import en from './messages.en.js';
import lv from './messages.lv.js';

const messages = { lv, en };

/** Which page is still to come. */
export type ComingArea = 'vendor' | 'support';

/**
 * What a vendor or a support coordinator will find here once their pages
 * exist: a description instead of an error, so signing in early is not a
 * dead end.
 */
export function ComingSoonPage(props: { area: ComingArea }) {
  const t = useMessages(messages);
  const a = props.area;
  return (
    <>
      <h1>{t(`${a}_title`)}</h1>
      <p class="lead">{t(`${a}_intro`)}</p>
      <ul>
        <li>{t(`${a}_items_1`)}</li>
        <li>{t(`${a}_items_2`)}</li>
        <li>{t(`${a}_items_3`)}</li>
      </ul>
      <p class="notice">{t('not_yet')}</p>
    </>
  );
}
