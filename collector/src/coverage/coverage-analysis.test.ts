import { describe, expect, it } from 'vitest';
import type { Fields, Tags } from '@skolnet/shared';
import {
  analyseCoverage,
  radioKey,
  roomVerdict,
  schoolSsidsOf,
  summarizeCoverage,
  weakestPercentile,
  type CoverageInput,
} from './coverage-analysis.js';

const DAY_MS = 86_400_000;
const T0 = Date.parse('2026-03-02T09:00:00Z');
let seq = 0;

/** One scan: a sample of networks heard at one instant by one agent, optionally with its link. */
function scan(
  room: string | null,
  heard: { ssid?: string; bssid: string; ch: number; band: number; rssi: number; sec?: string; tkip?: boolean }[],
  opts: { link?: string; roomUse?: string; dayOffset?: number } = {},
): CoverageInput[] {
  seq += 1;
  const at = new Date(T0 + (opts.dayOffset ?? 0) * DAY_MS + seq * 60_000).toISOString();
  const tags: Tags = room ? { room, room_use: opts.roomUse ?? 'teaching' } : {};
  const out: CoverageInput[] = heard.map((h) => {
    const fields: Fields = {
      channel: h.ch,
      band_ghz: h.band,
      rssi_dbm: h.rssi,
      security: h.sec ?? 'wpa2',
      tkip: h.tkip ?? false,
      hidden: h.ssid === undefined,
    };
    return {
      agent_id: 'a1',
      measurement: 'wifi_network',
      fields,
      tags: { ...tags, ...(h.ssid ? { ssid: h.ssid } : {}), bssid: h.bssid },
      at,
    };
  });
  if (opts.link) {
    out.push({
      agent_id: 'a1',
      measurement: 'wifi_link',
      fields: { result: 'connected', rssi_dbm: -50 },
      tags: { ...tags, ssid: opts.link },
      at,
    });
  }
  return out;
}

describe('building blocks', () => {
  it('takes the nearest-rank 10th percentile, with missing signal lowest', () => {
    expect(weakestPercentile([-50, -52, -55, -60, -58, -61, -70, -54, -53, -51])).toBe(-70);
    // 20 samples: rank 2.
    expect(weakestPercentile([...Array(18).fill(-50), -80, -60])).toBe(-60);
    expect(weakestPercentile([null, -50])).toBeNull();
    expect(weakestPercentile([])).toBeNull();
  });

  it.each([
    [-40, 'covered', 1],
    [-67, 'covered', 1],
    [-67.5, 'half', 0.5],
    [-75, 'half', 0.5],
    [-75.5, 'not_covered', 0],
    [null, 'none', 0],
  ] as const)('judges %s dBm as %s', (rssi, verdict, credit) => {
    expect(roomVerdict(rssi)).toEqual({ verdict, credit });
  });

  it('counts the virtual BSSIDs of one radio once', () => {
    const k = (bssid: string): string => radioKey({ bssid, ssid: 'x', channel: 36, band_ghz: 5 });
    expect(k('3c:41:0e:1a:2b:30')).toBe(k('3c:41:0e:1a:2b:32'));
    expect(k('3c:41:0e:1a:2b:30')).toBe(k('3e:41:0e:1a:2b:31'));
    expect(k('3c:41:0e:1a:2b:30')).not.toBe(k('3c:41:0e:1a:2b:40'));
    expect(radioKey({ bssid: null, ssid: 'x', channel: 36, band_ghz: 5 })).toBe('5/36/x');
  });

  it('takes the SSID the agents connect to most, or the configured ones', () => {
    const results = [
      ...scan(null, [], { link: 'SkolaViesi' }),
      ...scan(null, [], { link: 'SkolaNet' }),
      ...scan(null, [], { link: 'SkolaNet' }),
    ];
    expect(schoolSsidsOf(results)).toEqual({ ssids: ['SkolaNet'], source: 'most_connected' });
    expect(schoolSsidsOf(results, ['A', 'B'])).toEqual({ ssids: ['A', 'B'], source: 'configured' });
    expect(schoolSsidsOf([])).toEqual({ ssids: [], source: 'none' });
  });
});

describe('analyseCoverage with known answers', () => {
  const results: CoverageInput[] = [];
  // Room 101: ten samples, best SkolaNet 5 GHz signal as listed; weakest 10 % is -70 → half, 5 GHz yes.
  // One sample also hears a second SkolaNet radio on channel 36 above -82 dBm: co-channel overlap.
  for (const rssi of [-50, -52, -55, -60, -58, -61, -70, -54, -53, -51]) {
    const heard = [{ ssid: 'SkolaNet', bssid: '3c:41:0e:1a:2b:30', ch: 36, band: 5, rssi }];
    if (rssi === -70) heard.push({ ssid: 'SkolaNet', bssid: '3c:41:0e:5f:11:30', ch: 36, band: 5, rssi: -78 });
    results.push(...scan('101', heard, { link: 'SkolaNet' }));
  }
  // Room 102: 2.4 GHz only, -60/-62/-64 → -64 covered, no 5 GHz. A 40-day-older sample at -90 is superseded.
  results.push(...scan('102', [{ ssid: 'SkolaNet', bssid: '3c:41:0e:1a:2b:20', ch: 6, band: 2.4, rssi: -90 }], { dayOffset: -40 }));
  for (const rssi of [-60, -62, -64])
    results.push(...scan('102', [{ ssid: 'SkolaNet', bssid: '3c:41:0e:1a:2b:20', ch: 6, band: 2.4, rssi }]));
  // Room 103: one of two samples hears no school network → weakest 10 % is nothing → none.
  results.push(...scan('103', [{ ssid: 'Kaimini', bssid: '00:11:22:33:44:55', ch: 44, band: 5, rssi: -60 }]));
  results.push(...scan('103', [{ ssid: 'SkolaNet', bssid: '3c:41:0e:1a:2b:30', ch: 36, band: 5, rssi: -50 }]));
  // The hall is not a teaching room: its -85 dBm does not count.
  results.push(...scan('Zāle', [{ ssid: 'SkolaNet', bssid: '3c:41:0e:1a:2b:30', ch: 36, band: 5, rssi: -85 }], { roomUse: 'other' }));
  // A corridor scan without a room: four radios on channel 1 (crowded), a TKIP and an open school BSS,
  // a hidden BSS and two foreign SSIDs.
  results.push(
    ...scan(null, [
      { ssid: 'SkolaNet', bssid: '3c:41:0e:1a:2c:20', ch: 1, band: 2.4, rssi: -60, tkip: true },
      { ssid: 'SkolaNet', bssid: '3c:41:0e:1a:2d:20', ch: 1, band: 2.4, rssi: -70, sec: 'open' },
      { ssid: 'Kafejnica', bssid: '00:1d:7e:aa:bb:cc', ch: 1, band: 2.4, rssi: -75, sec: 'wpa', tkip: true },
      { ssid: 'Kaimini', bssid: '00:11:22:33:44:66', ch: 1, band: 2.4, rssi: -80 },
      { bssid: '3c:41:0e:1a:2b:33', ch: 1, band: 2.4, rssi: -81 },
      { ssid: 'Tālais', bssid: '00:11:22:33:44:77', ch: 1, band: 2.4, rssi: -90 },
    ]),
  );

  const c = analyseCoverage(results);

  it('finds the school SSID and every room figure', () => {
    expect(c.school_ssids).toEqual(['SkolaNet']);
    expect(c.school_ssids_source).toBe('most_connected');
    const byRoom = Object.fromEntries(c.rooms.map((r) => [r.room, r]));
    expect(byRoom['101']).toMatchObject({ samples: 10, best_rssi_dbm: -70, best_5ghz_rssi_dbm: -70, has_5ghz: true, verdict: 'half', teaching: true });
    expect(byRoom['102']).toMatchObject({ samples: 3, best_rssi_dbm: -64, best_5ghz_rssi_dbm: null, has_5ghz: false, verdict: 'covered' });
    expect(byRoom['103']).toMatchObject({ samples: 2, best_rssi_dbm: null, verdict: 'none' });
    expect(byRoom['Zāle']).toMatchObject({ teaching: false, verdict: 'not_covered' });
  });

  it('computes the school shares: (0.5 + 1 + 0) / 3 teaching rooms covered, 1 of 3 with 5 GHz', () => {
    expect(c.teaching_rooms).toBe(3);
    expect(c.teaching_rooms_covered_pct).toBe(50);
    expect(c.five_ghz_rooms_pct).toBe(33.3);
  });

  it('reads the channel plan', () => {
    expect(c.channels.find((ch) => ch.band_ghz === 5 && ch.channel === 36)).toMatchObject({
      radios: 2,
      school_radios: 2,
      max_heard_together: 2,
    });
    // Five radios at -82 dBm or better (the hidden one included); -90 dBm is below the CCA threshold.
    expect(c.channels.find((ch) => ch.band_ghz === 2.4 && ch.channel === 1)).toMatchObject({
      radios: 5,
      school_radios: 2,
      max_heard_together: 5,
    });
    expect(c.crowded_2_4ghz_channels).toEqual([1]);
  });

  it('flags weak security on school SSIDs only and counts strangers without naming them', () => {
    expect(c.security_flags).toEqual([
      { ssid: 'SkolaNet', security: 'open', tkip: false, bssids: 1 },
      { ssid: 'SkolaNet', security: 'wpa2', tkip: true, bssids: 1 },
    ]);
    expect(c.unknown_ssids).toBe(3);
    expect(c.hidden_bssids).toBe(1);
    expect(JSON.stringify(summarizeCoverage(c))).not.toContain('Kafejnica');
  });

  it('raises every flag that applies', () => {
    expect(c.flags).toEqual(['rooms_not_covered', 'no_5ghz', 'weak_security', 'co_channel_overlap', 'crowded_2_4ghz']);
    expect(c.samples).toBe(10 + 4 + 2 + 1 + 1);
  });

  it('honours configured SSIDs and non-teaching rooms', () => {
    const custom = analyseCoverage(results, { schoolSsids: ['SkolaNet', 'Kaimini'], nonTeachingRooms: ['103'] });
    expect(custom.rooms.find((r) => r.room === '103')).toMatchObject({ teaching: false, best_rssi_dbm: -60 });
    // 101 half + 102 covered over 2 rooms.
    expect(custom.teaching_rooms_covered_pct).toBe(75);
  });

  it('uses the link signal of a sample without a scan', () => {
    const linkOnly = analyseCoverage([
      { agent_id: 'a', measurement: 'wifi_link', fields: { result: 'connected', rssi_dbm: -66, band_ghz: 5 }, tags: { room: 'Lab', ssid: 'S' }, at: '2026-03-02T09:00:00.000Z' },
    ]);
    expect(linkOnly.rooms).toEqual([expect.objectContaining({ room: 'Lab', best_rssi_dbm: -66, has_5ghz: true, verdict: 'covered' })]);
    expect(linkOnly.teaching_rooms_covered_pct).toBe(100);
  });

  it('answers nothing known with empty figures', () => {
    expect(summarizeCoverage(analyseCoverage([]))).toEqual({
      rooms: 0,
      teaching_rooms: 0,
      teaching_rooms_covered_pct: null,
      five_ghz_rooms_pct: null,
      samples: 0,
      school_ssids: [],
      flags: [],
    });
  });
});
