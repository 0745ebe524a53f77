/** Where the limit of a school's connection sits. */
export type LimitingSegment = 'wifi' | 'lan' | 'internet' | 'unknown';

/** What the segment decision looks at; round trips in ms, rates in Mbit/s. */
export interface SegmentFigures {
  /** How the agent reaches the gateway: over Wi-Fi, a cable, or not known. */
  local_link: 'wifi' | 'wired' | 'unknown';
  wan_download_mbps?: number;
  lan_mbps?: number;
  gateway_rtt_ms?: number;
  gateway_rtt_loaded_ms?: number;
  wan_rtt_ms?: number;
  wan_rtt_loaded_ms?: number;
}

/**
 * Share of the LAN rate the WAN download must reach for the local path to
 * count as the limit: below it the internet line is clearly slower than
 * the LAN; at or above it both run into the same local limit. 0.8 leaves
 * room for the WAN path's longer RTT and the collector's load.
 */
export const LAN_SHARE = 0.8;
/**
 * Growth of a round trip under load that means a queue built up, in ms.
 * 5 ms is well above a LAN's idle jitter (under 1 ms wired, 1-3 ms on
 * quiet Wi-Fi) and far below the tens of ms a saturated queue adds.
 */
export const QUEUE_GROWTH_MS = 5;

/**
 * Names the limiting segment. The rule, in order:
 * 1. No WAN download figure: `unknown`.
 * 2. With a LAN figure (a download from a peer on the school LAN): if the
 *    WAN download is below {@link LAN_SHARE} of it, the `internet` line
 *    limits; otherwise the local path does: `wifi` when the agent is on
 *    Wi-Fi, else `lan`.
 * 3. Without one, where the queue builds during the WAN download tells
 *    (a bottleneck's queue sits in front of it): the gateway's round trip
 *    grows by {@link QUEUE_GROWTH_MS} or more → the local path (`wifi` or
 *    `lan`); only the WAN round trip grows → `internet`; neither → `unknown`.
 */
export function limitingSegment(f: SegmentFigures): { segment: LimitingSegment; reason: string } {
  const local: LimitingSegment = f.local_link === 'wifi' ? 'wifi' : 'lan';
  if (f.wan_download_mbps === undefined) return { segment: 'unknown', reason: 'no WAN download figure' };
  if (f.lan_mbps !== undefined) {
    if (f.wan_download_mbps < LAN_SHARE * f.lan_mbps) {
      return {
        segment: 'internet',
        reason: `WAN ${f.wan_download_mbps} < ${LAN_SHARE} × LAN ${f.lan_mbps} Mbit/s`,
      };
    }
    return { segment: local, reason: `WAN ${f.wan_download_mbps} ≥ ${LAN_SHARE} × LAN ${f.lan_mbps} Mbit/s` };
  }
  const growth = (idle?: number, loaded?: number): number | undefined =>
    idle !== undefined && loaded !== undefined ? loaded - idle : undefined;
  const gateway = growth(f.gateway_rtt_ms, f.gateway_rtt_loaded_ms);
  const wan = growth(f.wan_rtt_ms, f.wan_rtt_loaded_ms);
  if (gateway !== undefined && gateway >= QUEUE_GROWTH_MS) {
    return { segment: local, reason: `gateway RTT grew ${gateway.toFixed(1)} ms under load` };
  }
  if (wan !== undefined && wan >= QUEUE_GROWTH_MS) {
    return { segment: 'internet', reason: `only the WAN RTT grew (${wan.toFixed(1)} ms) under load` };
  }
  return { segment: 'unknown', reason: 'no LAN peer and no queue grew under load' };
}
