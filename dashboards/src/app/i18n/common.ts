import en from './common.en.js';
import lv from './common.lv.js';
import { useMessages, type Catalogs, type Translate } from './i18n.js';

/** The shared catalogs. */
export const commonMessages: Catalogs<typeof lv> = { lv, en };

/** Translate function of the shared texts. */
export function useCommon(): Translate<typeof lv> {
  return useMessages(commonMessages);
}
