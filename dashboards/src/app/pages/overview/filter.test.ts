import { describe, expect, it } from 'vitest';
import type { SchoolListItem } from '../../api/types.js';
import {
  countByBand,
  filterFromQuery,
  filterSchools,
  municipalityRows,
  rowsFromSchools,
  scoreDistribution,
  type OverviewRow,
} from './filter.js';

const row = (over: Partial<OverviewRow>): OverviewRow => ({
  id: over.name ?? 'x',
  name: 'x',
  municipality: 'Rīga',
  pupils: 100,
  score: null,
  band: 'insufficient_data',
  confidence: null,
  download_mbps: null,
  lat: null,
  lon: null,
  school_type: null,
  planned_eur: null,
  ...over,
});

const rows = [
  row({
    name: 'Cēsu pamatskola',
    municipality: 'Cēsu novads',
    band: 'good',
    score: 85,
    school_type: 'general',
  }),
  row({ name: 'Rīgas 1. vidusskola', band: 'priority', score: 30, confidence: 'high', download_mbps: 12 }),
  row({
    name: 'Ogres tehnikums',
    municipality: 'Ogres novads',
    band: 'priority',
    score: 45,
    school_type: 'vocational',
  }),
  row({ name: 'Rīgas 2. vidusskola', band: 'moderate', score: 70, download_mbps: 95 }),
];

const query = (q: string) => filterFromQuery(new URLSearchParams(q));

describe('filterSchools', () => {
  it('keeps every school with no filter', () => {
    expect(filterSchools(rows, query(''))).toHaveLength(4);
  });

  it('combines municipality, band, type and confidence', () => {
    expect(filterSchools(rows, query('band=priority&municipality=R%C4%ABga')).map((s) => s.name)).toEqual([
      'Rīgas 1. vidusskola',
    ]);
    expect(filterSchools(rows, query('type=vocational')).map((s) => s.name)).toEqual(['Ogres tehnikums']);
    expect(filterSchools(rows, query('confidence=high'))).toHaveLength(1);
  });

  it('searches name and municipality without case or diacritics', () => {
    expect(filterSchools(rows, query('q=CESU')).map((s) => s.name)).toEqual(['Cēsu pamatskola']);
    expect(filterSchools(rows, query('q=ogres novads'))).toHaveLength(1);
  });
});

describe('summaries', () => {
  it('count every band, zero included', () => {
    expect(countByBand(rows)).toEqual({ good: 1, moderate: 1, priority: 2, insufficient_data: 0 });
  });

  it('put scores in ten bars, 100 in the last', () => {
    const bins = scoreDistribution([...rows, row({ score: 100 }), row({ score: 0 }), row({ score: null })]);
    expect(bins).toHaveLength(10);
    expect(bins.map((b) => b.count)).toEqual([1, 0, 0, 1, 1, 0, 0, 1, 1, 1]);
  });

  it('give each municipality its schools, pupils, median score, slow share and planned euros', () => {
    const lines = municipalityRows(rows, {
      names: ['Cēsu novads', 'Rīga', 'Ogres novads', 'Valmieras novads'],
      slowBelowMbps: 20,
      keepEmpty: true,
      plannedKnown: false,
    });
    const riga = lines.find((m) => m.name === 'Rīga')!;
    expect(riga).toEqual({
      name: 'Rīga',
      schools: 2,
      pupils: 200,
      median_score: 50,
      slow_share: 0.5,
      planned_eur: null,
    });
    expect(lines.find((m) => m.name === 'Valmieras novads')).toMatchObject({
      schools: 0,
      median_score: null,
    });
    expect(lines.find((m) => m.name === 'Cēsu novads')!.slow_share).toBeNull();
  });

  it('leave out municipalities without a matching school while a filter is on', () => {
    const lines = municipalityRows(filterSchools(rows, query('band=good')), {
      names: ['Cēsu novads', 'Rīga'],
      slowBelowMbps: 20,
      keepEmpty: false,
      plannedKnown: true,
    });
    expect(lines).toEqual([
      { name: 'Cēsu novads', schools: 1, pupils: 100, median_score: 85, slow_share: null, planned_eur: 0 },
    ]);
  });
});

describe('rowsFromSchools', () => {
  it('leaves retired schools out', () => {
    const base: SchoolListItem = {
      id: 'a',
      name: 'A',
      municipality: 'Rīga',
      pupils: 1,
      score: null,
      band: 'insufficient_data',
      registration_number: null,
      address: null,
      lat: 56.9,
      lon: 24.1,
      school_type: 'general',
      retired_at: null,
    };
    const out = rowsFromSchools([base, { ...base, id: 'b', retired_at: '2026-01-01T00:00:00.000Z' }]);
    expect(out.map((r) => r.id)).toEqual(['a']);
    expect(out[0]).toMatchObject({ lat: 56.9, lon: 24.1, school_type: 'general', confidence: null });
  });
});
