import { describe, expect, it } from 'vitest';
import type { LessonTimetable } from '@skolnet/shared';
import {
  campaignAgentConfig,
  campaignEnd,
  campaignMeasurements,
  configAfterCampaign,
  roomCoverage,
  schoolDaysBetween,
  type CampaignResult,
} from './campaign.js';

// Synthetic cases on a Riga timetable of its own (08:00-17:00 Monday to
// Friday, an hour longer than the default), so the figures below do not
// move with the default.
const TT: LessonTimetable = { timezone: 'Europe/Riga', days: [1, 2, 3, 4, 5], start: '08:00', end: '17:00' };

describe('campaignEnd', () => {
  it('counts the start day when lessons are ahead on it, and skips weekends', () => {
    // Wednesday 4 March 2026, 10:00 Riga (UTC+2): Wed, Thu, Fri, Mon, Tue.
    expect(campaignEnd(new Date('2026-03-04T08:00:00Z'), 5, TT).toISOString()).toBe(
      '2026-03-10T15:00:00.000Z',
    );
    // Wednesday after lessons: Thu, Fri, Mon, Tue, Wed.
    expect(campaignEnd(new Date('2026-03-04T16:00:00Z'), 5, TT).toISOString()).toBe(
      '2026-03-11T15:00:00.000Z',
    );
    // Saturday: the next school week.
    expect(campaignEnd(new Date('2026-03-07T10:00:00Z'), 1, TT).toISOString()).toBe(
      '2026-03-09T15:00:00.000Z',
    );
  });

  it('ends when the last lesson ends, whatever the minute the campaign started', () => {
    // Friday 4 December 2026, 07:32:45.081 Riga; lessons 08:00-12:10: Friday and Monday.
    const tt = { ...TT, end: '12:10' };
    expect(campaignEnd(new Date('2026-12-04T05:32:45.081Z'), 2, tt).toISOString()).toBe(
      '2026-12-07T10:10:00.000Z',
    );
    // Started in the last lesson minutes of a day, after the last quarter hour: that day counts.
    expect(campaignEnd(new Date('2026-12-04T10:05:30.000Z'), 1, tt).toISOString()).toBe(
      '2026-12-04T10:10:00.000Z',
    );
  });

  it('follows the zone offset across the change to summer time', () => {
    // Riga moves to UTC+3 on Sunday 29 March 2026: Friday 3 April ends at 17:00 local = 14:00 UTC.
    expect(campaignEnd(new Date('2026-03-27T06:00:00Z'), 6, TT).toISOString()).toBe(
      '2026-04-03T14:00:00.000Z',
    );
    expect(schoolDaysBetween(new Date('2026-03-27T06:00:00Z'), new Date('2026-04-03T14:00:00Z'), TT)).toEqual(
      ['2026-03-27', '2026-03-30', '2026-03-31', '2026-04-01', '2026-04-02', '2026-04-03'],
    );
  });
});

describe('campaignAgentConfig', () => {
  it("keeps the school's settings and raises its budget by the campaign's transfers", () => {
    const config = campaignAgentConfig(
      { probes: { throughput: { options: { streams: 8 } }, dns: { enabled: false } }, data_budget_mb: 2000 },
      { download_max_mbps: 100, upload_max_mbps: 100, campaign_school_days: 5 },
      TT,
    );
    expect(config.probes.throughput).toEqual({ options: { streams: 8 }, enabled: true, interval_s: 900 });
    expect(config.probes.dns).toEqual({ enabled: false });
    // 9 lesson hours × 4 tests × 1.5 = 54 tests a day; (100 + 100) Mbit/s × 15 s / 8 = 375 MB each; × 5 days.
    expect(config.data_budget_mb).toBe(2000 + 54 * 375 * 5);
  });

  it('never pushes a budget above the push limit', () => {
    const config = campaignAgentConfig(
      undefined,
      { download_max_mbps: 10_000, upload_max_mbps: 10_000, campaign_school_days: 30 },
      TT,
    );
    expect(config.data_budget_mb).toBe(10_000_000);
  });
});

describe('campaignMeasurements', () => {
  const from = new Date('2026-03-02T06:00:00Z'); // Monday 08:00 Riga
  const to = new Date('2026-03-03T15:00:00Z'); // Tuesday 17:00 Riga
  const r = (
    at: string,
    measurement: string,
    fields: CampaignResult['fields'],
    tags = {},
  ): CampaignResult => ({
    agent_id: 'a1',
    measurement,
    fields,
    tags,
    at,
  });

  it('takes tests in lesson hours only, and counts what could not run', () => {
    const results = [
      r('2026-03-02T06:30:00Z', 'throughput', { result: 'success', download_mbps: 45, upload_mbps: 44 }),
      // 18:30 Riga: the agent's comparison run outside lessons does not count.
      r('2026-03-02T16:30:00Z', 'throughput', { result: 'success', download_mbps: 10, upload_mbps: 10 }),
      r('2026-03-02T06:40:00Z', 'throughput', { result: 'error', error: 'download: refused' }),
      r(
        '2026-03-02T06:31:00Z',
        'latency',
        { result: 'success', rtt_p50_ms: 12, loss_pct: 0 },
        { target: 'collector' },
      ),
      r('2026-03-02T06:32:00Z', 'latency', { result: 'timeout', loss_pct: 100 }, { target: 'collector' }),
      r('2026-03-02T06:33:00Z', 'latency', { result: 'success', rtt_p50_ms: 1 }, { target: 'gateway' }),
      r('2026-03-02T06:34:00Z', 'bottleneck', { result: 'success', limiting_segment: 'wifi' }),
      r('2026-03-02T07:10:00Z', 'schedule_skip', { reason: 'busy' }),
    ];
    const m = campaignMeasurements(results, from, to, TT, new Date('2026-03-02T08:00:00Z'));
    expect(m.download).toEqual([{ at: '2026-03-02T06:30:00Z', mbps: 45, agent_id: 'a1' }]);
    expect(m.upload.map((s) => s.mbps)).toEqual([44]);
    expect(m.latency).toEqual([
      { at: '2026-03-02T06:31:00Z', rtt_ms: 12, loss_pct: 0 },
      { at: '2026-03-02T06:32:00Z', rtt_ms: null, loss_pct: 100 },
    ]);
    expect(m.bottleneck).toEqual([{ at: '2026-03-02T06:34:00Z', segment: 'wifi', agent_id: 'a1' }]);
    // Up to 10:00 Riga: 08-09 had a test, 09-10 only a skip (no speed test), none offline.
    expect(m.not_run).toEqual({ test_error: 1, busy: 1, lesson_hours_without_speed_test: 1 });
  });

  it("counts an hour the agent's campaign schedule closed as not possible, not as missing", () => {
    const results = [
      r('2026-03-02T06:30:00Z', 'throughput', { result: 'success', download_mbps: 45, upload_mbps: 44 }),
      // 09:00-10:00 Riga: every try was busy; the agent closed the hour.
      r('2026-03-02T07:10:00Z', 'schedule_skip', { reason: 'busy' }),
      r('2026-03-02T07:00:00Z', 'schedule_skip', { reason: 'not_possible', cause: 'failed', attempt: 4 }),
      // 10:00-11:00: the host slept through it; the agent said so when it woke.
      r('2026-03-02T08:00:00Z', 'schedule_skip', { reason: 'not_possible', cause: 'missed', attempt: 0 }),
      // 11:00-12:00: latency only, no try: a test is missing.
      r('2026-03-02T09:30:00Z', 'latency', { result: 'success', rtt_p50_ms: 12 }, { target: 'collector' }),
    ];
    const m = campaignMeasurements(results, from, to, TT, new Date('2026-03-02T10:00:00Z'));
    expect(m.not_run).toEqual({ busy: 1, not_possible: 2, lesson_hours_without_speed_test: 1 });
  });

  it('counts lesson hours without any result as the agents being offline, up to now', () => {
    const m = campaignMeasurements([], from, to, TT, new Date('2026-03-02T10:00:00Z'));
    // 08:00-12:00 Riga: four lesson hours.
    expect(m.not_run).toEqual({ agent_offline_hours: 4 });
  });
});

describe('roomCoverage', () => {
  const from = new Date('2026-03-02T06:00:00Z');
  const to = new Date('2026-03-06T15:00:00Z');
  /** A survey sample in `room`: the school's SSID heard and connected at `rssi`. */
  const sample = (room: string, rssi: number, at: string): CampaignResult[] => {
    const tags = { room, room_use: 'teaching', ssid: 'Skola', bssid: '3c:41:0e:1a:2b:30' };
    return [
      {
        agent_id: 'a1',
        measurement: 'wifi_link',
        fields: { result: 'connected', rssi_dbm: rssi, band_ghz: 5, channel: 36 },
        tags,
        at,
      },
      {
        agent_id: 'a1',
        measurement: 'wifi_network',
        fields: { rssi_dbm: rssi, band_ghz: 5, channel: 36, security: 'wpa2', tkip: false, hidden: false },
        tags,
        at,
      },
    ];
  };

  it("gives each named room the survey's verdict, and not_surveyed where no sample was taken", () => {
    const results = [
      ...sample('Kab. 12', -55, '2026-03-03T10:00:00Z'),
      ...sample('zāle', -80, '2026-03-03T10:05:00Z'),
      // Before the campaign: an old survey does not count.
      ...sample('Bibliotēka', -50, '2026-02-20T10:00:00Z'),
    ];
    expect(roomCoverage(results, from, to, ['Kab. 12', 'Zāle ', 'Bibliotēka'])).toEqual([
      { room: 'Kab. 12', verdict: 'covered' },
      { room: 'Zāle ', verdict: 'not_covered' },
      { room: 'Bibliotēka', verdict: 'not_surveyed' },
    ]);
  });
});

describe('configAfterCampaign', () => {
  const previous = {
    probes: { throughput: { interval_s: 3600, options: { streams: 4 } }, dns: { enabled: false } },
    data_budget_mb: 5000,
  };
  const pushed = campaignAgentConfig(
    previous,
    { download_max_mbps: 50, upload_max_mbps: 50, campaign_school_days: 5 },
    TT,
    { id: 'c1', ends_at: '2026-03-06T15:00:00.000Z' },
  );

  it('puts back what the campaign changed when nobody touched it', () => {
    expect(configAfterCampaign(previous, pushed, pushed)).toEqual(previous);
    // No configuration before: the agents' defaults.
    const fromNothing = campaignAgentConfig(
      undefined,
      { download_max_mbps: 50, upload_max_mbps: 50, campaign_school_days: 5 },
      TT,
      { id: 'c1', ends_at: '2026-03-06T15:00:00.000Z' },
    );
    expect(configAfterCampaign(undefined, fromNothing, fromNothing)).toEqual({ probes: {} });
  });

  it('keeps every setting changed during the campaign, the ones the campaign set included', () => {
    const current = {
      ...pushed,
      data_budget_mb: 90_000,
      busy_threshold_mbps: 35,
      probes: {
        ...pushed.probes,
        throughput: { ...pushed.probes.throughput, interval_s: 1800, options: { streams: 8 } },
        latency: { enabled: false },
      },
    };
    expect(configAfterCampaign(previous, pushed, current)).toEqual({
      probes: {
        // interval and options set during the campaign stay; `enabled`, still the campaign's, goes back (none before).
        throughput: { interval_s: 1800, options: { streams: 8 } },
        latency: { enabled: false },
        dns: { enabled: false },
      },
      data_budget_mb: 90_000,
      busy_threshold_mbps: 35,
    });
  });

  it("leaves another campaign's marker alone", () => {
    const current = { ...pushed, campaign: { id: 'c2', ends_at: '2026-03-20T15:00:00.000Z' } };
    expect(configAfterCampaign(previous, pushed, current).campaign).toEqual(current.campaign);
  });
});
