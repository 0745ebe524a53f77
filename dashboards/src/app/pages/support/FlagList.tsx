import type { Lang } from '../../i18n/i18n.js';
import type { Violation } from './types.js';

/**
 * A plan's rule flags: each violation's text in the page's language as
 * the API gives it, with its stable code beside it (what support staff
 * quote when they ask for help).
 */
export function FlagList(props: { flags: readonly Violation[]; lang: Lang; none: string }) {
  if (props.flags.length === 0) return <span class="muted">{props.none}</span>;
  return (
    <ul class="flags">
      {props.flags.map((f, i) => (
        <li key={`${f.code}-${i}`}>
          {props.lang === 'lv' ? f.lv : f.en} <code>{f.code}</code>
        </li>
      ))}
    </ul>
  );
}
