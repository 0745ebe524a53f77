/**
 * Signal thresholds for people walking a school with a laptop. The same
 * figures drive the collector's coverage analysis (docs/wifi.md); they are
 * repeated here because the agent does not depend on the collector.
 */

/**
 * Signal at or above which a room is covered for voice and video, in dBm:
 * -67 dBm is the design target of common enterprise guidance for voice
 * and video over Wi-Fi (Cisco's Voice over WLAN design guide, Apple's
 * "Wi-Fi network roaming with mobile devices" support note).
 */
export const GOOD_SIGNAL_DBM = -67;

/**
 * Signal down to which a room is usable for browsing and lessons but not
 * reliably for video, in dBm: -75 dBm is where the same guidance puts
 * data-only coverage; below it rates fall to the lowest modulations.
 */
export const FAIR_SIGNAL_DBM = -75;

/** Verdict of one signal reading. */
export type SignalVerdict = 'good' | 'fair' | 'poor' | 'none';

/** The verdict for a signal in dBm; null means nothing was heard. */
export function signalVerdict(rssiDbm: number | null): SignalVerdict {
  if (rssiDbm === null) return 'none';
  if (rssiDbm >= GOOD_SIGNAL_DBM) return 'good';
  if (rssiDbm >= FAIR_SIGNAL_DBM) return 'fair';
  return 'poor';
}

/** What each verdict means to someone standing in the room. */
export const VERDICT_TEXT: Readonly<Record<SignalVerdict, string>> = {
  good: 'good: voice and video',
  fair: 'fair: browsing, not reliable video',
  poor: 'poor: dead spot for lessons',
  none: 'no signal',
};

/** Bar scale ends, in dBm: -90 dBm is about the weakest signal a client still decodes, -30 dBm next to an AP. */
const BAR_MIN_DBM = -90;
const BAR_MAX_DBM = -30;

/** A fixed-width bar for a signal, `[#######-------]`; empty when nothing was heard. */
export function signalBar(rssiDbm: number | null, width = 20): string {
  if (rssiDbm === null) return `[${'-'.repeat(width)}]`;
  const share =
    (Math.min(BAR_MAX_DBM, Math.max(BAR_MIN_DBM, rssiDbm)) - BAR_MIN_DBM) / (BAR_MAX_DBM - BAR_MIN_DBM);
  const filled = Math.round(share * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}
