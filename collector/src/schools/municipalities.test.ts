import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { feature } from 'topojson-client';
import type { Topology } from 'topojson-specification';
import { describe, expect, it } from 'vitest';
import { MERGED_MUNICIPALITIES, MUNICIPALITIES, findMunicipality, mergedInto } from './municipalities.js';
import { LATVIA_BOUNDS } from './register-rules.js';

/** Latvia's outline from Natural Earth (1:10m) as the world-atlas package ships it: a reader we did not write. */
async function latviaRings(): Promise<[number, number][][]> {
  const path = createRequire(import.meta.url).resolve('world-atlas/countries-10m.json');
  const topology = JSON.parse(await readFile(path, 'utf8')) as Topology;
  const countries = feature(topology, topology.objects['countries'] as never) as unknown as {
    features: { id: string; geometry: { type: string; coordinates: unknown } }[];
  };
  const latvia = countries.features.find((f) => f.id === '428');
  if (!latvia) throw new Error('world-atlas has no Latvia (ISO 3166-1 numeric 428)');
  const polygons = (
    latvia.geometry.type === 'Polygon' ? [latvia.geometry.coordinates] : latvia.geometry.coordinates
  ) as [number, number][][][];
  return polygons.flat();
}

/** Even-odd ray casting; the outline's rings are [lon, lat]. */
function inside(rings: [number, number][][], lat: number, lon: number): boolean {
  let odd = false;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i, i += 1) {
      const [xi, yi] = ring[i] as [number, number];
      const [xj, yj] = ring[j] as [number, number];
      if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) odd = !odd;
    }
  }
  return odd;
}

describe('Latvia municipalities since 1 July 2025', () => {
  it('are 35 novadi and 7 state cities, each name once', () => {
    expect(MUNICIPALITIES.filter((m) => m.kind === 'novads')).toHaveLength(35);
    expect(MUNICIPALITIES.filter((m) => m.kind === 'state_city').map((m) => m.name)).toEqual([
      'Daugavpils',
      'Jelgava',
      'Jūrmala',
      'Liepāja',
      'Rēzekne',
      'Rīga',
      'Ventspils',
    ]);
    expect(new Set(MUNICIPALITIES.map((m) => m.name)).size).toBe(42);
    // Every novads is named in the genitive with "novads", as the law writes it.
    for (const m of MUNICIPALITIES.filter((x) => x.kind === 'novads')) expect(m.name).toMatch(/^\S+ novads$/);
  });

  it('no longer list Varakļānu novads, which joined Madonas novads', () => {
    expect(findMunicipality('Varakļānu novads')).toBeUndefined();
    expect(mergedInto('varakļānu  novads')).toBe('Madonas novads');
    for (const [, successor] of MERGED_MUNICIPALITIES) expect(findMunicipality(successor)).toBeDefined();
  });

  it('finds a name whatever its case, spacing or Unicode form', () => {
    expect(findMunicipality(' rīga ')?.name).toBe('Rīga');
    // "ē" written as e + combining macron (NFD), as some spreadsheets store it.
    expect(findMunicipality('Ce\u0304su novads')?.name).toBe('Cēsu novads');
    expect(findMunicipality('ĶEKAVAS   NOVADS')?.name).toBe('Ķekavas novads');
    expect(findMunicipality('Cēsis')).toBeUndefined();
  });

  it('have their approximate centres inside Latvia’s outline', async () => {
    const rings = await latviaRings();
    const outside = MUNICIPALITIES.filter((m) => !inside(rings, m.approx_centre.lat, m.approx_centre.lon));
    expect(outside.map((m) => m.name)).toEqual([]);
  });

  it('bound Latvia’s outline within a few kilometres', async () => {
    const points = (await latviaRings()).flat();
    const lats = points.map(([, lat]) => lat);
    const lons = points.map(([lon]) => lon);
    const [south, north] = [Math.min(...lats), Math.max(...lats)];
    const [west, east] = [Math.min(...lons), Math.max(...lons)];
    expect(LATVIA_BOUNDS.south).toBeLessThan(south);
    expect(LATVIA_BOUNDS.north).toBeGreaterThan(north);
    expect(LATVIA_BOUNDS.west).toBeLessThan(west);
    expect(LATVIA_BOUNDS.east).toBeGreaterThan(east);
    // No more than 0.1° (about 6-11 km) of slack on any side.
    expect(south - LATVIA_BOUNDS.south).toBeLessThan(0.1);
    expect(LATVIA_BOUNDS.north - north).toBeLessThan(0.1);
    expect(west - LATVIA_BOUNDS.west).toBeLessThan(0.1);
    expect(LATVIA_BOUNDS.east - east).toBeLessThan(0.1);
  });
});
