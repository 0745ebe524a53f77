import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ACCEPTANCE_THRESHOLDS,
  acceptanceVerdict,
  reachesShare,
  type AcceptanceThresholds,
  type CampaignMeasurements,
  type ContractTerms,
  type LatencySample,
  type SpeedSample,
} from './verdict.js';

// Synthetic known-answer cases: every count below is chosen so the share sits
// exactly on, or just off, a threshold.

const T0 = Date.parse('2026-03-02T08:00:00Z');
const at = (i: number): string => new Date(T0 + i * 60_000).toISOString();

const TERMS: ContractTerms = {
  kind: 'internet_line',
  download_max_mbps: 50,
  upload_max_mbps: 50,
  download_min_mbps: 10,
  upload_min_mbps: 10,
  latency_limit_ms: null,
  max_loss_pct: null,
  availability_pct: null,
};

/** `passing` tests at 40 Mbit/s (exactly 80 % of 50) and the rest at 39.99. */
function speeds(total: number, passing: number): SpeedSample[] {
  return Array.from({ length: total }, (_, i) => ({ at: at(i), mbps: i < passing ? 40 : 39.99 }));
}

/** `within` measurements at exactly `limit` ms and the rest just above it. */
function latencies(total: number, within: number, limit = 100): LatencySample[] {
  return Array.from({ length: total }, (_, i) => ({
    at: at(i),
    rtt_ms: i < within ? limit : limit + 0.001,
    loss_pct: 0,
  }));
}

const THRESHOLDS: AcceptanceThresholds = {
  ...DEFAULT_ACCEPTANCE_THRESHOLDS,
  min_download_tests: 10,
  min_upload_tests: 10,
  min_latency_measurements: 20,
};

function measurements(over: Partial<CampaignMeasurements> = {}): CampaignMeasurements {
  return {
    download: speeds(10, 10),
    upload: speeds(10, 10),
    latency: latencies(20, 20),
    bottleneck: [],
    not_run: {},
    ...over,
  };
}

describe('acceptanceVerdict', () => {
  it('passes at exactly 80 % of tests at exactly 80 % of the contracted speed', () => {
    // 12 of 15 is 80 % exactly, and 40 Mbit/s is 80 % of 50 exactly: both boundaries at once.
    const v = acceptanceVerdict(TERMS, measurements({ download: speeds(15, 12) }), THRESHOLDS);
    const download = v.criteria.find((c) => c.criterion === 'download')!;
    expect(download).toMatchObject({ status: 'pass', tests: 15, passing: 12, bound: 40 });
    expect(download.measured).toBeCloseTo(80, 10);
    expect(v.status).toBe('pass');
  });

  it('fails at 79.9 % of tests', () => {
    const v = acceptanceVerdict(TERMS, measurements({ upload: speeds(1000, 799) }), THRESHOLDS);
    expect(v.criteria.find((c) => c.criterion === 'upload')).toMatchObject({ status: 'fail', passing: 799 });
    expect(v.status).toBe('fail');
    expect(v.failed).toEqual(['upload']);
  });

  it('is inconclusive with too few tests, and a failure elsewhere still fails', () => {
    const few = acceptanceVerdict(TERMS, measurements({ download: speeds(9, 9) }), THRESHOLDS);
    expect(few.criteria.find((c) => c.criterion === 'download')!.status).toBe('inconclusive');
    expect(few.status).toBe('inconclusive');
    const failing = acceptanceVerdict(
      TERMS,
      measurements({ download: speeds(9, 9), latency: latencies(20, 18) }),
      THRESHOLDS,
    );
    expect(failing.status).toBe('fail');
    expect(failing.failed).toEqual(['latency']);
  });

  it('counts a latency exactly at the limit as within, and just above as not', () => {
    // 19 of 20 is 95 % exactly.
    const ok = acceptanceVerdict(TERMS, measurements({ latency: latencies(20, 19) }), THRESHOLDS);
    expect(ok.criteria.find((c) => c.criterion === 'latency')).toMatchObject({
      status: 'pass',
      passing: 19,
      bound: 100,
    });
    const over = acceptanceVerdict(TERMS, measurements({ latency: latencies(20, 18) }), THRESHOLDS);
    expect(over.criteria.find((c) => c.criterion === 'latency')!.status).toBe('fail');
  });

  it("uses the contract's latency limit when it sets one", () => {
    const terms = { ...TERMS, latency_limit_ms: 30 };
    const v = acceptanceVerdict(terms, measurements({ latency: latencies(20, 20, 30) }), THRESHOLDS);
    expect(v.criteria.find((c) => c.criterion === 'latency')).toMatchObject({ status: 'pass', bound: 30 });
    const strict = acceptanceVerdict(terms, measurements({ latency: latencies(20, 20, 31) }), THRESHOLDS);
    expect(strict.criteria.find((c) => c.criterion === 'latency')!.status).toBe('fail');
  });

  it('counts a run without replies as above the limit and as unavailable', () => {
    const latency = latencies(20, 20);
    latency[0] = { at: at(0), rtt_ms: null, loss_pct: 100 };
    latency[1] = { at: at(1), rtt_ms: null, loss_pct: 100 };
    const terms = { ...TERMS, availability_pct: 95, max_loss_pct: 5 };
    const v = acceptanceVerdict(terms, measurements({ latency }), THRESHOLDS);
    const byName = Object.fromEntries(v.criteria.map((c) => [c.criterion, c]));
    expect(byName.latency).toMatchObject({ status: 'fail', passing: 18 });
    expect(byName.availability).toMatchObject({ status: 'fail', passing: 18, measured: 90 });
    // Mean loss (2 × 100 %) / 20 = 10 %, above the contract's 5 %.
    expect(byName.loss).toMatchObject({ status: 'fail', measured: 10 });
  });

  it('leaves loss and availability unassessed when the contract sets none', () => {
    const v = acceptanceVerdict(TERMS, measurements(), THRESHOLDS);
    const byName = Object.fromEntries(v.criteria.map((c) => [c.criterion, c.status]));
    expect(byName).toMatchObject({ loss: 'not_assessed', availability: 'not_assessed' });
    expect(v.status).toBe('pass');
  });

  it('reports tests not run without counting them', () => {
    const v = acceptanceVerdict(
      TERMS,
      measurements({ not_run: { agent_offline: 7, budget: 2 } }),
      THRESHOLDS,
    );
    expect(v.not_run).toEqual({ by_reason: { agent_offline: 7, budget: 2 }, total: 9 });
    expect(v.status).toBe('pass');
    expect(v.criteria.find((c) => c.criterion === 'download')!.tests).toBe(10);
  });

  describe('bottleneck attribution', () => {
    // 10 tests, 3 failing; each failing test has a bottleneck result 5 min later.
    const download = speeds(10, 7);
    const bottleneck = download
      .slice(7)
      .map((s) => ({ at: new Date(Date.parse(s.at) + 5 * 60_000).toISOString(), segment: 'lan' as const }));

    it('leaves school-limited failures out of a line contract and says so', () => {
      const v = acceptanceVerdict(TERMS, measurements({ download, bottleneck }), {
        ...THRESHOLDS,
        min_download_tests: 7,
      });
      const c = v.criteria.find((x) => x.criterion === 'download')!;
      expect(c).toMatchObject({ status: 'pass', tests: 7, passing: 7, school_limited: 3 });
      expect(v.school_limited).toBe(true);
      // Without the probe's word, the same tests fail the line (7 of 10).
      const blind = acceptanceVerdict(TERMS, measurements({ download }), THRESHOLDS);
      expect(blind.criteria.find((x) => x.criterion === 'download')!.status).toBe('fail');
    });

    it('still fails an internal-network contract for the school side', () => {
      const v = acceptanceVerdict(
        { ...TERMS, kind: 'internal_network' },
        measurements({ download, bottleneck }),
        THRESHOLDS,
      );
      expect(v.criteria.find((x) => x.criterion === 'download')).toMatchObject({
        status: 'fail',
        tests: 10,
        school_limited: 3,
      });
    });

    it('ignores a bottleneck result outside the window or naming the internet', () => {
      const far = bottleneck.map((b) => ({ ...b, at: new Date(Date.parse(b.at) + 3_600_000).toISOString() }));
      const internet = bottleneck.map((b) => ({ ...b, segment: 'internet' as const }));
      for (const b of [far, internet]) {
        const v = acceptanceVerdict(TERMS, measurements({ download, bottleneck: b }), THRESHOLDS);
        expect(v.criteria.find((x) => x.criterion === 'download')).toMatchObject({
          status: 'fail',
          school_limited: 0,
        });
      }
    });
  });

  it('counts tests below the guaranteed minimum', () => {
    const download = [...speeds(10, 10), { at: at(11), mbps: 9.99 }];
    const v = acceptanceVerdict(TERMS, measurements({ download }), THRESHOLDS);
    expect(v.criteria.find((c) => c.criterion === 'download')!.below_guaranteed_min).toBe(1);
  });

  it('reachesShare is exact at the boundary for many totals', () => {
    for (const whole of [5, 10, 15, 25, 35, 45, 55, 95, 115, 1005]) {
      const part = (whole * 4) / 5;
      expect(reachesShare(part, whole, 80), `${part}/${whole}`).toBe(true);
      expect(reachesShare(part - 1, whole, 80), `${part - 1}/${whole}`).toBe(false);
    }
  });

  describe('rooms of an internal-network contract', () => {
    const terms = { ...TERMS, kind: 'internal_network' as const };
    const rooms = (...verdicts: ('covered' | 'half' | 'not_covered' | 'not_surveyed')[]) =>
      verdicts.map((verdict, i) => ({ room: `Kab. ${i + 1}`, verdict }));
    const rooms_ = (v: ReturnType<typeof acceptanceVerdict>) =>
      v.criteria.find((c) => c.criterion === 'wifi_rooms');

    it('passes when every named room is covered, and fails for one half-covered room', () => {
      expect(
        rooms_(acceptanceVerdict(terms, measurements({ rooms: rooms('covered', 'covered') }), THRESHOLDS)),
      ).toMatchObject({ status: 'pass', passing: 2, tests: 2, measured: 100 });
      const half = acceptanceVerdict(terms, measurements({ rooms: rooms('covered', 'half') }), THRESHOLDS);
      expect(rooms_(half)!.status).toBe('fail');
      expect(half.failed).toEqual(['wifi_rooms']);
    });

    it('is inconclusive while a named room is not surveyed, unless the others already fail', () => {
      expect(
        rooms_(
          acceptanceVerdict(terms, measurements({ rooms: rooms('covered', 'not_surveyed') }), THRESHOLDS),
        )!.status,
      ).toBe('inconclusive');
      expect(
        rooms_(
          acceptanceVerdict(terms, measurements({ rooms: rooms('not_covered', 'not_surveyed') }), THRESHOLDS),
        )!.status,
      ).toBe('fail');
    });

    it('is no criterion of a line contract', () => {
      expect(
        rooms_(acceptanceVerdict(TERMS, measurements({ rooms: rooms('not_covered') }), THRESHOLDS)),
      ).toBeUndefined();
    });
  });

  describe('uplink utilisation of an internal-network contract', () => {
    const terms = { ...TERMS, kind: 'internal_network' as const };
    /** `n` sweeps at `pct` % and then the `rest` values, a minute apart. */
    const sweeps = (n: number, pct: number, ...rest: number[]) =>
      [...Array.from({ length: n }, () => pct), ...rest].map((util_pct, i) => ({ at: at(i), util_pct }));
    const uplink_ = (v: ReturnType<typeof acceptanceVerdict>) =>
      v.criteria.find((c) => c.criterion === 'uplink_utilisation');

    it('passes with the p95 exactly at the limit, and fails just above it', () => {
      // 20 sweeps: the nearest-rank p95 is the 19th smallest, so one busier sweep is the top 5 %.
      const at80 = acceptanceVerdict(terms, measurements({ uplink: sweeps(19, 80, 99) }), THRESHOLDS);
      expect(uplink_(at80)).toMatchObject({
        status: 'pass',
        measured: 80,
        required: 80,
        tests: 20,
        passing: 19,
      });
      expect(at80.status).toBe('pass');
      const above = acceptanceVerdict(
        terms,
        measurements({ uplink: sweeps(18, 80, 80.01, 80.01) }),
        THRESHOLDS,
      );
      expect(uplink_(above)).toMatchObject({ status: 'fail', measured: 80.01, passing: 18 });
      expect(above.status).toBe('fail');
      expect(above.failed).toEqual(['uplink_utilisation']);
    });

    it('uses the configured limit', () => {
      const v = acceptanceVerdict(terms, measurements({ uplink: sweeps(20, 70) }), {
        ...THRESHOLDS,
        uplink_utilisation_p95_max_pct: 69.9,
      });
      expect(uplink_(v)).toMatchObject({ status: 'fail', required: 69.9, measured: 70 });
    });

    it('is not possible without any SNMP sweep, and neither passes nor fails the verdict', () => {
      for (const uplink of [undefined, []]) {
        const v = acceptanceVerdict(terms, measurements(uplink === undefined ? {} : { uplink }), THRESHOLDS);
        expect(uplink_(v)).toMatchObject({ status: 'not_possible', tests: 0, measured: null });
        expect(v.status).toBe('pass');
        expect(v.failed).toEqual([]);
      }
      const failing = acceptanceVerdict(terms, measurements({ download: speeds(10, 7) }), THRESHOLDS);
      expect(failing.status).toBe('fail');
      expect(failing.failed).toEqual(['download']);
    });

    it('is no criterion of a line contract', () => {
      expect(
        uplink_(acceptanceVerdict(TERMS, measurements({ uplink: sweeps(20, 99) }), THRESHOLDS)),
      ).toBeUndefined();
    });
  });
});
