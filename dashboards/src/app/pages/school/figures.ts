import type { Formatters, Translate } from '../../i18n/i18n.js';
import type lv from './messages.lv.js';
import type { ScoreComponentView } from './types.js';

type T = Translate<typeof lv>;

/** Names of a component's figures in the page's catalog, by the figure's name without its unit. */
const FIGURE_NAMES: Readonly<Record<string, keyof typeof lv>> = {
  median: 'f_median',
  per_pupil: 'f_per_pupil',
  p95: 'f_p95',
  share: 'f_share',
  coverage_share: 'f_coverage_share',
  probe_max_loss: 'f_probe_max_loss',
  pct: 'f_loss',
  pings: 'f_pings',
};

/** Most decimals a percentage shows: loss thresholds go down to tenths of a percent. */
const PERCENT_DIGITS = 2;

/**
 * The figures of a component worth showing, with their units (snake_case
 * suffixes name them): shares (0..1, `share` or `_share`) and percents
 * (`pct`, `_pct`) both as the language's percentage, rates in Mbit/s,
 * times in ms, anything else (counts) as a plain number.
 */
export function measured(c: ScoreComponentView, fmt: Formatters, t: T): string {
  // `median_pct` is loss's deprecated second name for `pct` (kept in the API for old readers).
  const skip = new Set(['score', 'weight', 'samples', 'capped', 'median_pct']);
  return Object.entries(c)
    .filter((e): e is [string, number] => !skip.has(e[0]) && typeof e[1] === 'number')
    .map(([k, v]) => {
      const base = k.replace(/_(mbps|ms|pct)$/, '');
      const name = FIGURE_NAMES[base];
      return `${name ? t(name) : base.replaceAll('_', ' ')}: ${figure(k, v, fmt)}`;
    })
    .join('; ');
}

/** One figure in the unit its name's suffix says. */
function figure(key: string, value: number, fmt: Formatters): string {
  if (/(^|_)share$/.test(key)) return fmt.percent(value, PERCENT_DIGITS);
  if (/(^|_)pct$/.test(key)) return fmt.percent(value / 100, PERCENT_DIGITS);
  if (/_mbps$/.test(key)) return `${fmt.number(value, 2)} Mbit/s`;
  if (/_ms$/.test(key)) return `${fmt.number(value, 2)} ms`;
  return fmt.number(value, 2);
}
