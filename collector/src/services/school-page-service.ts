import type { Result } from '@skolnet/shared';
import { LATENCY_MEASUREMENT, LATENCY_TARGET, THROUGHPUT_MEASUREMENT } from '../scoring/school-score.js';
import type { HourlyRollup, ResultStore, RollupStore } from '../storage/store.js';

/** One hour of a school's history; null where nothing was measured that hour. */
export interface HistoryPoint {
  /** Start of the hour, RFC 3339 UTC. */
  hour: string;
  download_mbps: number | null;
  upload_mbps: number | null;
  /** Round trip to the collector (the scoring's latency target), ms. */
  rtt_ms: number | null;
  loss_pct: number | null;
}

/** `GET /api/v1/schools/:id/history`. */
export interface SchoolHistory {
  since: string;
  until: string;
  /** Hours with at least one figure, oldest first. */
  points: HistoryPoint[];
}

/** A device the school's SNMP sweep found, as its latest `snmp_device` result describes it. */
export interface InventoryDevice {
  host: string;
  at: string;
  fields: Result['fields'];
}

/** An LLDP neighbour a device reported (`snmp_neighbor`). */
export interface InventoryNeighbour {
  host: string;
  local_port: string;
  remote: string;
  at: string;
  fields: Result['fields'];
}

/** `GET /api/v1/schools/:id/inventory`: the newest view of each device and neighbour. */
export interface SchoolInventory {
  since: string;
  devices: InventoryDevice[];
  neighbours: InventoryNeighbour[];
}

/** Longest history a request may ask for, days: the rollups' usual retention horizon. */
export const MAX_HISTORY_DAYS = 90;
/** How far back the inventory looks for a device's last answer, days. */
export const INVENTORY_WINDOW_DAYS = 30;
const DAY_MS = 86_400_000;

/** The school page's reads beyond the school record: history charts and the network inventory. */
export interface SchoolPageService {
  /** Hourly download, upload, latency and loss of the last `days` days, from the hourly rollups. */
  history(schoolId: string, days: number): Promise<SchoolHistory>;
  /** The newest answer of each SNMP device and LLDP neighbour in the last 30 days. */
  inventory(schoolId: string): Promise<SchoolInventory>;
}

/** Count-weighted mean of the rollup rows of one hour and field: several targets or outcomes share an hour. */
function weightedMean(rows: readonly HourlyRollup[]): number | null {
  const count = rows.reduce((n, r) => n + Number(r.count), 0);
  if (count === 0) return null;
  return rows.reduce((sum, r) => sum + Number(r.mean) * Number(r.count), 0) / count;
}

/** Creates the school page service over the store. */
export function createSchoolPageService(options: {
  store: ResultStore & RollupStore;
  now: () => Date;
}): SchoolPageService {
  const { store } = options;
  return {
    async history(schoolId, days) {
      const until = options.now();
      const since = new Date(until.getTime() - days * DAY_MS);
      const rollups = await store.hourlyRollups({
        schoolId,
        since,
        until,
        measurements: [THROUGHPUT_MEASUREMENT, LATENCY_MEASUREMENT],
      });
      const byHour = new Map<string, HourlyRollup[]>();
      for (const r of rollups) {
        // Latency counts to the collector only, as the score does; failed probes have no figures.
        if (r.measurement === LATENCY_MEASUREMENT && r.target !== LATENCY_TARGET) continue;
        byHour.set(r.hour, [...(byHour.get(r.hour) ?? []), r]);
      }
      const pick = (rows: HourlyRollup[], measurement: string, field: string): number | null =>
        weightedMean(rows.filter((r) => r.measurement === measurement && r.field === field));
      const points = [...byHour.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([hour, rows]) => ({
          hour,
          download_mbps: pick(rows, THROUGHPUT_MEASUREMENT, 'download_mbps'),
          upload_mbps: pick(rows, THROUGHPUT_MEASUREMENT, 'upload_mbps'),
          rtt_ms: pick(rows, LATENCY_MEASUREMENT, 'rtt_avg_ms'),
          loss_pct: pick(rows, LATENCY_MEASUREMENT, 'loss_pct'),
        }))
        .filter((p) => [p.download_mbps, p.upload_mbps, p.rtt_ms, p.loss_pct].some((v) => v !== null));
      return { since: since.toISOString(), until: until.toISOString(), points };
    },

    async inventory(schoolId) {
      const since = new Date(options.now().getTime() - INVENTORY_WINDOW_DAYS * DAY_MS);
      const results = await store.resultsForScoring(schoolId, since, ['snmp_device', 'snmp_neighbor']);
      // Oldest first from the store: a later answer replaces an earlier one of the same key.
      const devices = new Map<string, InventoryDevice>();
      const neighbours = new Map<string, InventoryNeighbour>();
      for (const r of results) {
        const host = r.tags['host'] ?? '';
        if (r.measurement === 'snmp_device') devices.set(host, { host, at: r.at, fields: r.fields });
        else {
          const localPort = r.tags['local_port'] ?? '';
          const remote = r.tags['remote'] ?? '';
          neighbours.set(`${host}\u0000${localPort}\u0000${remote}`, {
            host,
            local_port: localPort,
            remote,
            at: r.at,
            fields: r.fields,
          });
        }
      }
      return {
        since: since.toISOString(),
        devices: [...devices.values()].sort((a, b) => a.host.localeCompare(b.host)),
        neighbours: [...neighbours.values()].sort(
          (a, b) => a.host.localeCompare(b.host) || a.local_port.localeCompare(b.local_port),
        ),
      };
    },
  };
}
