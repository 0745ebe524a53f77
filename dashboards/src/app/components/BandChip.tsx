import type { Band } from '../api/types.js';
import { useCommon } from '../i18n/common.js';

/** A school's band as text with its colour; the colour never carries the meaning alone. */
export function BandChip(props: { band: Band }) {
  const t = useCommon();
  return <span class={`band band-${props.band}`}>{t(`band_${props.band}`)}</span>;
}
