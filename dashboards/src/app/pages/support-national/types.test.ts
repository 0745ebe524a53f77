import { describe, expect, it } from 'vitest';
import { previousSemester, rowsOf, type NationalLine, type NationalView } from './types.js';

describe('national view helpers', () => {
  it('steps back one semester at a time across school years', () => {
    expect(previousSemester('2025/2026-2')).toBe('2025/2026-1');
    expect(previousSemester('2025/2026-1')).toBe('2024/2025-2');
  });

  it('lists the country, then each municipality followed by its schools', () => {
    const line = {} as NationalLine;
    const view: NationalView = {
      semester: '2025/2026-1',
      min_published_count: 5,
      national: line,
      municipalities: [
        { municipality: 'Cēsu novads', line, schools: [{ school_id: 'a', name: 'A', line }] },
        { municipality: 'Rīga', line, schools: [{ school_id: 'b', name: 'B', line }] },
      ],
    };
    expect(rowsOf(view).map((r) => `${r.level}:${r.name}`)).toEqual([
      'national:',
      'municipality:Cēsu novads',
      'school:A',
      'municipality:Rīga',
      'school:B',
    ]);
  });
});
