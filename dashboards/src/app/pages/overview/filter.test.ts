import { describe, expect, it } from 'vitest';
import type { SchoolListItem } from '../../api/types.js';
import { countByBand, filterFromQuery, filterSchools } from './filter.js';

const school = (over: Partial<SchoolListItem>): SchoolListItem => ({
  id: over.name ?? 'x',
  name: 'x',
  municipality: 'Rīga',
  pupils: 100,
  score: null,
  band: 'insufficient_data',
  ...over,
});

const schools = [
  school({ name: 'Cēsu pamatskola', municipality: 'Cēsu novads', band: 'good', school_type: 'pamatskola' }),
  school({ name: 'Rīgas 1. vidusskola', band: 'priority', school_type: 'vidusskola', confidence: 'high' }),
  school({ name: 'Ogres tehnikums', municipality: 'Ogres novads', band: 'priority' }),
];

describe('filterSchools', () => {
  it('keeps every school with no filter', () => {
    expect(filterSchools(schools, filterFromQuery(new URLSearchParams()))).toHaveLength(3);
  });

  it('combines municipality, band, type and confidence', () => {
    const f = filterFromQuery(new URLSearchParams('band=priority&municipality=R%C4%ABga'));
    expect(filterSchools(schools, f).map((s) => s.name)).toEqual(['Rīgas 1. vidusskola']);
    expect(filterSchools(schools, filterFromQuery(new URLSearchParams('type=pamatskola')))).toHaveLength(1);
    expect(filterSchools(schools, filterFromQuery(new URLSearchParams('confidence=high')))).toHaveLength(1);
  });

  it('searches name and municipality without case or diacritics', () => {
    expect(filterSchools(schools, filterFromQuery(new URLSearchParams('q=CESU'))).map((s) => s.name)).toEqual(
      ['Cēsu pamatskola'],
    );
    expect(filterSchools(schools, filterFromQuery(new URLSearchParams('q=ogres novads')))).toHaveLength(1);
  });
});

describe('countByBand', () => {
  it('counts every band, zero included', () => {
    expect(countByBand(schools)).toEqual({ good: 1, moderate: 0, priority: 2, insufficient_data: 0 });
  });
});
