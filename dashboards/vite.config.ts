import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

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
  },
});
