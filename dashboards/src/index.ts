import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One file of the web application, ready to send. */
export interface DashboardAsset {
  /** Value for the `content-type` header. */
  contentType: string;
  /** The file's bytes. */
  body: Buffer;
  /**
   * True for files whose name carries a hash of their content (Vite's
   * `assets/` folder): a new build gives them a new name, so browsers may
   * keep them for ever.
   */
  immutable: boolean;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
  '.geojson': 'application/geo+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** URL path of the application's single HTML document. */
export const APP_DOCUMENT_PATH = '/';

/**
 * The Vite build of the web application (`npm run build` writes it). Both
 * `src/` and `dist/` sit one level below the package root, so the same
 * relative path works from either.
 */
export const dashboardBuildDir: string = fileURLToPath(new URL('../dist/web/', import.meta.url));

async function* filesUnder(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(path);
    else if (entry.isFile()) yield path;
  }
}

/**
 * Loads the built web application into memory, keyed by URL path
 * (`/` for index.html, `/assets/index-3f2a.js`, ...). The build is a few
 * hundred kilobytes; holding it in memory spares a static-file plugin and
 * any path-traversal surface. Source maps are left out. Throws when the
 * build is missing (`npm run build` was not run).
 */
export async function loadDashboardAssets(
  dir: string = dashboardBuildDir,
): Promise<Map<string, DashboardAsset>> {
  const assets = new Map<string, DashboardAsset>();
  for await (const file of filesUnder(dir)) {
    const contentType = CONTENT_TYPES[extname(file)];
    if (contentType === undefined) continue;
    const path = `/${relative(dir, file).split(sep).join('/')}`;
    assets.set(path === '/index.html' ? APP_DOCUMENT_PATH : path, {
      contentType,
      body: await readFile(file),
      immutable: path.startsWith('/assets/'),
    });
  }
  if (!assets.has(APP_DOCUMENT_PATH)) {
    throw new Error(`the web application is not built (no index.html in ${dir}): run npm run build`);
  }
  return assets;
}
