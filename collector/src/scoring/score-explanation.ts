import { classUploadMbps, schoolDownloadCurve } from './school-score.js';
import {
  COMPONENT_KEYS,
  DEFAULT_SCORING_CONFIG,
  type ComponentKey,
  type InternalChecksConfig,
  type Points,
  type ScoringConfig,
} from './score-config.js';

/**
 * What each score component is measured against and on whose authority:
 * the points of its curves with their units, and the sources
 * docs/methodology.md cites for them ("Sources" there lists the same ids
 * and citations; score-explanation.test.ts holds the two together). Pure
 * data for the API and the school page, which renders units and the
 * curves' names from its own lv/en catalogs by the codes below.
 */

/**
 * Unit of a threshold's value, as a code a page renders in its language:
 * `mbps_per_pupil` (Mbit/s per pupil), `mbps` (Mbit/s for the whole
 * school), `share` (a fraction 0-1, shown as a percentage), `ms`, `pct`
 * (a percentage 0-100), `count`.
 */
export type ThresholdUnit = 'mbps_per_pupil' | 'mbps' | 'share' | 'ms' | 'pct' | 'count';

/** One point of a curve: at `value` (in the curve's unit) the component scores `points`. */
export interface ThresholdPoint {
  value: number;
  /** 0-100. */
  points: number;
}

/**
 * A curve of a component: straight lines between its points, flat
 * outside (docs/methodology.md, "Components"). `id` names what its x is:
 * `per_pupil`, `school` (the size-dependent minimum of download), `class`
 * (one class's video upload), `share`, `p95`, `median`, `lost_sent`,
 * `rooms_covered`, or an internal-network check's key.
 */
export interface ThresholdCurve {
  id: string;
  unit: ThresholdUnit;
  points: ThresholdPoint[];
}

/** A source the method cites: a stable id, a short citation, and a link where one is stable. */
export interface ScoreSource {
  /** Stable id, as in docs/methodology.md's "Sources". */
  id: string;
  /** Short citation: issuer, number or title, year. */
  citation: string;
  /** A stable address of the source, when it has one. */
  url?: string;
}

/** One component's thresholds and sources. */
export interface ComponentExplanation {
  thresholds: ThresholdCurve[];
  sources: ScoreSource[];
}

/** The explanation of a score: the method version and every component's thresholds and sources. */
export interface ScoreExplanation {
  /** The scoring method's version (`skolnet-score-3`). */
  method: string;
  components: Record<ComponentKey, ComponentExplanation>;
}

/**
 * The sources docs/methodology.md cites for the score's thresholds, by
 * id. `judgement` stands for skolnet's own choices, which the method marks
 * as such. Links are given only where the address is the publisher's
 * stable one (ITU-T's recommendation pages, the FCC's document, a DOI).
 */
export const SCORE_SOURCES = {
  'fcc-14-99': {
    id: 'fcc-14-99',
    citation: 'FCC 14-99, E-rate Modernization Order (2014)',
    url: 'https://docs.fcc.gov/public/attachments/FCC-14-99A1.pdf',
  },
  'setda-2012': { id: 'setda-2012', citation: 'SETDA, The Broadband Imperative (2012)' },
  'itu-umc-2030': {
    id: 'itu-umc-2030',
    citation:
      "UN Secretary-General's Envoy on Technology and ITU, targets for universal and meaningful connectivity by 2030 (2022)",
  },
  'zoom-requirements': {
    id: 'zoom-requirements',
    citation: 'Zoom system requirements, bandwidth for group video calling',
  },
  'itu-t-y1540': {
    id: 'itu-t-y1540',
    citation: 'ITU-T Y.1540, IP packet transfer and availability performance parameters',
    url: 'https://www.itu.int/rec/T-REC-Y.1540',
  },
  'itu-t-y1541': {
    id: 'itu-t-y1541',
    citation: 'ITU-T Y.1541, Network performance objectives for IP-based services',
    url: 'https://www.itu.int/rec/T-REC-Y.1541',
  },
  'itu-t-g114': {
    id: 'itu-t-g114',
    citation: 'ITU-T G.114, One-way transmission time',
    url: 'https://www.itu.int/rec/T-REC-G.114',
  },
  'mathis-1997': {
    id: 'mathis-1997',
    citation:
      'Mathis, Semke, Mahdavi, Ott: The macroscopic behavior of the TCP congestion avoidance algorithm (ACM CCR, 1997)',
    url: 'https://doi.org/10.1145/263932.264023',
  },
  'video-jitter-guidance': {
    id: 'video-jitter-guidance',
    citation: 'Video-conferencing network guidance (Cisco QoS design; Zoom and Teams network guides)',
  },
  'wlan-design-guides': {
    id: 'wlan-design-guides',
    citation: "WLAN vendors' design guides (Cisco, Aruba): -67 dBm for voice and video",
  },
  judgement: { id: 'judgement', citation: 'skolnet judgement (docs/methodology.md)' },
} as const satisfies Record<string, ScoreSource>;

/** A source id of {@link SCORE_SOURCES}. */
export type ScoreSourceId = keyof typeof SCORE_SOURCES;

/**
 * Which sources each component rests on, in the order docs/methodology.md's
 * components table names them; every weight is judgement.
 */
export const COMPONENT_SOURCES: Readonly<Record<ComponentKey, readonly ScoreSourceId[]>> = {
  download: ['fcc-14-99', 'setda-2012', 'itu-umc-2030', 'zoom-requirements', 'judgement'],
  upload: ['zoom-requirements', 'judgement'],
  availability: ['itu-t-y1540', 'judgement'],
  latency: ['itu-t-g114', 'judgement'],
  jitter: ['video-jitter-guidance', 'judgement'],
  loss: ['itu-t-y1540', 'itu-t-y1541', 'mathis-1997', 'judgement'],
  wifi: ['wlan-design-guides', 'judgement'],
  internal: ['judgement'],
};

/** Units of the internal-network checks' x, as score-config.ts documents them. */
const CHECK_UNITS: Readonly<Record<keyof InternalChecksConfig, ThresholdUnit>> = {
  gigabit_switch_share: 'share',
  poe_switch_share: 'share',
  uplink_utilisation_p95_pct: 'pct',
  duplex_mismatches: 'count',
  ap_24ghz_only_share: 'share',
  radio_config_faults: 'count',
};

function curve(id: string, unit: ThresholdUnit, points: Points): ThresholdCurve {
  return { id, unit, points: points.map(([value, p]) => ({ value, points: p })) };
}

/**
 * The thresholds and sources of every component under `config`: the
 * curves are the config's own, so a scoring file that moves a point moves
 * it here too. The same for every school (the school curve and the class
 * upload are in Mbit/s for the whole school, whatever its size).
 */
export function explainScoring(config: ScoringConfig = DEFAULT_SCORING_CONFIG): ScoreExplanation {
  const c = config.components;
  const thresholds: Record<ComponentKey, ThresholdCurve[]> = {
    download: [
      curve('per_pupil', 'mbps_per_pupil', c.download.points),
      curve('school', 'mbps', schoolDownloadCurve(config)),
    ],
    upload: [
      curve('per_pupil', 'mbps_per_pupil', c.upload.points),
      // A class rate of 0 turns the size-dependent minimum off (uploadPoints).
      ...(classUploadMbps(config) > 0
        ? [
            curve('class', 'mbps', [
              [0, 0],
              [classUploadMbps(config), 100],
            ]),
          ]
        : []),
    ],
    availability: [curve('share', 'share', c.availability.points)],
    latency: [curve('p95', 'ms', c.latency.points)],
    jitter: [curve('median', 'ms', c.jitter.points)],
    loss: [curve('lost_sent', 'pct', c.loss.points)],
    wifi: [curve('rooms_covered', 'share', c.wifi.points)],
    internal: (Object.keys(CHECK_UNITS) as (keyof InternalChecksConfig)[]).map((k) =>
      curve(k, CHECK_UNITS[k], c.internal.checks[k]),
    ),
  };
  const components = Object.fromEntries(
    COMPONENT_KEYS.map((k) => [
      k,
      { thresholds: thresholds[k], sources: COMPONENT_SOURCES[k].map((id) => ({ ...SCORE_SOURCES[id] })) },
    ]),
  ) as Record<ComponentKey, ComponentExplanation>;
  return { method: config.version, components };
}
