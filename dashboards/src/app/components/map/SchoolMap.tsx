import type { Feature } from 'geojson';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { BANDS } from '../../api/types.js';
import { useCommon } from '../../i18n/common.js';
import { navigate } from '../../router.js';
import { BAND_COLOURS, type MapPoint } from './geometry.js';
import { FallbackMap } from './FallbackMap.js';
import type { MapView } from './maplibre-view.js';

/** Whether this browser can give the map a WebGL context. */
function webglAvailable(): boolean {
  try {
    const canvas = document.createElement('canvas');
    return (canvas.getContext('webgl2') ?? canvas.getContext('webgl')) !== null;
  } catch {
    return false;
  }
}

type Mode = 'loading' | 'webgl' | 'svg';

/**
 * Latvia with schools as dots coloured by band. MapLibre (WebGL) where
 * the browser has WebGL, an SVG drawing where it has not; both load only
 * with the page that shows a map. A click on a dot opens the school.
 * The tables beside the map carry the same schools for keyboard and
 * screen-reader users; the caption says so.
 */
/**
 * The base map's tile URL template the collector put in the document
 * (`<meta name="skolnet-map-tile-url">`, `serve --map-tile-url`), or
 * undefined: then the map draws the Latvia outline alone and asks no other
 * site for anything.
 */
export function configuredTileUrl(): string | undefined {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="skolnet-map-tile-url"]');
  return meta?.content ? meta.content : undefined;
}

export function SchoolMap(props: {
  points: readonly MapPoint[];
  caption: string;
  /** Where a dot leads: the school page by default. */
  hrefOf?: (id: string) => string;
}) {
  const t = useCommon();
  const captionId = useId();
  const box = useRef<HTMLDivElement>(null);
  const view = useRef<MapView | undefined>(undefined);
  const [mode, setMode] = useState<Mode>('loading');
  const [outline, setOutline] = useState<Feature | undefined>(undefined);
  const [rendered, setRendered] = useState<number | undefined>(undefined);
  const points = useRef(props.points);
  points.current = props.points;
  const hrefOf = props.hrefOf ?? ((id: string) => `/schools/${encodeURIComponent(id)}`);

  useEffect(() => {
    let cancelled = false;
    const fallback = async (): Promise<void> => {
      const loaded = (await import('virtual:latvia-outline')).default;
      if (cancelled) return;
      setOutline(loaded);
      setMode('svg');
    };
    if (!webglAvailable()) {
      void fallback();
      return () => {
        cancelled = true;
      };
    }
    void (async () => {
      try {
        const [{ createMapView }, { default: loaded }] = await Promise.all([
          import('./maplibre-view.js'),
          import('virtual:latvia-outline'),
        ]);
        if (cancelled || box.current === null) return;
        setOutline(loaded);
        const created = await createMapView({
          container: box.current,
          outline: loaded,
          points: points.current,
          locale: {
            'Map.Title': t('map_title'),
            'NavigationControl.ZoomIn': t('map_zoom_in'),
            'NavigationControl.ZoomOut': t('map_zoom_out'),
          },
          tileUrl: configuredTileUrl(),
          onSelect: (id) => navigate(hrefOf(id)),
          onRendered: setRendered,
        });
        if (cancelled) {
          created.remove();
          return;
        }
        view.current = created;
        setMode('webgl');
      } catch {
        if (!cancelled) await fallback();
      }
    })();
    return () => {
      cancelled = true;
      view.current?.remove();
      view.current = undefined;
    };
    // The map is made once; points follow through setPoints below.
  }, []);

  useEffect(() => {
    view.current?.setPoints(props.points);
  }, [props.points, mode]);

  return (
    // data-rendered-schools: the dots MapLibre drew, which tests read to know the map really rendered.
    <figure class="school-map" data-map-state={mode} data-rendered-schools={rendered}>
      {mode === 'svg' && outline !== undefined ? (
        <FallbackMap outline={outline} points={props.points} labelId={captionId} />
      ) : (
        <div ref={box} class="map-box" />
      )}
      <figcaption id={captionId}>
        {props.caption}
        <ul class="map-legend">
          {BANDS.map((band) => (
            <li key={band}>
              <svg width="12" height="12" aria-hidden="true">
                <circle cx="6" cy="6" r="5" fill={BAND_COLOURS[band]} />
              </svg>{' '}
              {t(`band_${band}`)}
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}
