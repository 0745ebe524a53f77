/**
 * The plan's words as codes (plan-messages.ts): every text a page shows
 * comes with a code and plain parameters, so the Latvian page can say it
 * in Latvian. The schools are synthetic, written by hand in the planner's
 * shape.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCORING_CONFIG } from '../scoring/score-config.js';
import type { ScoreFigures } from '../scoring/school-score.js';
import { loadCostCatalog } from './catalog.js';
import type { PlanSchool } from './options.js';
import { buildPlan } from './plan.js';
import { PLAN_MESSAGE_CODES, type PlanMessage } from './plan-messages.js';

const figures: ScoreFigures = {
  download_mbps: 20,
  download_samples: 10,
  upload_mbps: 3,
  upload_samples: 10,
  availability_share: 1,
  availability_samples: 100,
  rtt_median_ms: 40,
  rtt_p95_ms: 60,
  rtt_samples: 100,
  jitter_ms: 5,
  jitter_samples: 100,
  loss_pct: 0.2,
  loss_samples: 100,
  school_days: 5,
  lesson_hours: 40,
  evidence_school_days: 5,
};

const school = (id: string, over: Partial<PlanSchool> = {}): PlanSchool => ({
  id,
  name: `School ${id}`,
  municipality: 'Siguldas novads',
  pupils: 200,
  figures,
  inventory: {
    line: { technology: 'dsl', down_mbps: 30, fibre_distance_m: 500 },
    teaching_rooms: 12,
    uncovered_rooms: 6,
    wifi_coverage_share: 0.5,
    internal: {
      switches_total: 2,
      switches_100m: 1,
      switches_without_poe: 1,
      duplex_mismatches: 1,
      overlapping_channels: true,
      ssid_24ghz_only: true,
    },
  },
  ...over,
});

/** Parameters are plain values a page formats itself: never preformatted text with units or currency. */
function expectPlain(message: PlanMessage): void {
  expect(typeof message.code).toBe('string');
  for (const value of Object.values(message.params)) {
    expect(['number', 'boolean', 'string']).toContain(typeof value);
    if (typeof value === 'string') expect(value).not.toMatch(/EUR|€|Mbit|%/);
  }
}

describe('plan messages: codes with parameters beside the English text', () => {
  const catalog = loadCostCatalog();
  const now = new Date('2026-04-10T00:00:00Z');

  it('gives every option one label part per change, and every explanation a code for why, what it buys and the next euro', () => {
    const schools = [
      school('a'),
      // Down 3 % of the lesson hours: the outage remedies.
      school('b', { pupils: 600, figures: { ...figures, availability_share: 0.97 } }),
      // Too little evidence: a survey first, said with a code too.
      school('c', { throughput_school_days: 1 }),
    ];
    const plan = buildPlan({ schools, catalog, scoring: DEFAULT_SCORING_CONFIG, budget_eur: 40_000 });
    const options = plan.explanations.flatMap((e) => e.options);
    expect(options.length).toBeGreaterThan(3);
    for (const o of options) {
      expect(o.label_parts.length, o.id).toBe(o.label.split('; ').length);
      o.label_parts.forEach(expectPlain);
    }
    const codes = new Set(options.flatMap((o) => o.label_parts.map((p) => p.code)));
    for (const code of [
      'config_ssid_5ghz',
      'config_channel_plan',
      'config_duplex',
      'access_points',
      'failover',
    ]) {
      expect(codes, code).toContain(code);
    }
    // Configuration fixes ride along with the works; the access points are one part among them.
    expect(options.flatMap((o) => o.label_parts).find((p) => p.code === 'access_points')).toEqual({
      code: 'access_points',
      params: { new_aps: expect.any(Number), uncovered_rooms: 6, replaced_aps: 0 },
    });
    for (const e of plan.explanations) {
      [e.why_message, e.buys_message].forEach(expectPlain);
      expect(e.next_euro_message).not.toBeNull();
      expectPlain(e.next_euro_message as PlanMessage);
      // A message names an option by id; the page finds its label parts among the options.
      const named = e.why_message.params['option_id'];
      if (named !== undefined) expect(e.options.map((o) => o.id)).toContain(named);
    }
    const funded = plan.explanations.find((e) => e.option_id !== null);
    expect(funded?.why_message.code).toMatch(/^(free|funded_above_cutoff|funded_below_cutoff)$/);
    expect(funded?.buys_message).toMatchObject({ code: 'buys', params: { option_id: funded?.option_id } });
    expect(plan.selected[0]?.label_parts.length).toBeGreaterThan(0);
    const survey = plan.schools.find((r) => r.school_id === 'c');
    expect(survey?.why_message).toEqual({
      code: 'survey_evidence',
      params: { days: 1, min_days: expect.any(Number), survey_funded: expect.any(Boolean) },
    });
  });

  it('says the delivery check with a code and its dates, in each of its three states', () => {
    const plan = (delivery?: { completion_date: string; buffer_months: number }) =>
      buildPlan({
        schools: [school('a')],
        catalog,
        scoring: DEFAULT_SCORING_CONFIG,
        budget_eur: 10_000,
        ...(delivery ? { delivery: { ...delivery, now } } : {}),
      }).summary.delivery_message;
    expect(plan()).toEqual({ code: 'delivery_not_checked', params: {} });
    expect(plan({ completion_date: '2027-03-31', buffer_months: 2 })).toEqual({
      code: 'delivery_ready_by',
      params: {
        completion_date: '2027-03-31',
        buffer_months: 2,
        ready_by: '2027-01-31',
        today: '2026-04-10',
      },
    });
    expect(plan({ completion_date: '2026-05-01', buffer_months: 1 })).toMatchObject({
      code: 'delivery_past',
      params: { ready_by: '2026-04-01', today: '2026-04-10' },
    });
  });

  it("has a text for every code in the web pages' Latvian and English catalogs", async () => {
    for (const lang of ['lv', 'en']) {
      const file = new URL(`../../../dashboards/src/app/pages/plan/messages.${lang}.ts`, import.meta.url);
      const keys = new Set([...(await readFile(file, 'utf8')).matchAll(/^\s+(m_\w+):/gm)].map((m) => m[1]));
      for (const code of PLAN_MESSAGE_CODES) expect(keys, `${lang}: m_${code}`).toContain(`m_${code}`);
    }
  });
});
