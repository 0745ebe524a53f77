import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/poll.js';
import { missingComponent } from '../../../test/support/real-component.js';
import {
  VictoriaMetrics,
  findVictoriaMetrics,
  type ExportedSeries,
} from '../../../test/support/victoria-metrics.js';
import { buildApp } from '../app.js';
import type { KyselyStore } from '../storage/kysely-store.js';
import { createTempStore } from '../testing/fixtures.js';
import { parsePrometheusText } from '../testing/prometheus-text.js';
import { METRICS_PATH } from './metrics-plugin.js';

const vmBin = findVictoriaMetrics();
const skip = missingComponent('victoria-metrics', vmBin !== undefined, 'apt-get install victoria-metrics');

/** Labels the scraper adds to every series it scrapes. */
const SCRAPER_LABELS = new Set(['job', 'instance']);

/** A series as `name{a="1",b="2"}` with labels sorted, without the scraper's own. */
function seriesKey(name: string, labels: Record<string, string>): string {
  const pairs = Object.entries(labels)
    .filter(([k]) => k !== '__name__' && !SCRAPER_LABELS.has(k))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return `${name}{${pairs.join(',')}}`;
}

describe.skipIf(skip)('/metrics scraped by VictoriaMetrics (a Prometheus-compatible scraper)', () => {
  let store: KyselyStore;
  let dir: string;
  let cleanup: () => Promise<void>;
  let app: FastifyInstance;
  let vm: VictoriaMetrics;
  let target: string;

  beforeAll(async () => {
    ({ store, dir, cleanup } = await createTempStore());
    app = buildApp({ store, logger: false, dashboardAssets: false });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    target = new URL(base).host;
    const config = join(dir, 'scrape.yml');
    // Prometheus' scrape_config format, which VictoriaMetrics' -promscrape.config reads.
    await writeFile(
      config,
      [
        'scrape_configs:',
        '  - job_name: skolnet-collector',
        '    scrape_interval: 1s',
        `    metrics_path: ${METRICS_PATH}`,
        '    static_configs:',
        `      - targets: ['${target}']`,
        '',
      ].join('\n'),
    );
    vm = await VictoriaMetrics.start(vmBin!, [
      `-promscrape.config=${config}`,
      '-promscrape.config.strictParse',
    ]);
  }, 60_000);

  afterAll(async () => {
    await vm?.dispose();
    await app?.close();
    await cleanup?.();
  });

  it('reads every sample of the text, with the values and labels we wrote', async () => {
    // The scraper's own series say whether it could read the page at all.
    const up = await eventually(async () => {
      const [series] = await vm.export('up{job="skolnet-collector"}');
      expect(series?.values.length).toBeGreaterThan(0);
      return series!;
    });
    expect(up.values.at(-1)).toBe(1);

    // Nothing happens on the collector meanwhile, so the page is the one the scraper read.
    const text = await (await fetch(`http://${target}${METRICS_PATH}`)).text();
    const sampleLines = text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
    // The scraper skips a line it cannot read and still reports up: count what it took.
    const [scraped] = await vm.export('scrape_samples_scraped{job="skolnet-collector"}');
    expect(scraped?.values.at(-1)).toBe(sampleLines.length);
    const ours = parsePrometheusText(text);
    expect(ours.samples).toHaveLength(sampleLines.length);

    const theirs = new Map<string, number>();
    const exported: ExportedSeries[] = await vm.export('{__name__=~"skolnet_.*"}');
    for (const s of exported) theirs.set(seriesKey(s.metric.__name__!, s.metric), s.values.at(-1)!);
    const expected = new Map(ours.samples.map((s) => [seriesKey(s.name, s.labels), s.value]));
    expect(Object.fromEntries(theirs)).toEqual(Object.fromEntries(expected));
  }, 60_000);
});
