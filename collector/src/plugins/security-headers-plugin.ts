import helmet from '@fastify/helmet';
import fp from 'fastify-plugin';

/** Options of {@link securityHeadersPlugin}. */
export interface SecurityHeadersOptions {
  /**
   * Origins the map may load base-map tiles, styles and glyphs from
   * (`https://tiles.example.lv`). Empty by default: the map draws only the
   * Latvia outline shipped with the application, and the pages reach no
   * other site.
   */
  mapOrigins?: readonly string[];
}

/**
 * The Content-Security-Policy of every response, as directives. Scripts
 * and styles only from files of this collector: no inline script or
 * style element or attribute, no `eval` or `new Function` (neither
 * `'unsafe-inline'` nor `'unsafe-eval'` appears). Styles that scripts set
 * through the DOM (`element.style`) are not inline styles to CSP and stay
 * allowed; the map library positions its controls that way.
 *
 * - `worker-src 'self'`: MapLibre's worker is a file of the build.
 * - `img-src data: blob:`: the map's sprites and canvases, never a script.
 * - `frame-ancestors 'none'`: no page of the collector can be framed (clickjacking).
 * - `form-action 'self'`: forms post only here.
 * - no `upgrade-insecure-requests`: a collector on a school LAN or
 *   localhost may serve plain HTTP, and upgrading its own files would break it.
 */
export function contentSecurityPolicy(mapOrigins: readonly string[] = []): Record<string, string[]> {
  return {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    'style-src': ["'self'"],
    'img-src': ["'self'", 'data:', 'blob:', ...mapOrigins],
    'connect-src': ["'self'", ...mapOrigins],
    'font-src': ["'self'"],
    'worker-src': ["'self'"],
    'object-src': ["'none'"],
    'base-uri': ["'none'"],
    'frame-ancestors': ["'none'"],
    'form-action': ["'self'"],
  };
}

/**
 * Security headers on every response through `@fastify/helmet`: the
 * Content-Security-Policy above, `X-Content-Type-Options: nosniff`,
 * `X-Frame-Options: DENY`, `Referrer-Policy: same-origin`,
 * `Cross-Origin-Opener-Policy` and `-Resource-Policy: same-origin`, and
 * HSTS (ignored by browsers on plain HTTP; binding once a proxy serves
 * HTTPS).
 */
export const securityHeadersPlugin = fp<SecurityHeadersOptions>(
  async (app, options) => {
    await app.register(helmet, {
      global: true,
      contentSecurityPolicy: {
        useDefaults: false,
        directives: contentSecurityPolicy(options.mapOrigins),
      },
      frameguard: { action: 'deny' },
      // Not no-referrer: under it browsers send `Origin: null` on the pages'
      // own POSTs, and the same-origin check against CSRF refuses them.
      referrerPolicy: { policy: 'same-origin' },
    });
  },
  { name: 'skolnet-security-headers' },
);
