import { describe, expect, it } from 'vitest';
import { limitingSegment } from './limiting-segment.js';

describe('limitingSegment', () => {
  it('blames the internet line when the WAN is well below the LAN', () => {
    expect(limitingSegment({ local_link: 'wired', wan_download_mbps: 48, lan_mbps: 940 }).segment).toBe(
      'internet',
    );
  });

  it('blames the local path when the WAN gets what the LAN gets', () => {
    expect(limitingSegment({ local_link: 'wifi', wan_download_mbps: 19, lan_mbps: 20 }).segment).toBe('wifi');
    expect(limitingSegment({ local_link: 'wired', wan_download_mbps: 19, lan_mbps: 20 }).segment).toBe('lan');
  });

  it('without a LAN peer, looks where the queue builds', () => {
    const base = { local_link: 'wifi' as const, wan_download_mbps: 30, gateway_rtt_ms: 2, wan_rtt_ms: 10 };
    expect(limitingSegment({ ...base, gateway_rtt_loaded_ms: 40, wan_rtt_loaded_ms: 50 }).segment).toBe(
      'wifi',
    );
    expect(limitingSegment({ ...base, gateway_rtt_loaded_ms: 2.5, wan_rtt_loaded_ms: 40 }).segment).toBe(
      'internet',
    );
    expect(limitingSegment({ ...base, gateway_rtt_loaded_ms: 2.5, wan_rtt_loaded_ms: 11 }).segment).toBe(
      'unknown',
    );
  });

  it('cannot say without a WAN figure', () => {
    expect(limitingSegment({ local_link: 'wired', lan_mbps: 900 }).segment).toBe('unknown');
  });
});
