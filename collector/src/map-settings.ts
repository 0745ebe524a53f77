import { InvalidArgumentError, Option, type Command } from 'commander';

/**
 * The optional base map under the web pages' maps (the overview's and the
 * plan explorer's): a raster tile URL template. Without it the maps draw
 * only the Latvia outline shipped with the application and the pages reach
 * no other site. With it, the collector passes the template to the pages in
 * their HTML document (a `<meta>` element, no script) and its
 * Content-Security-Policy admits that one origin for images and fetches.
 */

/** Environment variable of `serve --map-tile-url`. */
export const MAP_TILE_URL_ENV = 'SKOLNET_MAP_TILE_URL';

/** Name of the `<meta>` element that carries the template to the pages. */
export const MAP_TILE_META = 'skolnet-map-tile-url';

/** Placeholders a raster XYZ template must hold (MapLibre fills them per tile). */
const PLACEHOLDERS = ['{z}', '{x}', '{y}'] as const;

/**
 * Checks a tile URL template: `http(s)://host[:port]/…{z}…{x}…{y}…`, no
 * user name or password in it (the template reaches every browser), and
 * returns it unchanged. Throws commander's `InvalidArgumentError` (the
 * config file reader names the key with it) saying what was expected.
 */
export function parseMapTileUrl(value: string): string {
  const missing = PLACEHOLDERS.filter((p) => !value.includes(p));
  if (missing.length > 0) {
    throw new InvalidArgumentError(
      `expected a raster tile URL template with ${PLACEHOLDERS.join(', ')} (e.g. https://tiles.example.lv/{z}/{x}/{y}.png); ${missing.join(', ')} missing`,
    );
  }
  // A placeholder in the host (`{s}` subdomains) would need a CSP wildcard: one fixed origin only.
  if (/^[a-z]+:\/\/[^/]*\{/i.test(value)) {
    throw new InvalidArgumentError('the host must be fixed: one origin for the Content-Security-Policy');
  }
  let url: URL;
  try {
    url = new URL(value.replaceAll('{', '%7B').replaceAll('}', '%7D'));
  } catch {
    throw new InvalidArgumentError('expected an absolute http:// or https:// URL template');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InvalidArgumentError(`expected an http:// or https:// URL template, got ${url.protocol}`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new InvalidArgumentError('must not hold a user name or password: every browser receives it');
  }
  return value;
}

/** The origin (`https://tiles.example.lv`) of a template {@link parseMapTileUrl} accepted. */
export function mapTileOrigin(template: string): string {
  return new URL(template.replaceAll('{', '%7B').replaceAll('}', '%7D')).origin;
}

/** Options {@link addMapOptions} adds, as commander parses them. */
export interface MapCliOptions {
  mapTileUrl?: string;
}

/** Adds `--map-tile-url` (env {@link MAP_TILE_URL_ENV}; key `map-tile-url` of the config file) to `command`. */
export function addMapOptions(command: Command): Command {
  return command.addOption(
    new Option(
      '--map-tile-url <template>',
      'raster tiles drawn under the maps of the web pages, e.g. https://tiles.example.lv/{z}/{x}/{y}.png (default: none, the Latvia outline only)',
    )
      .argParser(parseMapTileUrl)
      .env(MAP_TILE_URL_ENV),
  );
}
