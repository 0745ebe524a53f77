import type { Feature } from 'geojson';
import { BAND_COLOURS, BORDER_COLOUR, LAND_COLOUR, projector, ringsOf, type MapPoint } from './geometry.js';

/** Width of the drawing in its own units; it scales to the box. */
const VIEW_WIDTH = 800;

/**
 * The map drawn as SVG, for browsers without WebGL: the outline and the
 * schools as dots, each with its name as a tooltip. Static, but never an
 * empty box.
 */
export function FallbackMap(props: { outline: Feature; points: readonly MapPoint[]; labelId: string }) {
  const { height, project } = projector(props.outline, VIEW_WIDTH);
  const path = ringsOf(props.outline)
    .map(
      (ring) =>
        `M${ring
          .map(([lon, lat]) =>
            project(lon!, lat!)
              .map((v) => v.toFixed(1))
              .join(','),
          )
          .join('L')}Z`,
    )
    .join('');
  return (
    <svg
      class="fallback-map"
      viewBox={`0 0 ${VIEW_WIDTH} ${height}`}
      role="img"
      aria-labelledby={props.labelId}
      data-map="svg"
    >
      <path d={path} fill={LAND_COLOUR} stroke={BORDER_COLOUR} stroke-width="1.5" />
      {props.points.map((p) => {
        const [x, y] = project(p.lon, p.lat);
        return (
          <circle
            key={p.id}
            cx={x.toFixed(1)}
            cy={y.toFixed(1)}
            r={p.highlight ? 6 : 4}
            fill={BAND_COLOURS[p.band]}
            stroke="#ffffff"
            stroke-width="1"
          >
            <title>{p.name}</title>
          </circle>
        );
      })}
    </svg>
  );
}
