import { describe, expect, it } from 'vitest';
import { createFormatters } from './i18n.js';

// Intl puts narrow no-break spaces into some formats; compare with plain spaces.
const plain = (s: string): string => s.replace(/[\u00a0\u202f]/g, ' ');

describe('formatters', () => {
  it('write euros as Latvian and English readers expect', () => {
    expect(plain(createFormatters('lv').eur(1234567))).toBe('1 234 567 €');
    expect(createFormatters('en').eur(1234567)).toBe('€1,234,567');
    expect(createFormatters('en').eur(12.5, true)).toBe('€12.50');
  });

  it('write numbers with the decimal comma in Latvian', () => {
    expect(createFormatters('lv').number(79.64, 1)).toBe('79,6');
    expect(createFormatters('en').number(79.64, 1)).toBe('79.6');
  });

  it('write shares as percentages', () => {
    expect(createFormatters('lv').percent(0.25)).toBe('25%');
    expect(createFormatters('en').percent(0.25)).toBe('25%');
  });

  it('write dates day first in both languages', () => {
    const at = '2025-07-01T09:00:00Z';
    expect(createFormatters('lv').date(at)).toMatch(/2025\. gada 1\. jūl\.|01\.07\.2025\./);
    expect(createFormatters('en').date(at)).toBe('1 Jul 2025');
  });
});
