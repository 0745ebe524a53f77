import { useMessages } from '../../i18n/i18n.js';
import en from './messages.en.js';
import lv from './messages.lv.js';

const messages = { lv, en };

/** The accessibility statement that Latvian public-sector sites publish. */
export function AccessibilityPage() {
  const t = useMessages(messages);
  return (
    <>
      <h1>{t('title')}</h1>
      <p class="lead">{t('intro')}</p>
    </>
  );
}
