import { Type, type Static, type TProperties } from '@sinclair/typebox';
import { DEFAULT_LESSON_HOURS, timetableMinutes, type SkolnetError } from '@skolnet/shared';
import { createConfigCheck, invalid } from '../config-check.js';

/**
 * The scoring method's every threshold and weight (docs/methodology.md).
 * Defaults live here with their sources; a JSON file (`--scoring FILE`)
 * overrides any part of them. Pure data, no I/O.
 */

/** Points (x → score 0-100) joined by straight lines, flat outside; x ascending. */
export type Points = readonly (readonly [number, number])[];

/** A weighted component with its curve. */
export interface ComponentConfig {
  /** Weight before renormalisation over the components that have data. */
  weight: number;
  /** The curve; the x unit is stated per component. */
  points: Points;
  /** Where the points and weight come from (shown in docs and API). */
  source: string;
}

/** Sub-checks of the internal-network component, each a curve over one SNMP fact. */
export interface InternalChecksConfig {
  /** Share of switches whose access ports run at 1 Gbit/s or more (0-1). */
  gigabit_switch_share: Points;
  /** Share of switches that give PoE to access points (0-1). */
  poe_switch_share: Points;
  /** 95th percentile of uplink utilisation in school hours, percent. */
  uplink_utilisation_p95_pct: Points;
  /** Ports running half duplex against a full-duplex peer (count). */
  duplex_mismatches: Points;
  /** Share of access points that radiate 2.4 GHz only (0-1). */
  ap_24ghz_only_share: Points;
  /** 1 when the SSIDs are offered on 2.4 GHz only or neighbouring APs overlap channels, else 0. */
  radio_config_faults: Points;
}

/** A hard cap on the total. */
export interface CapConfig {
  /** The total may not exceed this, whatever the other components say. */
  cap: number;
  source: string;
}

/** The complete scoring configuration. */
export interface ScoringConfig {
  /** Identifies the method version in API output. */
  version: string;
  /** Results older than this many days do not count. */
  window_days: number;
  /** IANA time zone in which school days and lesson hours are counted. */
  time_zone: string;
  /** When lessons take place. */
  school_hours: {
    /** ISO weekdays (1 = Monday … 7 = Sunday). */
    days: number[];
    /** First lesson hour, local time, 0-23. */
    start_hour: number;
    /** End of the last lesson hour, local time, 1-24 (exclusive). */
    end_hour: number;
  };
  /** Below any of these a school gets "insufficient data" instead of a number. */
  minimum_data: { throughput_results: number; school_days: number; lesson_hours: number };
  /** What data earns which confidence level. */
  confidence: {
    high: { school_days: number; lesson_hours: number };
    medium: { school_days: number; lesson_hours: number };
  };
  components: {
    /** x: Mbit/s per pupil (median download / pupils). */
    download: ComponentConfig & {
      /** Floor for the school as a whole, Mbit/s: the download score there is at most `below_minimum_cap`. */
      school_minimum_mbps: number;
      /** Download score at the school floor; below it the score falls linearly to 0 at 0 Mbit/s. */
      below_minimum_cap: number;
      /** Pupils of one class streaming video at once: the size-dependent minimum is their rate. */
      class_pupils: number;
      /** Video rate one pupil receives, Mbit/s; times `class_pupils` it is the rate that earns 100. */
      class_video_mbps_per_pupil: number;
    };
    /** x: Mbit/s per pupil (median upload / pupils). */
    upload: ComponentConfig & {
      /**
       * Video rate one pupil sends in a group call, Mbit/s; times
       * `download.class_pupils` it is the upload that earns 100 whatever the
       * school's size (0 turns the size-dependent minimum off).
       */
      class_upload_mbps_per_pupil: number;
    };
    /**
     * x: share (0-1) of latency probe runs to the collector in lesson hours that were
     * available: loss at most `probe_max_loss_pct`.
     */
    availability: ComponentConfig & { min_samples: number; probe_max_loss_pct: number };
    /** x: 95th percentile of the round-trip time to the collector, ms. */
    latency: ComponentConfig;
    /** x: median jitter to the collector, ms. */
    jitter: ComponentConfig;
    /** x: packet loss to the collector over every ping in lesson hours (lost / sent), percent. */
    loss: ComponentConfig;
    /** x: share (0-1) of teaching rooms with Wi-Fi coverage (-67 dBm or better; -67..-75 counts half). */
    wifi: ComponentConfig;
    /** Mean of the internal-network checks that have data. */
    internal: Omit<ComponentConfig, 'points'> & { checks: InternalChecksConfig };
  };
  caps: {
    /** No usable line: download below `below_mbps` or availability below `availability_below`. */
    no_line: CapConfig & { below_mbps: number; availability_below: number };
    /** Almost no Wi-Fi: coverage share below `share_below`. */
    no_wifi: CapConfig & { share_below: number };
    /**
     * A line that cannot carry one class's video: the total is at most
     * `interpolate(points, download / class video rate)`, a continuous ramp.
     */
    class_video: { points: Points; source: string };
  };
  /** Band limits on the total. */
  bands: { good: number; moderate: number };
}

/** Names of the weighted components, in display order. */
export const COMPONENT_KEYS = [
  'download',
  'upload',
  'availability',
  'latency',
  'jitter',
  'loss',
  'wifi',
  'internal',
] as const;
/** A weighted component's name. */
export type ComponentKey = (typeof COMPONENT_KEYS)[number];

/** The default method; docs/methodology.md explains every number. */
export const DEFAULT_SCORING_CONFIG: ScoringConfig = {
  version: 'skolnet-score-3',
  // One school week plus a weekend: smooths one bad day, shows an upgrade within a week.
  window_days: 7,
  time_zone: DEFAULT_LESSON_HOURS.timezone,
  // The agent's default too (DEFAULT_LESSON_HOURS of @skolnet/shared): Monday-Friday 08:00-16:00.
  school_hours: {
    days: [...DEFAULT_LESSON_HOURS.days],
    start_hour: timetableMinutes(DEFAULT_LESSON_HOURS.start) / 60,
    end_hour: timetableMinutes(DEFAULT_LESSON_HOURS.end) / 60,
  },
  // One throughput result is enough for a first number (`npm start` promises a score within two
  // minutes); the confidence then says "low". A national ranking should raise school_days.
  minimum_data: { throughput_results: 1, school_days: 0, lesson_hours: 0 },
  confidence: {
    // Four of five school days and half the lesson hours of a week (judgement).
    high: { school_days: 4, lesson_hours: 20 },
    medium: { school_days: 2, lesson_hours: 6 },
  },
  components: {
    download: {
      weight: 0.3,
      points: [
        [0, 0],
        [0.1, 40],
        [1, 100],
      ],
      school_minimum_mbps: 20,
      below_minimum_cap: 40,
      class_pupils: 30,
      class_video_mbps_per_pupil: 1,
      source:
        'Median of throughput runs in lesson hours (any hour only when none ran in lessons). Per pupil: FCC 14-99 E-rate Modernization Order (2014): 100 kbit/s per student short-term (→ 40), 1 Mbit/s per student long-term (→ 100), also SETDA "The Broadband Imperative" (2012). Size-dependent minimum, the score is also at most a school curve 0 → 0, 20 Mbit/s → 40, 30 Mbit/s → 100: school floor 20 Mbit/s from the UN Secretary-General\'s Envoy on Technology and ITU 2030 targets for universal and meaningful connectivity (used by ITU/UNICEF Giga); 30 Mbit/s = one class of 30 pupils (judgement: a full class) each receiving 1 Mbit/s, Zoom\'s bandwidth for high-quality group video (Zoom system requirements, group video calling: 1.0 Mbit/s down). Weight: judgement, the largest because it is what schools lack most.',
    },
    upload: {
      weight: 0.1,
      points: [
        [0, 0],
        [0.025, 40],
        [0.25, 100],
      ],
      class_upload_mbps_per_pupil: 0.8,
      source:
        "Median of throughput runs in lesson hours, as download. Per pupil: judgement, a quarter of the download targets (typical asymmetric lines are 4:1 to 10:1; pupils mostly send video and uploads, not bulk data). Size-dependent minimum, the score is also at most a line 0 → 0, 24 Mbit/s → 100: one class of 30 pupils (as for download) each sending 0.8 Mbit/s, Zoom's upload for high-quality group video (Zoom system requirements, group video calling: 800 kbit/s up, 1.0 Mbit/s down for high-quality video; the download's 1.0 Mbit/s a pupil is the same line's other half).",
    },
    availability: {
      weight: 0.1,
      points: [
        [0.9, 0],
        [0.99, 60],
        [0.999, 100],
      ],
      min_samples: 12,
      probe_max_loss_pct: 75,
      source:
        'Share of latency probe runs in lesson hours that were available. A run counts as available when at most 75% of its pings were lost: ITU-T Y.1540 (IP service availability) counts a period as unavailable when its packet loss ratio exceeds c1 = 0.75, over periods of Tav = 5 minutes, the probe interval here. Curve: judgement anchored on business broadband SLAs (99.5-99.9%): 99% in lesson hours is about 24 minutes lost per 40-hour week. Needs at least 12 probes (one hour at the 5-minute default).',
    },
    latency: {
      weight: 0.1,
      points: [
        [20, 100],
        [300, 0],
      ],
      source:
        'ITU-T G.114: one-way delay under 150 ms for interactive use, so 300 ms round trip → 0; 20 ms is a good national fixed-line round trip (judgement). The 95th percentile, because video lessons fail on the bad minutes, not the average.',
    },
    jitter: {
      weight: 0.05,
      points: [
        [5, 100],
        [30, 50],
        [60, 0],
      ],
      source:
        'Video-conferencing guidance (e.g. Cisco QoS design: jitter ≤ 30 ms for interactive video; Zoom and Teams network guides similar) → 50 at 30 ms; 60 ms breaks audio de-jitter buffers (judgement).',
    },
    loss: {
      weight: 0.1,
      points: [
        [0, 100],
        [1, 50],
        [5, 0],
      ],
      source:
        'Lost / sent over every ping to the collector in lesson hours (any hour only when no probe ran in lessons), so loss in a few probes counts, as IP packet loss ratio is defined in ITU-T Y.1540. ITU-T Y.1541: 0.1% objective for interactive classes; TCP rate ∝ 1/√loss (Mathis et al., 1997), so at 1% a flow gets a third of what 0.1% allows → 50; 5% breaks calls → 0 (judgement anchored by those sources).',
    },
    wifi: {
      weight: 0.15,
      points: [
        [0, 0],
        [0.5, 25],
        [0.9, 80],
        [1, 100],
      ],
      source:
        '-67 dBm per room: the usual design target for voice/video-grade Wi-Fi (Cisco and Aruba design guides); the curve is judgement: half the rooms covered is poor (25), 90% is good (80).',
    },
    internal: {
      weight: 0.1,
      checks: {
        gigabit_switch_share: [
          [0, 0],
          [1, 100],
        ],
        poe_switch_share: [
          [0, 50],
          [1, 100],
        ],
        uplink_utilisation_p95_pct: [
          [50, 100],
          [80, 50],
          [95, 0],
        ],
        duplex_mismatches: [
          [0, 100],
          [1, 40],
          [3, 0],
        ],
        ap_24ghz_only_share: [
          [0, 100],
          [1, 20],
        ],
        radio_config_faults: [
          [0, 100],
          [1, 60],
        ],
      },
      source:
        'Judgement from SNMP facts: 100 Mbit/s switch ports cap a Wi-Fi 5/6 AP below its radio rate; a duplex mismatch causes late collisions and loss; an uplink busy above 80% at p95 queues lessons. Equal weights among the checks that have data.',
    },
  },
  caps: {
    no_line: {
      cap: 20,
      below_mbps: 2,
      availability_below: 0.5,
      source:
        'Judgement: without a usable line (under 2 Mbit/s, or down half the school hours) a school is a priority whatever else it has. Down half the lesson hours: at most 20. Under 2 Mbit/s: at most a straight line from 20 at 0 Mbit/s to where the class-video ramp stands at 2 Mbit/s (24 by default), so the total passes 2 Mbit/s without a jump.',
    },
    no_wifi: {
      cap: 45,
      share_below: 0.2,
      source:
        "Judgement: with Wi-Fi in fewer than a fifth of the teaching rooms, pupils' devices cannot use the line.",
    },
    class_video: {
      // x: measured download / (class_pupils × class_video_mbps_per_pupil); cap on the total.
      points: [
        [0, 20],
        [1, 80],
        [1.25, 100],
      ],
      source:
        'A school whose line cannot carry one class streaming video (download under class_pupils × class_video_mbps_per_pupil, 30 Mbit/s by default) is not "good", whatever its size: the total is capped by a continuous ramp from 20 at 0 Mbit/s (the no-line cap) to 80 (the good band) at that rate, and lifted to 100 at a quarter above it, so no single Mbit/s moves the total by a band (judgement).',
    },
  },
  bands: { good: 80, moderate: 50 },
};

/** A curve: `[x, score]` pairs, at least one; x ascending is checked after the schema. */
const PointsSchema = Type.Array(Type.Tuple([Type.Number(), Type.Number({ minimum: 0, maximum: 100 })]), {
  minItems: 1,
});
/** Any count a threshold takes (results, school days, lesson hours, samples). */
const Count = Type.Number({ minimum: 0 });
const Weight = Type.Number({ minimum: 0, maximum: 100 });
const Score = Type.Number({ minimum: 0, maximum: 100 });
const strict = { additionalProperties: false } as const;
const component = <P extends TProperties>(extra: P) =>
  Type.Object({ weight: Weight, points: PointsSchema, source: Type.String(), ...extra }, strict);
const Days = Type.Object({ school_days: Count, lesson_hours: Count }, strict);

/**
 * The shape and ranges of a {@link ScoringConfig}, checked after a file's
 * overrides are merged onto the defaults. What one key's range depends on
 * another's (end_hour after start_hour, bands.good above bands.moderate,
 * ascending curves, a valid time zone) {@link validateScoringConfig} checks
 * after it.
 */
export const ScoringConfigSchema = Type.Object(
  {
    version: Type.String({ minLength: 1 }),
    window_days: Type.Number({ minimum: 1, maximum: 366 }),
    time_zone: Type.String({ expected: 'an IANA time zone such as Europe/Riga' }),
    school_hours: Type.Object(
      {
        days: Type.Array(Type.Integer({ minimum: 1, maximum: 7, expected: 'an ISO weekday 1-7' })),
        start_hour: Type.Number({ minimum: 0, maximum: 23 }),
        end_hour: Type.Number({ minimum: 1, maximum: 24 }),
      },
      strict,
    ),
    minimum_data: Type.Object(
      {
        throughput_results: Type.Number({ minimum: 0, maximum: 10_000 }),
        school_days: Type.Number({ minimum: 0, maximum: 10_000 }),
        lesson_hours: Type.Number({ minimum: 0, maximum: 10_000 }),
      },
      strict,
    ),
    confidence: Type.Object({ high: Days, medium: Days }, strict),
    components: Type.Object(
      {
        download: component({
          school_minimum_mbps: Type.Number({ minimum: 0, maximum: 1e6 }),
          below_minimum_cap: Score,
          class_pupils: Type.Number({ minimum: 1, maximum: 1000 }),
          class_video_mbps_per_pupil: Type.Number({ minimum: 0, maximum: 1000 }),
        }),
        upload: component({ class_upload_mbps_per_pupil: Type.Number({ minimum: 0, maximum: 1000 }) }),
        availability: component({
          min_samples: Count,
          probe_max_loss_pct: Type.Number({ minimum: 0, maximum: 100 }),
        }),
        latency: component({}),
        jitter: component({}),
        loss: component({}),
        wifi: component({}),
        internal: Type.Object(
          {
            weight: Weight,
            source: Type.String(),
            checks: Type.Object(
              {
                gigabit_switch_share: PointsSchema,
                poe_switch_share: PointsSchema,
                uplink_utilisation_p95_pct: PointsSchema,
                duplex_mismatches: PointsSchema,
                ap_24ghz_only_share: PointsSchema,
                radio_config_faults: PointsSchema,
              },
              strict,
            ),
          },
          strict,
        ),
      },
      strict,
    ),
    caps: Type.Object(
      {
        no_line: Type.Object(
          {
            cap: Score,
            source: Type.String(),
            below_mbps: Count,
            availability_below: Type.Number({ minimum: 0, maximum: 1 }),
          },
          strict,
        ),
        no_wifi: Type.Object(
          { cap: Score, source: Type.String(), share_below: Type.Number({ minimum: 0, maximum: 1 }) },
          strict,
        ),
        class_video: Type.Object({ points: PointsSchema, source: Type.String() }, strict),
      },
      strict,
    ),
    bands: Type.Object({ good: Score, moderate: Score }, strict),
  },
  strict,
);

// The schema's type is the interface's: a key the interface gains and the
// schema lacks fails here, and the defaults passing the schema (a test)
// shows the schema has no key the interface lacks.
const _schemaMatchesInterface = (v: Static<typeof ScoringConfigSchema>): ScoringConfig => v;

const checkShape = createConfigCheck(ScoringConfigSchema, 'scoring config');

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `over` merged onto `base`: mappings key by key, anything else replaced whole. */
function merge(base: unknown, over: unknown): unknown {
  if (!isObject(base) || !isObject(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = merge(base[k], v);
  return out;
}

/**
 * Merges `override` (parsed JSON) onto `base` and checks the result with
 * {@link ScoringConfigSchema} and {@link validateScoringConfig}: unknown
 * keys, wrong types, values out of range and bad curves throw
 * `SKOLNET_CONFIG_INVALID` naming the key, what it takes and what it got.
 */
export function parseScoringConfig(
  override: unknown,
  base: ScoringConfig = DEFAULT_SCORING_CONFIG,
): ScoringConfig {
  if (!isObject(override)) throw invalid('scoring config', '(root)', 'an object', override);
  const merged = merge(base, override) as ScoringConfig;
  validateScoringConfig(merged);
  return merged;
}

function configError(key: string, expected: string, got: unknown): SkolnetError {
  return invalid('scoring config', key, expected, got);
}

/** Curves climb in x: each point's x above the one before. */
function checkAscending(points: Points, key: string): void {
  points.forEach(([x], i) => {
    if (i > 0 && x <= points[i - 1]![0]) {
      throw configError(`${key}[${i}]`, 'x strictly above the previous point', points[i]);
    }
  });
}

/**
 * Throws `SKOLNET_CONFIG_INVALID` naming the first key that breaks
 * {@link ScoringConfigSchema} or a rule between keys.
 */
export function validateScoringConfig(config: ScoringConfig): void {
  checkShape(config);
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: config.time_zone });
  } catch {
    throw configError('time_zone', 'an IANA time zone such as Europe/Riga', config.time_zone);
  }
  const { start_hour: start, end_hour: end } = config.school_hours;
  if (!(end > start)) throw configError('school_hours.end_hour', `a number from ${start + 1} to 24`, end);
  let totalWeight = 0;
  for (const key of COMPONENT_KEYS) {
    const c = config.components[key];
    totalWeight += c.weight;
    if ('points' in c) checkAscending(c.points, `components.${key}.points`);
  }
  if (totalWeight <= 0) throw configError('components.*.weight', 'weights with a positive sum', totalWeight);
  for (const [k, v] of Object.entries(config.components.internal.checks)) {
    checkAscending(v as Points, `components.internal.checks.${k}`);
  }
  // The school curve climbs from the floor to the class's video rate: it must lie above the floor.
  const classRate =
    config.components.download.class_pupils * config.components.download.class_video_mbps_per_pupil;
  if (!(classRate > config.components.download.school_minimum_mbps)) {
    throw configError(
      'components.download.class_video_mbps_per_pupil',
      `class_pupils × class_video_mbps_per_pupil above school_minimum_mbps (${config.components.download.school_minimum_mbps})`,
      config.components.download.class_video_mbps_per_pupil,
    );
  }
  checkAscending(config.caps.class_video.points, 'caps.class_video.points');
  const { good, moderate } = config.bands;
  if (!(good >= moderate)) throw configError('bands.good', `a number from ${moderate} to 100`, good);
}

/** A copy of `config` with one component's weight multiplied by `factor` (for the sensitivity report). */
export function withWeightFactor(config: ScoringConfig, key: ComponentKey, factor: number): ScoringConfig {
  const components = {
    ...config.components,
    [key]: { ...config.components[key], weight: config.components[key].weight * factor },
  };
  return { ...config, components };
}
