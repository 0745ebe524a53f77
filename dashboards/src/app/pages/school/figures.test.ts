/**
 * The "Measured" column of the school page's score components: every
 * figure with its unit, shares as percentages, in each language's number
 * format. Component figures are synthetic, in the shape of
 * `GET /api/v1/schools/:id` (collector/src/scoring/school-score.ts).
 */
import { describe, expect, it } from 'vitest';
import { createFormatters, formatMessage, type Lang, type Message } from '../../i18n/i18n.js';
import { measured } from './figures.js';
import en from './messages.en.js';
import lv from './messages.lv.js';
import type { ScoreComponentView } from './types.js';

// Intl puts (narrow) no-break spaces into some formats; compare with plain spaces.
const plain = (s: string): string => s.replace(/[\u00a0\u202f]/g, ' ');

const show = (lang: Lang, c: ScoreComponentView): string => {
  const catalog: Readonly<Record<keyof typeof lv, Message>> = lang === 'lv' ? lv : en;
  return plain(
    measured(c, createFormatters(lang), (key, params) => formatMessage(lang, catalog[key], params)),
  );
};

const base = { score: 50, weight: 0.1, samples: 12 };

describe('measured figures of the score components', () => {
  it('show the Wi-Fi coverage share as a percentage, not a fraction', () => {
    const wifi = { ...base, coverage_share: 0.38 };
    expect(show('lv', wifi)).toBe('pārklāto telpu daļa: 38%');
    expect(show('en', wifi)).toBe('share of rooms covered: 38%');
  });

  it('show the availability share as a percentage with the decimal comma in Latvian', () => {
    const availability = { ...base, share: 0.995, probe_max_loss_pct: 20 };
    expect(show('lv', availability)).toBe('daļa: 99,5%; pieejams, ja zudumi ne lielāki par: 20%');
    expect(show('en', availability)).toBe('share: 99.5%; available with loss at most: 20%');
  });

  it('show loss in percent and pings as a count', () => {
    const loss = { ...base, pct: 1.25, median_pct: 1.25, pings: 12400, hours: 'lesson' };
    expect(show('lv', loss)).toBe('zaudētās / nosūtītās paketes: 1,25%; nosūtītās paketes: 12 400');
    expect(show('en', loss)).toBe('packets lost / sent: 1.25%; packets sent: 12,400');
  });

  it('show rates and times with their units', () => {
    const download = { ...base, median_mbps: 79.64, per_pupil_mbps: 0.25, capped: false, hours: 'lesson' };
    expect(show('lv', download)).toBe('mediāna: 79,64 Mbit/s; uz skolēnu: 0,25 Mbit/s');
    expect(show('en', download)).toBe('median: 79.64 Mbit/s; per pupil: 0.25 Mbit/s');
    const latency = { ...base, median_ms: 18.5, p95_ms: 42 };
    expect(show('lv', latency)).toBe('mediāna: 18,5 ms; 95. procentile: 42 ms');
  });
});
