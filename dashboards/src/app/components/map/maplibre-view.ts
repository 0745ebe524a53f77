import type { Feature, FeatureCollection, Point } from 'geojson';
import { Map as MapLibreMap, setWorkerUrl, type GeoJSONSource, type StyleSpecification } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import {
  BAND_COLOURS,
  BORDER_COLOUR,
  LAND_COLOUR,
  WATER_COLOUR,
  boundsOf,
  type MapPoint,
} from './geometry.js';

// The worker is a file of the build, served by the collector: the CSP's
// worker-src 'self' allows it, and nothing is built from a blob.
setWorkerUrl(workerUrl);

/** What the overview needs of a live map. */
export interface MapView {
  setPoints(points: readonly MapPoint[]): void;
  remove(): void;
}

/** Space around Latvia when the map fits it, px. */
const FIT_PADDING_PX = 12;

function pointsData(points: readonly MapPoint[]): FeatureCollection<Point> {
  return {
    type: 'FeatureCollection',
    features: points.map((p) => ({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [p.lon, p.lat] },
      properties: { id: p.id, name: p.name, band: p.band, highlight: p.highlight === true },
    })),
  };
}

/**
 * A MapLibre map of Latvia: the outline shipped with the application
 * and the schools as circles coloured by band; a base map only when a
 * tile URL is given. Resolves once the map has drawn; rejects when it
 * cannot (no WebGL context), so the caller can fall back to SVG.
 */
export function createMapView(options: {
  container: HTMLElement;
  outline: Feature;
  points: readonly MapPoint[];
  /** `Map.Title` and the zoom buttons' names in the page's language. */
  locale: Record<string, string>;
  /** Raster tiles (`https://…/{z}/{x}/{y}.png`) drawn under the outline, when configured. */
  tileUrl?: string | undefined;
  onSelect(id: string): void;
  /** After each redraw settles: how many school dots are on screen. */
  onRendered?(schools: number): void;
}): Promise<MapView> {
  const [w, s, e, n] = boundsOf(options.outline);
  const style: StyleSpecification = {
    version: 8,
    sources: {
      latvia: { type: 'geojson', data: options.outline },
      schools: { type: 'geojson', data: pointsData(options.points) },
      ...(options.tileUrl ? { base: { type: 'raster', tiles: [options.tileUrl], tileSize: 256 } } : {}),
    },
    layers: [
      { id: 'water', type: 'background', paint: { 'background-color': WATER_COLOUR } },
      ...(options.tileUrl ? [{ id: 'base', type: 'raster' as const, source: 'base' }] : []),
      {
        id: 'land',
        type: 'fill',
        source: 'latvia',
        paint: { 'fill-color': LAND_COLOUR, 'fill-opacity': options.tileUrl ? 0.3 : 1 },
      },
      {
        id: 'border',
        type: 'line',
        source: 'latvia',
        paint: { 'line-color': BORDER_COLOUR, 'line-width': 1.5 },
      },
      {
        id: 'schools',
        type: 'circle',
        source: 'schools',
        paint: {
          'circle-radius': ['case', ['get', 'highlight'], 7, 5],
          'circle-color': [
            'match',
            ['get', 'band'],
            'good',
            BAND_COLOURS.good,
            'moderate',
            BAND_COLOURS.moderate,
            'priority',
            BAND_COLOURS.priority,
            BAND_COLOURS.insufficient_data,
          ],
          'circle-stroke-color': ['case', ['get', 'highlight'], '#1b1f24', '#ffffff'],
          'circle-stroke-width': ['case', ['get', 'highlight'], 2, 1],
        },
      },
    ],
  };
  return new Promise((resolve, reject) => {
    let map: MapLibreMap;
    try {
      map = new MapLibreMap({
        container: options.container,
        style,
        bounds: [w, s, e, n],
        fitBoundsOptions: { padding: FIT_PADDING_PX },
        attributionControl: false,
        locale: options.locale,
      });
    } catch (err) {
      reject(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    let loaded = false;
    map.on('error', (event) => {
      if (!loaded) reject(new Error('the map could not be drawn', { cause: event.error }));
    });
    map.on('load', () => {
      loaded = true;
      map.on('click', 'schools', (event) => {
        const id = event.features?.[0]?.properties?.id as unknown;
        if (typeof id === 'string') options.onSelect(id);
      });
      // A resized box (a phone turned, a window narrowed) shows the whole country again.
      map.on('resize', () => map.fitBounds([w, s, e, n], { padding: FIT_PADDING_PX, animate: false }));
      map.on('idle', () => options.onRendered?.(map.queryRenderedFeatures({ layers: ['schools'] }).length));
      map.on('mouseenter', 'schools', () => {
        map.getCanvas().style.cursor = 'pointer';
      });
      map.on('mouseleave', 'schools', () => {
        map.getCanvas().style.cursor = '';
      });
      resolve({
        setPoints: (points) => {
          void (map.getSource('schools') as GeoJSONSource).setData(pointsData(points));
        },
        remove: () => map.remove(),
      });
    });
  });
}
