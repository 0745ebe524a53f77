import { useMessages } from '../../i18n/i18n.js';
import en from './messages.en.js';
import lv from './messages.lv.js';

const messages = { lv, en };

/**
 * The accessibility statement that Latvian public-sector sites publish
 * (Directive (EU) 2016/2102): conformance status, what is not accessible
 * and the alternative, keyboard use, how it was checked, and feedback.
 */
export function AccessibilityPage() {
  const t = useMessages(messages);
  return (
    <div class="prose">
      <h1>{t('title')}</h1>
      <p class="lead">{t('intro')}</p>
      <h2>{t('status_heading')}</h2>
      <p>{t('status')}</p>
      <h2>{t('gaps_heading')}</h2>
      <ul>
        <li>{t('gap_map')}</li>
        <li>{t('gap_exports')}</li>
        <li>{t('gap_fallback')}</li>
      </ul>
      <h2>{t('keyboard_heading')}</h2>
      <ul>
        <li>{t('keyboard_tab')}</li>
        <li>{t('keyboard_skip')}</li>
        <li>{t('keyboard_sort')}</li>
        <li>{t('keyboard_map')}</li>
        <li>{t('keyboard_lang')}</li>
      </ul>
      <h2>{t('method_heading')}</h2>
      <p>{t('method')}</p>
      <h2>{t('feedback_heading')}</h2>
      <p>{t('feedback')}</p>
    </div>
  );
}
