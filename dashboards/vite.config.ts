import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Feature, Geometry, Position } from 'geojson';
import { feature } from 'topojson-client';
import type { GeometryObject, Topology } from 'topojson-specification';
import { defineConfig, type Plugin } from 'vite';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const require = createRequire(import.meta.url);

/** Natural Earth's numeric country code (ISO 3166-1) of Latvia in world-atlas. */
const LATVIA_ID = '428';
/** Decimal places kept of each coordinate: 4 is about 10 m, finer than the 1:10m source. */
const COORDINATE_DECIMALS = 4;

const round = (p: Position): Position => p.map((v) => Number(v.toFixed(COORDINATE_DECIMALS)));
function roundGeometry(g: Geometry): Geometry {
  switch (g.type) {
    case 'Polygon':
      return { ...g, coordinates: g.coordinates.map((ring) => ring.map(round)) };
    case 'MultiPolygon':
      return { ...g, coordinates: g.coordinates.map((poly) => poly.map((ring) => ring.map(round))) };
    default:
      throw new Error(`unexpected geometry ${g.type} for Latvia`);
  }
}

/**
 * `virtual:latvia-outline`: Latvia's outline as GeoJSON, cut at build
 * time from world-atlas's countries-10m (Natural Earth 1:10m, public
 * domain) with topojson-client. The map then needs no tile server and
 * works offline; the outline is about 20 kB.
 */
function latviaOutline(): Plugin {
  const id = 'virtual:latvia-outline';
  return {
    name: 'skolnet-latvia-outline',
    resolveId: (source) => (source === id ? `\0${id}` : undefined),
    load(loaded) {
      if (loaded !== `\0${id}`) return undefined;
      const file = require.resolve('world-atlas/countries-10m.json');
      const topology = JSON.parse(readFileSync(file, 'utf8')) as Topology;
      const countries = topology.objects.countries as { geometries: GeometryObject[] } & GeometryObject;
      const latvia = countries.geometries.find((g) => String(g.id) === LATVIA_ID);
      if (latvia === undefined) throw new Error(`world-atlas has no country ${LATVIA_ID} (Latvia)`);
      const outline = feature(topology, latvia) as Feature<Geometry>;
      const geojson: Feature = {
        type: 'Feature',
        properties: { name: 'Latvia' },
        geometry: roundGeometry(outline.geometry),
      };
      return `export default ${JSON.stringify(geojson)};`;
    },
  };
}

/**
 * Build of the web application: `src/app` becomes `dist/web`, which the
 * collector loads into memory and serves (`@skolnet/dashboards`). Nothing
 * is inlined into the HTML and no code is built from strings at run time,
 * so the pages run under the collector's strict Content-Security-Policy
 * (no inline scripts or styles, no eval).
 */
export default defineConfig({
  root: here('./src/app'),
  base: '/',
  publicDir: false,
  plugins: [latviaOutline()],
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: here('./dist/web'),
    emptyOutDir: true,
    // Inlined assets would become data: URLs that the CSP's script and style rules refuse.
    assetsInlineLimit: 0,
    // Modern browsers only: the pages are for ministry and school staff on current browsers.
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
    modulePreload: { polyfill: false },
    // MapLibre is about 1 MB; it loads only with a page that shows a map.
    chunkSizeWarningLimit: 1200,
  },
});
