/**
 * The acceptance API's answers as the vendor pages read them
 * (collector/src/routes/contracts-plugin.ts; docs/acceptance.md).
 */

/** What a criterion or a campaign says. */
export type Status =
  'pass' | 'fail' | 'inconclusive' | 'not_assessed' | 'not_possible' | 'running' | 'cancelled';

/** One criterion of a verdict. */
export interface Criterion {
  criterion:
    'download' | 'upload' | 'latency' | 'loss' | 'availability' | 'wifi_rooms' | 'uplink_utilisation';
  status: Status;
  tests: number;
  passing: number;
  /** Share in percent (loss: mean loss in percent); null without tests. */
  measured: number | null;
  required: number;
  /** Mbit/s for speed, ms for latency. */
  bound: number | null;
  school_limited: number;
}

/** A campaign's verdict. */
export interface Verdict {
  status: 'pass' | 'fail' | 'inconclusive';
  criteria: Criterion[];
  failed: string[];
  not_run: { by_reason: Record<string, number>; total: number };
  school_limited: boolean;
}

/** An acceptance campaign. */
export interface Campaign {
  id: string;
  contract_id: string;
  school_id: string;
  retest_of: string | null;
  status: Status;
  school_days: number;
  extensions: number;
  started_at: string;
  ends_at: string;
  finished_at: string | null;
}

/** A contract with its campaigns. */
export interface Contract {
  id: string;
  school_id: string;
  vendor: string;
  kind: 'internet_line' | 'internal_network';
  reference: string | null;
  download_max_mbps: number;
  upload_max_mbps: number;
  status: 'open' | 'completed' | 'accepted' | 'rejected';
  completion_date: string;
  warnings: { code: string; message: { lv: string; en: string } }[];
  campaigns: Campaign[];
}

/** `GET /api/v1/campaigns/:id`. */
export interface Progress {
  campaign: Campaign;
  tests: { download: number; upload: number; latency: number };
  school_days_done: number;
  school_days_left: number;
  verdict: Verdict;
  /** The school's connected agents too old to schedule the campaign's tests (no `campaign` capability). */
  agents_without_campaign: string[];
}
