import { readdir, readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One file of the web UI, ready to send. */
export interface DashboardAsset {
  /** Value for the `content-type` header. */
  contentType: string;
  /** The file's bytes. */
  body: Buffer;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
};

/**
 * The folder of static files. Both `src/` and `dist/` sit one level below
 * the package root, so the same relative path works from either.
 */
export const dashboardPublicDir: string = fileURLToPath(new URL('../public/', import.meta.url));

/**
 * Loads the web UI into memory, keyed by URL path (`/` for index.html).
 * The UI is a few kilobytes; holding it in memory spares a static-file
 * plugin and any path-traversal surface.
 */
export async function loadDashboardAssets(
  dir: string = dashboardPublicDir,
): Promise<Map<string, DashboardAsset>> {
  const assets = new Map<string, DashboardAsset>();
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const contentType = CONTENT_TYPES[extname(entry.name)];
    if (contentType === undefined) continue;
    const body = await readFile(`${dir}/${entry.name}`);
    assets.set(entry.name === 'index.html' ? '/' : `/${entry.name}`, { contentType, body });
  }
  return assets;
}
