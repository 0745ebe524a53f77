import { useId } from 'preact/hooks';
import { useLang } from '../../i18n/i18n.js';

/** One point of a {@link LineChart}: a time and a value (null: nothing measured then). */
export interface ChartPoint {
  at: string;
  value: number | null;
}

const WIDTH = 640;
const HEIGHT = 180;
const PAD = { left: 48, right: 12, top: 12, bottom: 28 };

/**
 * A small line chart drawn as SVG with its data as a table beside it: the
 * chart is an image with a text summary (`role="img"`, title and
 * description), and the table under a disclosure is the accessible
 * alternative with every figure. Gaps (hours without data) break the line.
 */
export function LineChart(props: {
  title: string;
  unit: string;
  points: readonly ChartPoint[];
  tableLabel: string;
  timeLabel: string;
  emptyLabel: string;
}) {
  const { fmt } = useLang();
  const titleId = useId();
  const descId = useId();
  const values = props.points.flatMap((p) => (p.value === null ? [] : [p.value]));
  if (values.length === 0) {
    return (
      <figure class="chart">
        <figcaption>{props.title}</figcaption>
        <p class="muted">{props.emptyLabel}</p>
      </figure>
    );
  }
  const times = props.points.map((p) => Date.parse(p.at));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const max = Math.max(...values);
  const top = max === 0 ? 1 : max * 1.1;
  const x = (t: number): number =>
    PAD.left + (t1 === t0 ? 0.5 : (t - t0) / (t1 - t0)) * (WIDTH - PAD.left - PAD.right);
  const y = (v: number): number => PAD.top + (1 - v / top) * (HEIGHT - PAD.top - PAD.bottom);
  // A gap of more than three hours breaks the line, so a night without tests is not drawn as a slope.
  const segments: string[] = [];
  let current: string[] = [];
  let last: number | undefined;
  for (const p of props.points) {
    const t = Date.parse(p.at);
    if (p.value === null || (last !== undefined && t - last > 3 * 3_600_000)) {
      if (current.length > 0) segments.push(current.join(' '));
      current = [];
    }
    if (p.value !== null) current.push(`${x(t).toFixed(1)},${y(p.value).toFixed(1)}`);
    last = t;
  }
  if (current.length > 0) segments.push(current.join(' '));
  const min = Math.min(...values);
  const summary = `${fmt.number(min, 1)}–${fmt.number(max, 1)} ${props.unit}, ${fmt.date(new Date(t0))} – ${fmt.date(new Date(t1))}`;
  const ticks = [0, top / 2, top];
  return (
    <figure class="chart">
      <figcaption>{props.title}</figcaption>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-labelledby={`${titleId} ${descId}`}
        class="chart-svg"
      >
        <title id={titleId}>{props.title}</title>
        <desc id={descId}>{summary}</desc>
        {ticks.map((v) => (
          <g key={v}>
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(v)} y2={y(v)} class="chart-grid" />
            <text x={PAD.left - 6} y={y(v) + 4} class="chart-label" text-anchor="end">
              {fmt.number(v, v < 10 ? 1 : 0)}
            </text>
          </g>
        ))}
        <text x={PAD.left} y={HEIGHT - 8} class="chart-label">
          {fmt.date(new Date(t0))}
        </text>
        <text x={WIDTH - PAD.right} y={HEIGHT - 8} class="chart-label" text-anchor="end">
          {fmt.date(new Date(t1))}
        </text>
        {segments.map((s, i) =>
          s.includes(' ') ? (
            <polyline key={i} points={s} class="chart-line" />
          ) : (
            <circle key={i} cx={s.split(',')[0]} cy={s.split(',')[1]} r="2.5" class="chart-dot" />
          ),
        )}
      </svg>
      <p class="muted chart-summary">{summary}</p>
      <details>
        <summary>{props.tableLabel}</summary>
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">{props.title}</caption>
            <thead>
              <tr>
                <th scope="col">{props.timeLabel}</th>
                <th scope="col" class="num">
                  {props.unit}
                </th>
              </tr>
            </thead>
            <tbody>
              {props.points
                .filter((p) => p.value !== null)
                .map((p) => (
                  <tr key={p.at}>
                    <th scope="row">{fmt.dateTime(p.at)}</th>
                    <td class="num">{fmt.number(p.value as number, 1)}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
