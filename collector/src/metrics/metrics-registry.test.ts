import { describe, expect, it } from 'vitest';
import { parsePrometheusText } from '../testing/prometheus-text.js';
import { createMetricsRegistry } from './metrics-registry.js';

describe('metrics registry', () => {
  it('renders counters, gauges and histograms in the text format', () => {
    const registry = createMetricsRegistry();
    const results = registry.counter('skolnet_test_results_total', 'Results stored.');
    const rejected = registry.counter('skolnet_test_rejected_total', 'Rejected.', ['code']);
    const depth = registry.gauge('skolnet_test_depth', 'Depth.');
    registry.gaugeFn('skolnet_test_live', 'Live.', () => 3);
    const latency = registry.histogram('skolnet_test_seconds', 'Latency.', [0.1, 1]);
    results.inc();
    results.inc({}, 4);
    rejected.inc({ code: 'SKOLNET_X' });
    depth.set(7);
    latency.observe(0.05);
    latency.observe(0.5);
    latency.observe(3);

    const text = registry.render();
    const scrape = parsePrometheusText(text);
    expect(scrape.types.get('skolnet_test_results_total')).toBe('counter');
    expect(scrape.types.get('skolnet_test_seconds')).toBe('histogram');
    expect(scrape.value('skolnet_test_results_total')).toBe(5);
    expect(scrape.value('skolnet_test_rejected_total', { code: 'SKOLNET_X' })).toBe(1);
    expect(scrape.value('skolnet_test_depth')).toBe(7);
    expect(scrape.value('skolnet_test_live')).toBe(3);
    expect(scrape.value('skolnet_test_seconds_bucket', { le: '0.1' })).toBe(1);
    expect(scrape.value('skolnet_test_seconds_bucket', { le: '1' })).toBe(2);
    expect(scrape.value('skolnet_test_seconds_bucket', { le: '+Inf' })).toBe(3);
    expect(scrape.value('skolnet_test_seconds_count')).toBe(3);
    expect(scrape.value('skolnet_test_seconds_sum')).toBeCloseTo(3.55);
    expect(text).toMatch(/^# HELP skolnet_test_results_total Results stored\.\n# TYPE /);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('escapes label values', () => {
    const registry = createMetricsRegistry();
    registry.counter('skolnet_test_total', 'x', ['reason']).inc({ reason: 'a "b"\\c\nd' });
    const scrape = parsePrometheusText(registry.render());
    expect(scrape.value('skolnet_test_total', { reason: 'a "b"\\c\nd' })).toBe(1);
  });

  it('refuses wrong labels, a duplicate name and a counter going down', () => {
    const registry = createMetricsRegistry();
    const c = registry.counter('skolnet_test_total', 'x', ['code']);
    expect(() => c.inc({ other: 'y' })).toThrow(expect.objectContaining({ code: 'SKOLNET_INTERNAL' }));
    expect(() => c.inc({ code: 'a' }, -1)).toThrow(/cannot go down/);
    expect(() => registry.gauge('skolnet_test_total', 'again')).toThrow(/registered twice/);
    expect(() => registry.counter('bad name', 'x')).toThrow(/invalid metric name/);
    expect(() => registry.counter('skolnet_le_total', 'x', ['le'])).toThrow(/invalid label name/);
  });
});
