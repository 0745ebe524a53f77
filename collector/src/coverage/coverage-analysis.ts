import { nearestRank, type Fields, type Tags } from '@skolnet/shared';

/**
 * Wi-Fi coverage of a school from the `wifi` probe's results
 * (docs/wifi.md). Pure functions over plain data: no database, no
 * fastify, so every figure can be recomputed by hand from the results.
 */

/** Measurement of a connected interface (agent `wifi` probe). */
export const WIFI_LINK_MEASUREMENT = 'wifi_link';
/** Measurement of one BSS seen in a scan. */
export const WIFI_NETWORK_MEASUREMENT = 'wifi_network';
/** Measurements the coverage analysis reads; the store can narrow its query to them. */
export const COVERAGE_MEASUREMENTS: readonly string[] = [WIFI_LINK_MEASUREMENT, WIFI_NETWORK_MEASUREMENT];

/**
 * Results older than this do not count, in ms (180 days, about a school
 * term and a half): a survey walk happens once or twice a year, and Wi-Fi
 * coverage changes only when access points do.
 */
export const COVERAGE_WINDOW_MS = 180 * 24 * 60 * 60 * 1000;

/**
 * Per room only samples this close to the room's newest sample count, in
 * ms (30 days): after an access point is added, a new survey replaces the
 * old one instead of being averaged with it.
 */
export const ROOM_RECENCY_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * A room is covered for voice and video at this signal or better, in dBm.
 * -67 dBm is the common enterprise design target for voice and video over
 * Wi-Fi (Cisco voice/video WLAN design guidance, Apple's enterprise Wi-Fi
 * deployment guidance); video lessons and calls need it.
 */
export const COVERED_DBM = -67;

/**
 * Down to this signal a room counts as half covered, in dBm: -67 to -75
 * dBm carries browsing and most lesson material but not reliable video.
 * -75 dBm is a judgement at the lower end of common data-only survey
 * targets (-70 to -75 dBm), not a standard.
 */
export const HALF_COVERED_DBM = -75;

/**
 * The room figure is the weakest 10 % of its samples' best-AP signal
 * (nearest-rank 10th percentile), so a room is judged by its bad moments
 * (a door closed, a full class absorbing signal), not its average.
 */
export const ROOM_PERCENTILE = 10;

/**
 * A radio heard at or above this, in dBm, shares the channel's airtime:
 * -82 dBm is the 802.11 clear-channel-assessment sensitivity for a 20 MHz
 * OFDM transmission (IEEE 802.11-2020, 17.3.10.6), the level at which a
 * device defers to it.
 */
export const CCA_THRESHOLD_DBM = -82;

/**
 * More than this many radios heard on one 2.4 GHz channel in one place
 * counts as crowded, in radios. Each extra radio takes airtime from the
 * others (only 3 non-overlapping channels exist); 3 is a judgement, not a
 * standard.
 */
export const CROWDED_2_4GHZ_RADIOS_PER_CHANNEL = 3;

/** The slice of a stored result this analysis reads. */
export interface CoverageInput {
  agent_id: string;
  measurement: string;
  fields: Fields;
  tags: Tags;
  at: string;
}

/** Per-school choices; every one has a default (docs/wifi.md). */
export interface CoverageOptions {
  /** The school's own SSIDs. Default: the SSID the school's agents are connected to most. */
  schoolSsids?: readonly string[];
  /** Rooms that are not teaching rooms, beside those tagged `room_use=other`. */
  nonTeachingRooms?: readonly string[];
}

/** How a room fares. `none`: no school network heard in its weakest samples. */
export type RoomVerdict = 'covered' | 'half' | 'not_covered' | 'none';

/** One room's figures. */
export interface RoomCoverage {
  room: string;
  teaching: boolean;
  /** Samples counted (within {@link ROOM_RECENCY_MS} of the newest). */
  samples: number;
  /** Weakest-10 % best school-AP signal, in dBm; null when a school network was missing that often. */
  best_rssi_dbm: number | null;
  /** The same over 5 and 6 GHz radios only, in dBm. */
  best_5ghz_rssi_dbm: number | null;
  /** A school network on 5 or 6 GHz at {@link HALF_COVERED_DBM} or better in the weakest samples. */
  has_5ghz: boolean;
  verdict: RoomVerdict;
  /** Newest sample, RFC 3339. */
  last_at: string;
}

/** Access points on one channel. */
export interface ChannelUse {
  band_ghz: number;
  channel: number;
  /** Radios seen on it at {@link CCA_THRESHOLD_DBM} or better. */
  radios: number;
  /** Of those, radios of school SSIDs. */
  school_radios: number;
  /** Most radios heard on it in one sample (co-channel overlap when 2 or more). */
  max_heard_together: number;
}

/** Weak security on a school SSID. */
export interface SecurityFlag {
  ssid: string;
  security: string;
  tkip: boolean;
  bssids: number;
}

/** The full coverage picture of a school. */
export interface SchoolCoverage {
  school_ssids: string[];
  /** Where `school_ssids` came from. */
  school_ssids_source: 'configured' | 'most_connected' | 'none';
  rooms: RoomCoverage[];
  teaching_rooms: number;
  /** Share of teaching rooms covered (half rooms count half), 0–100; null without teaching rooms. */
  teaching_rooms_covered_pct: number | null;
  /** Share of teaching rooms with {@link RoomCoverage.has_5ghz}, 0–100; null without teaching rooms. */
  five_ghz_rooms_pct: number | null;
  channels: ChannelUse[];
  /** 2.4 GHz channels with more than {@link CROWDED_2_4GHZ_RADIOS_PER_CHANNEL} radios heard together. */
  crowded_2_4ghz_channels: number[];
  security_flags: SecurityFlag[];
  /** Distinct SSIDs that are not the school's (named SSIDs only; never listed, only counted). */
  unknown_ssids: number;
  /** BSSes with a hidden SSID. */
  hidden_bssids: number;
  /** Samples (scans) analysed, rooms or not. */
  samples: number;
  /** Short codes of what needs attention: `rooms_not_covered`, `no_5ghz`, `weak_security`, `co_channel_overlap`, `crowded_2_4ghz`. */
  flags: string[];
}

/** The part of {@link SchoolCoverage} shown in a school's record. */
export interface CoverageSummary {
  rooms: number;
  teaching_rooms: number;
  teaching_rooms_covered_pct: number | null;
  five_ghz_rooms_pct: number | null;
  samples: number;
  school_ssids: string[];
  flags: string[];
}

interface Heard {
  ssid: string | null;
  bssid: string | null;
  channel: number | null;
  band_ghz: number | null;
  rssi_dbm: number;
  security: string;
  tkip: boolean;
  hidden: boolean;
}

interface Sample {
  room: string | null;
  roomUse: string | null;
  at: string;
  heard: Heard[];
  link: { ssid: string | null; rssi_dbm: number | null; band_ghz: number | null } | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Groups results into samples: everything one agent measured at one instant is one scan. */
function samplesOf(results: readonly CoverageInput[]): Sample[] {
  const byKey = new Map<string, Sample>();
  for (const r of results) {
    if (r.measurement !== WIFI_NETWORK_MEASUREMENT && r.measurement !== WIFI_LINK_MEASUREMENT) continue;
    const key = `${r.agent_id}\u0000${r.at}`;
    let s = byKey.get(key);
    if (!s) {
      s = { room: r.tags['room'] ?? null, roomUse: r.tags['room_use'] ?? null, at: r.at, heard: [], link: null };
      byKey.set(key, s);
    }
    if (r.measurement === WIFI_LINK_MEASUREMENT) {
      if (r.fields['result'] === 'connected') {
        s.link = {
          ssid: r.tags['ssid'] ?? null,
          rssi_dbm: num(r.fields['rssi_dbm']),
          band_ghz: num(r.fields['band_ghz']),
        };
      }
      continue;
    }
    const rssi = num(r.fields['rssi_dbm']);
    if (rssi === null) continue;
    s.heard.push({
      ssid: r.tags['ssid'] ?? null,
      bssid: r.tags['bssid'] ?? null,
      channel: num(r.fields['channel']),
      band_ghz: num(r.fields['band_ghz']),
      rssi_dbm: rssi,
      security: typeof r.fields['security'] === 'string' ? r.fields['security'] : 'unknown',
      tkip: r.fields['tkip'] === true,
      hidden: r.fields['hidden'] === true,
    });
  }
  return [...byKey.values()].sort((a, b) => a.at.localeCompare(b.at));
}

/**
 * The school's SSIDs: the configured ones, or else the SSID its agents'
 * connections name most often (ties: alphabetical first), or none.
 */
export function schoolSsidsOf(
  results: readonly CoverageInput[],
  configured?: readonly string[],
): { ssids: string[]; source: SchoolCoverage['school_ssids_source'] } {
  if (configured && configured.length > 0) return { ssids: [...configured], source: 'configured' };
  const counts = new Map<string, number>();
  for (const r of results) {
    const ssid = r.tags['ssid'];
    if (r.measurement === WIFI_LINK_MEASUREMENT && r.fields['result'] === 'connected' && ssid)
      counts.set(ssid, (counts.get(ssid) ?? 0) + 1);
  }
  const ranked = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const top = ranked[0];
  return top ? { ssids: [top[0]], source: 'most_connected' } : { ssids: [], source: 'none' };
}

/**
 * Nearest-rank percentile of values where null means "nothing heard" and
 * ranks below every number; null when the percentile falls on one.
 */
export function weakestPercentile(values: readonly (number | null)[], pct = ROOM_PERCENTILE): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => (a ?? -Infinity) - (b ?? -Infinity));
  return sorted[nearestRank(pct, sorted.length) - 1] ?? null;
}

/** The verdict and coverage credit (1, 0.5, 0) of a room figure. */
export function roomVerdict(bestRssiDbm: number | null): { verdict: RoomVerdict; credit: number } {
  if (bestRssiDbm === null) return { verdict: 'none', credit: 0 };
  if (bestRssiDbm >= COVERED_DBM) return { verdict: 'covered', credit: 1 };
  if (bestRssiDbm >= HALF_COVERED_DBM) return { verdict: 'half', credit: 0.5 };
  return { verdict: 'not_covered', credit: 0 };
}

/** Best school signal of one sample, optionally on 5/6 GHz only; the link counts when the sample has no scan. */
function bestOf(s: Sample, school: ReadonlySet<string>, fiveOnly: boolean): number | null {
  let best: number | null = null;
  for (const h of s.heard) {
    if (!h.ssid || !school.has(h.ssid)) continue;
    if (fiveOnly && (h.band_ghz === null || h.band_ghz < 5)) continue;
    if (best === null || h.rssi_dbm > best) best = h.rssi_dbm;
  }
  if (best === null && s.heard.length === 0 && s.link?.ssid && school.has(s.link.ssid)) {
    if (!fiveOnly || (s.link.band_ghz ?? 0) >= 5) best = s.link.rssi_dbm;
  }
  return best;
}

/**
 * A radio is one BSSID up to its last octet's low nibble and the
 * locally-administered bit: access points advertise each SSID from a
 * BSSID derived from the radio's MAC that way. A heuristic; without
 * BSSIDs (recent macOS) SSID and channel stand in.
 */
export function radioKey(h: Pick<Heard, 'bssid' | 'ssid' | 'channel' | 'band_ghz'>): string {
  const where = `${h.band_ghz ?? '?'}/${h.channel ?? '?'}`;
  if (!h.bssid) return `${where}/${h.ssid ?? ''}`;
  const octets = h.bssid.toLowerCase().split(':');
  const first = (parseInt(octets[0] ?? '0', 16) & 0xfd).toString(16).padStart(2, '0');
  const last = (octets[5] ?? '').charAt(0);
  return `${where}/${[first, ...octets.slice(1, 5), last].join(':')}`;
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

/** Analyses a school's Wi-Fi results (any order) into its {@link SchoolCoverage}. */
export function analyseCoverage(results: readonly CoverageInput[], options: CoverageOptions = {}): SchoolCoverage {
  const { ssids, source } = schoolSsidsOf(results, options.schoolSsids);
  const school = new Set(ssids);
  const nonTeaching = new Set(options.nonTeachingRooms ?? []);
  const samples = samplesOf(results);

  const byRoom = new Map<string, Sample[]>();
  for (const s of samples) if (s.room) byRoom.set(s.room, [...(byRoom.get(s.room) ?? []), s]);
  const rooms: RoomCoverage[] = [];
  for (const [room, all] of [...byRoom].sort((a, b) => a[0].localeCompare(b[0]))) {
    const newest = all[all.length - 1]!;
    const cutoff = Date.parse(newest.at) - ROOM_RECENCY_MS;
    const recent = all.filter((s) => Date.parse(s.at) >= cutoff);
    const best = weakestPercentile(recent.map((s) => bestOf(s, school, false)));
    const best5 = weakestPercentile(recent.map((s) => bestOf(s, school, true)));
    rooms.push({
      room,
      teaching: newest.roomUse !== 'other' && !nonTeaching.has(room),
      samples: recent.length,
      best_rssi_dbm: best,
      best_5ghz_rssi_dbm: best5,
      has_5ghz: best5 !== null && best5 >= HALF_COVERED_DBM,
      verdict: roomVerdict(best).verdict,
      last_at: newest.at,
    });
  }
  const teaching = rooms.filter((r) => r.teaching);
  const credit = teaching.reduce((sum, r) => sum + roomVerdict(r.best_rssi_dbm).credit, 0);

  // Channel plan over every sample, with or without a room.
  const channels = new Map<string, ChannelUse & { keys: Set<string>; schoolKeys: Set<string> }>();
  for (const s of samples) {
    const together = new Map<string, Set<string>>();
    for (const h of s.heard) {
      if (h.channel === null || h.band_ghz === null || h.rssi_dbm < CCA_THRESHOLD_DBM) continue;
      const id = `${h.band_ghz}/${h.channel}`;
      let use = channels.get(id);
      if (!use) {
        use = { band_ghz: h.band_ghz, channel: h.channel, radios: 0, school_radios: 0, max_heard_together: 0, keys: new Set(), schoolKeys: new Set() };
        channels.set(id, use);
      }
      const key = radioKey(h);
      use.keys.add(key);
      if (h.ssid && school.has(h.ssid)) use.schoolKeys.add(key);
      together.set(id, (together.get(id) ?? new Set()).add(key));
    }
    for (const [id, keys] of together) {
      const use = channels.get(id)!;
      use.max_heard_together = Math.max(use.max_heard_together, keys.size);
    }
  }
  const channelList: ChannelUse[] = [...channels.values()]
    .map(({ keys, schoolKeys, ...use }) => ({ ...use, radios: keys.size, school_radios: schoolKeys.size }))
    .sort((a, b) => a.band_ghz - b.band_ghz || a.channel - b.channel);
  const crowded = channelList
    .filter((c) => c.band_ghz === 2.4 && c.max_heard_together > CROWDED_2_4GHZ_RADIOS_PER_CHANNEL)
    .map((c) => c.channel);

  // Security and strangers, over distinct BSSes.
  const weak = new Map<string, SecurityFlag & { keys: Set<string> }>();
  const unknown = new Set<string>();
  const hidden = new Set<string>();
  for (const s of samples) {
    for (const h of s.heard) {
      if (h.hidden) {
        hidden.add(radioKey(h) + (h.bssid ?? ''));
        continue;
      }
      if (!h.ssid) continue;
      if (!school.has(h.ssid)) {
        unknown.add(h.ssid);
        continue;
      }
      if (h.security === 'open' || h.security === 'wep' || h.security === 'wpa' || h.tkip) {
        const id = `${h.ssid}\u0000${h.security}\u0000${h.tkip}`;
        const flag = weak.get(id) ?? { ssid: h.ssid, security: h.security, tkip: h.tkip, bssids: 0, keys: new Set() };
        flag.keys.add(h.bssid ?? radioKey(h));
        weak.set(id, flag);
      }
    }
  }
  const securityFlags = [...weak.values()]
    .map(({ keys, ...f }) => ({ ...f, bssids: keys.size }))
    .sort((a, b) => a.ssid.localeCompare(b.ssid) || a.security.localeCompare(b.security));

  const flags: string[] = [];
  if (teaching.some((r) => r.verdict === 'not_covered' || r.verdict === 'none')) flags.push('rooms_not_covered');
  if (teaching.some((r) => !r.has_5ghz)) flags.push('no_5ghz');
  if (securityFlags.length > 0) flags.push('weak_security');
  if (channelList.some((c) => c.school_radios > 0 && c.band_ghz >= 5 && c.max_heard_together >= 2))
    flags.push('co_channel_overlap');
  if (crowded.length > 0) flags.push('crowded_2_4ghz');

  return {
    school_ssids: ssids,
    school_ssids_source: source,
    rooms,
    teaching_rooms: teaching.length,
    teaching_rooms_covered_pct: teaching.length > 0 ? round1((100 * credit) / teaching.length) : null,
    five_ghz_rooms_pct:
      teaching.length > 0 ? round1((100 * teaching.filter((r) => r.has_5ghz).length) / teaching.length) : null,
    channels: channelList,
    crowded_2_4ghz_channels: crowded,
    security_flags: securityFlags,
    unknown_ssids: unknown.size,
    hidden_bssids: hidden.size,
    samples: samples.length,
    flags,
  };
}

/** The summary of a coverage picture that a school's record carries. */
export function summarizeCoverage(c: SchoolCoverage): CoverageSummary {
  return {
    rooms: c.rooms.length,
    teaching_rooms: c.teaching_rooms,
    teaching_rooms_covered_pct: c.teaching_rooms_covered_pct,
    five_ghz_rooms_pct: c.five_ghz_rooms_pct,
    samples: c.samples,
    school_ssids: c.school_ssids,
    flags: c.flags,
  };
}
