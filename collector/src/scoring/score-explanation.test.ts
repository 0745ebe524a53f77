import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { classUploadMbps, schoolDownloadCurve } from './school-score.js';
import { COMPONENT_KEYS, DEFAULT_SCORING_CONFIG, parseScoringConfig } from './score-config.js';
import { COMPONENT_SOURCES, SCORE_SOURCES, explainScoring } from './score-explanation.js';

const METHODOLOGY = new URL('../../../docs/methodology.md', import.meta.url);

/** Rows of the "Sources" table of docs/methodology.md: id, citation, link, components. */
async function documentedSources(): Promise<
  Map<string, { citation: string; url: string; components: string }>
> {
  const text = await readFile(METHODOLOGY, 'utf8');
  const section = text.split('### Sources')[1]?.split('\n### ')[0] ?? '';
  const rows = new Map<string, { citation: string; url: string; components: string }>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const id = /^`([a-z0-9-]+)`$/.exec(cells[1] ?? '')?.[1];
    if (id === undefined) continue;
    rows.set(id, {
      citation: cells[2] ?? '',
      url: (cells[3] ?? '').replace(/^<|>$/g, ''),
      components: cells[4] ?? '',
    });
  }
  return rows;
}

describe('score explanation: thresholds and sources per component', () => {
  it('gives every component its curves in their units and the sources the method cites', () => {
    const explained = explainScoring();
    const c = DEFAULT_SCORING_CONFIG.components;
    expect(explained.method).toBe(DEFAULT_SCORING_CONFIG.version);
    expect(Object.keys(explained.components)).toEqual([...COMPONENT_KEYS]);
    const download = explained.components.download;
    expect(download.thresholds).toEqual([
      {
        id: 'per_pupil',
        unit: 'mbps_per_pupil',
        points: c.download.points.map(([value, points]) => ({ value, points })),
      },
      {
        id: 'school',
        unit: 'mbps',
        points: schoolDownloadCurve().map(([value, points]) => ({ value, points })),
      },
    ]);
    expect(explained.components.upload.thresholds[1]).toEqual({
      id: 'class',
      unit: 'mbps',
      points: [
        { value: 0, points: 0 },
        { value: classUploadMbps(), points: 100 },
      ],
    });
    expect(explained.components.latency.thresholds).toEqual([
      { id: 'p95', unit: 'ms', points: c.latency.points.map(([value, points]) => ({ value, points })) },
    ]);
    expect(explained.components.internal.thresholds.map((t) => t.id)).toEqual(Object.keys(c.internal.checks));
    expect(download.sources.map((s) => s.id)).toContain('fcc-14-99');
    expect(download.sources.find((s) => s.id === 'fcc-14-99')).toEqual(SCORE_SOURCES['fcc-14-99']);
    for (const key of COMPONENT_KEYS) {
      expect(explained.components[key].thresholds.length, key).toBeGreaterThan(0);
      expect(
        explained.components[key].sources.map((s) => s.id),
        key,
      ).toEqual(COMPONENT_SOURCES[key]);
    }
  });

  it("shows a scoring file's own points, and no class curve when the class upload is turned off", () => {
    const config = parseScoringConfig({
      components: {
        latency: {
          points: [
            [30, 100],
            [250, 0],
          ],
        },
        upload: { class_upload_mbps_per_pupil: 0 },
      },
    });
    const explained = explainScoring(config);
    expect(explained.components.latency.thresholds[0]?.points).toEqual([
      { value: 30, points: 100 },
      { value: 250, points: 0 },
    ]);
    expect(explained.components.upload.thresholds.map((t) => t.id)).toEqual(['per_pupil']);
  });

  it('cites exactly the sources docs/methodology.md lists, with the same citation, link and components', async () => {
    const documented = await documentedSources();
    expect([...documented.keys()].sort()).toEqual(Object.keys(SCORE_SOURCES).sort());
    for (const source of Object.values(SCORE_SOURCES)) {
      const row = documented.get(source.id);
      expect(row?.citation, source.id).toBe(source.citation);
      expect(row?.url, source.id).toBe('url' in source ? source.url : '');
      if (source.id === 'judgement') continue;
      const citing = COMPONENT_KEYS.filter((k) => COMPONENT_SOURCES[k].includes(source.id));
      expect(row?.components.split(', '), source.id).toEqual(citing);
    }
  });
});
