import type { AnchorHTMLAttributes, ComponentChildren, TargetedMouseEvent } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';

/** Where the browser is: path and query, as the URL says. */
export interface AppLocation {
  pathname: string;
  search: string;
}

const NAVIGATED = 'skolnet:navigate';

const current = (): AppLocation => ({ pathname: location.pathname, search: location.search });

/**
 * Goes to `href` inside the application without reloading: a new history
 * entry, or a replaced one for state that should not pile up in Back
 * (typing in a search box).
 */
export function navigate(href: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  dispatchEvent(new Event(NAVIGATED));
}

/** The current location; re-renders on every navigation, Back and Forward included. */
export function useLocation(): AppLocation {
  const [loc, setLoc] = useState<AppLocation>(current);
  useEffect(() => {
    const update = (): void => setLoc(current());
    addEventListener('popstate', update);
    addEventListener(NAVIGATED, update);
    return () => {
      removeEventListener('popstate', update);
      removeEventListener(NAVIGATED, update);
    };
  }, []);
  return loc;
}

/**
 * Matches `pathname` against a pattern such as `/schools/:id`; returns the
 * decoded parameters, or undefined when it does not match.
 */
export function matchPath(pattern: string, pathname: string): Record<string, string> | undefined {
  const want = pattern.split('/').filter(Boolean);
  const got = pathname.split('/').filter(Boolean);
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i += 1) {
    const w = want[i]!;
    const g = got[i]!;
    if (w.startsWith(':')) {
      try {
        params[w.slice(1)] = decodeURIComponent(g);
      } catch {
        return undefined;
      }
    } else if (w !== g) return undefined;
  }
  return params;
}

/** Fills a pattern's parameters: `pathFor('/schools/:id', { id })`. */
export function pathFor(pattern: string, params: Record<string, string> = {}): string {
  return pattern.replace(/:(\w+)/g, (_m, name: string) => encodeURIComponent(params[name] ?? ''));
}

/**
 * A real link (`<a href>`: opens in a new tab, can be copied) that moves
 * inside the application without a reload on a plain click.
 */
export function Link(
  props: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string; children?: ComponentChildren },
) {
  const { href, onClick, ...rest } = props;
  const click = (event: TargetedMouseEvent<HTMLAnchorElement>): void => {
    if (typeof onClick === 'function') onClick(event);
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    if (props.target !== undefined && props.target !== '_self') return;
    event.preventDefault();
    navigate(href);
  };
  return <a href={href} onClick={click} {...rest} />;
}

/** Values a page keeps in the query string: absent, or one string each. */
export type QueryPatch = Readonly<Record<string, string | null | undefined>>;

/**
 * A page's state in the URL's query string, so a view can be shared and
 * Back returns to it. `update` sets or (with null, undefined or '')
 * removes keys; `replace` keeps typing out of the history.
 */
export function useQuery(): [URLSearchParams, (patch: QueryPatch, options?: { replace?: boolean }) => void] {
  const loc = useLocation();
  const params = new URLSearchParams(loc.search);
  const update = useCallback((patch: QueryPatch, options: { replace?: boolean } = {}) => {
    const next = new URLSearchParams(location.search);
    for (const [key, value] of Object.entries(patch)) {
      if (value === null || value === undefined || value === '') next.delete(key);
      else next.set(key, value);
    }
    const query = next.toString();
    navigate(`${location.pathname}${query === '' ? '' : `?${query}`}${location.hash}`, options);
  }, []);
  return [params, update];
}

/** The current address with `patch` applied to its query string, for links that change one filter. */
export function hrefWith(patch: QueryPatch): string {
  const next = new URLSearchParams(location.search);
  for (const [key, value] of Object.entries(patch)) {
    if (value === null || value === undefined || value === '') next.delete(key);
    else next.set(key, value);
  }
  const query = next.toString();
  return `${location.pathname}${query === '' ? '' : `?${query}`}`;
}
