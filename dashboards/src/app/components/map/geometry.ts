import type { Feature, Position } from 'geojson';
import type { Band } from '../../api/types.js';

/** A school on the map. */
export interface MapPoint {
  id: string;
  name: string;
  lat: number;
  lon: number;
  band: Band;
  /** Drawn larger and outlined (funded in the plan, say). */
  highlight?: boolean;
}

/**
 * Colours of the bands on the map, the same as the band chips' text
 * colours (styles.css); each has at least 3:1 contrast against the map's
 * land colour, as WCAG 1.4.11 asks of graphical objects.
 */
export const BAND_COLOURS: Readonly<Record<Band, string>> = {
  good: '#1d7a3a',
  moderate: '#8a5a00',
  priority: '#a3161b',
  insufficient_data: '#4f5863',
};

/** Colour of the land inside the outline. */
export const LAND_COLOUR = '#f4f1e8';
/** Colour of the sea and neighbours around it. */
export const WATER_COLOUR = '#dbe7ef';
/** Colour of the border line. */
export const BORDER_COLOUR = '#4f5863';

/** Every ring of the outline's polygons. */
export function ringsOf(outline: Feature): Position[][] {
  const g = outline.geometry;
  if (g.type === 'Polygon') return g.coordinates;
  if (g.type === 'MultiPolygon') return g.coordinates.flat();
  return [];
}

/** West, south, east, north of the outline, degrees. */
export function boundsOf(outline: Feature): [number, number, number, number] {
  let w = Infinity;
  let s = Infinity;
  let e = -Infinity;
  let n = -Infinity;
  for (const ring of ringsOf(outline)) {
    for (const [lon, lat] of ring) {
      w = Math.min(w, lon!);
      e = Math.max(e, lon!);
      s = Math.min(s, lat!);
      n = Math.max(n, lat!);
    }
  }
  return [w, s, e, n];
}

/**
 * An equirectangular projection of the outline's bounds onto `width` px,
 * scaled by the cosine of the middle latitude so Latvia keeps its shape
 * (at 57° N a degree of longitude is about half a degree of latitude).
 */
export function projector(
  outline: Feature,
  width: number,
): { height: number; project: (lon: number, lat: number) => [number, number] } {
  const [w, s, e, n] = boundsOf(outline);
  const k = Math.cos((((s + n) / 2) * Math.PI) / 180);
  const scale = width / ((e - w) * k);
  return {
    height: Math.ceil((n - s) * scale),
    project: (lon, lat) => [(lon - w) * k * scale, (n - lat) * scale],
  };
}
