import { ErrorCodes, SkolnetError } from '@skolnet/shared';

/**
 * A small Prometheus registry: counters, gauges and histograms rendered in
 * the text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/).
 *
 * Labels are for small, fixed sets (an error code, a reason). Never put a
 * school name, an agent id or anything else with one value per agent in a
 * label: 20,000 agents would make 20,000 series per metric.
 */

/** Label values of one series, by label name. */
export type Labels = Readonly<Record<string, string>>;

/** Content type of {@link MetricsRegistry.render}'s output. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Default histogram buckets for durations, in seconds: 1 ms to 10 s, which
 * spans one SQLite transaction on a quiet disk to a PostgreSQL commit under
 * a failover.
 */
export const DURATION_BUCKETS_S: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

type MetricType = 'counter' | 'gauge' | 'histogram';

interface Metric {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  /** Sample lines without the HELP/TYPE header. */
  samples(): string[];
}

/** A value that only goes up, e.g. results stored. */
export interface Counter {
  /** Adds `by` (default 1; must be ≥ 0). */
  inc(labels?: Labels, by?: number): void;
  /** Current value of one series (0 when never incremented). */
  get(labels?: Labels): number;
}

/** A value that goes up and down, e.g. connected agents. */
export interface Gauge {
  set(value: number, labels?: Labels): void;
  get(labels?: Labels): number;
}

/** A distribution of observations in cumulative buckets, e.g. store latency. */
export interface Histogram {
  observe(value: number, labels?: Labels): void;
  /** Number of observations of one series. */
  count(labels?: Labels): number;
}

/** The registry; one per app, never module-level. */
export interface MetricsRegistry {
  counter(name: string, help: string, labelNames?: readonly string[]): Counter;
  gauge(name: string, help: string, labelNames?: readonly string[]): Gauge;
  /**
   * A gauge whose value is read when scraped: `collect` returns the value,
   * or values by label set.
   */
  gaugeFn(
    name: string,
    help: string,
    collect: () => number | readonly { labels: Labels; value: number }[],
  ): void;
  histogram(
    name: string,
    help: string,
    buckets?: readonly number[],
    labelNames?: readonly string[],
  ): Histogram;
  /** Every metric in the text exposition format, ending with a newline. */
  render(): string;
}

/** Creates an empty {@link MetricsRegistry}. */
export function createMetricsRegistry(): MetricsRegistry {
  const metrics = new Map<string, Metric>();

  const add = (metric: Metric): void => {
    if (!METRIC_NAME.test(metric.name)) {
      throw new SkolnetError(ErrorCodes.INTERNAL, `invalid metric name ${JSON.stringify(metric.name)}`);
    }
    if (metrics.has(metric.name)) {
      throw new SkolnetError(ErrorCodes.INTERNAL, `metric ${metric.name} is registered twice`);
    }
    metrics.set(metric.name, metric);
  };

  return {
    counter(name, help, labelNames = []) {
      const series = new LabelledValues(name, labelNames);
      add({ name, help, type: 'counter', samples: () => series.lines(name) });
      return {
        inc(labels = {}, by = 1) {
          if (!(by >= 0)) {
            throw new SkolnetError(ErrorCodes.INTERNAL, `counter ${name} cannot go down (by ${by})`);
          }
          series.update(labels, (v) => v + by);
        },
        get: (labels = {}) => series.value(labels),
      };
    },
    gauge(name, help, labelNames = []) {
      const series = new LabelledValues(name, labelNames);
      add({ name, help, type: 'gauge', samples: () => series.lines(name) });
      return {
        set: (value, labels = {}) => series.update(labels, () => value),
        get: (labels = {}) => series.value(labels),
      };
    },
    gaugeFn(name, help, collect) {
      add({
        name,
        help,
        type: 'gauge',
        samples: () => {
          const got = collect();
          const list = typeof got === 'number' ? [{ labels: {}, value: got }] : got;
          return list.map((s) => `${name}${formatLabels(s.labels)} ${formatValue(s.value)}`);
        },
      });
    },
    histogram(name, help, buckets = DURATION_BUCKETS_S, labelNames = []) {
      const bounds = [...buckets].sort((a, b) => a - b);
      if (bounds.length === 0 || bounds.some((b) => !Number.isFinite(b))) {
        throw new SkolnetError(ErrorCodes.INTERNAL, `histogram ${name} needs finite buckets`);
      }
      const keys = new LabelKeys(name, labelNames);
      const series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
      add({
        name,
        help,
        type: 'histogram',
        samples: () => {
          const lines: string[] = [];
          for (const s of series.values()) {
            let cumulative = 0;
            bounds.forEach((le, i) => {
              cumulative += s.counts[i]!;
              lines.push(`${name}_bucket${formatLabels({ ...s.labels, le: formatValue(le) })} ${cumulative}`);
            });
            lines.push(`${name}_bucket${formatLabels({ ...s.labels, le: '+Inf' })} ${s.count}`);
            lines.push(`${name}_sum${formatLabels(s.labels)} ${formatValue(s.sum)}`);
            lines.push(`${name}_count${formatLabels(s.labels)} ${s.count}`);
          }
          return lines;
        },
      });
      return {
        observe(value, labels = {}) {
          const key = keys.of(labels);
          let s = series.get(key);
          if (!s) {
            s = { labels: { ...labels }, counts: bounds.map(() => 0), sum: 0, count: 0 };
            series.set(key, s);
          }
          const i = bounds.findIndex((le) => value <= le);
          if (i >= 0) s.counts[i]! += 1;
          s.sum += value;
          s.count += 1;
        },
        count: (labels = {}) => series.get(keys.of(labels))?.count ?? 0,
      };
    },
    render() {
      const out: string[] = [];
      for (const m of metrics.values()) {
        out.push(`# HELP ${m.name} ${escapeHelp(m.help)}`);
        out.push(`# TYPE ${m.name} ${m.type}`);
        out.push(...m.samples());
      }
      return `${out.join('\n')}\n`;
    },
  };
}

/** Checks label sets against the declared names and turns them into map keys. */
class LabelKeys {
  constructor(
    private readonly metric: string,
    private readonly names: readonly string[],
  ) {
    for (const n of names) {
      if (!LABEL_NAME.test(n) || n.startsWith('__') || n === 'le') {
        throw new SkolnetError(ErrorCodes.INTERNAL, `invalid label name ${JSON.stringify(n)} on ${metric}`);
      }
    }
  }

  of(labels: Labels): string {
    const given = Object.keys(labels);
    if (given.length !== this.names.length || this.names.some((n) => labels[n] === undefined)) {
      throw new SkolnetError(
        ErrorCodes.INTERNAL,
        `${this.metric} takes labels [${this.names.join(', ')}], got [${given.join(', ')}]`,
      );
    }
    return JSON.stringify(this.names.map((n) => labels[n]));
  }
}

/** Values of a counter or gauge, one per label set. */
class LabelledValues {
  readonly #keys: LabelKeys;
  readonly #series = new Map<string, { labels: Labels; value: number }>();

  constructor(metric: string, labelNames: readonly string[]) {
    this.#keys = new LabelKeys(metric, labelNames);
    // A metric without labels shows 0 from the start, so rates work from the first scrape.
    if (labelNames.length === 0) this.#series.set(this.#keys.of({}), { labels: {}, value: 0 });
  }

  update(labels: Labels, next: (value: number) => number): void {
    const key = this.#keys.of(labels);
    const s = this.#series.get(key);
    if (s) s.value = next(s.value);
    else this.#series.set(key, { labels: { ...labels }, value: next(0) });
  }

  value(labels: Labels): number {
    return this.#series.get(this.#keys.of(labels))?.value ?? 0;
  }

  lines(name: string): string[] {
    return [...this.#series.values()].map((s) => `${name}${formatLabels(s.labels)} ${formatValue(s.value)}`);
  }
}

function formatLabels(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}`;
}

/** Label values escape backslash, double quote and newline (exposition format 0.0.4). */
function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text escapes backslash and newline. */
function escapeHelp(help: string): string {
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}
