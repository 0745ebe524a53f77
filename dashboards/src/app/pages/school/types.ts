import type { PlanMessage, SchoolListItem } from '../../api/types.js';

/** A score component as `GET /api/v1/schools/:id` gives it: the score, weight, samples and its figures. */
export type ScoreComponentView = { score: number; weight: number; samples: number } & Record<
  string,
  number | boolean | string | null
>;

/** `GET /api/v1/schools/:id` (collector/src/services/school-service.ts `SchoolDetail`). */
export interface SchoolDetailView extends Omit<SchoolListItem, 'confidence'> {
  created_at: string;
  registration_number: string | null;
  address: string | null;
  retired_at: string | null;
  components: Record<string, ScoreComponentView | null>;
  confidence: { level: string; school_days?: number; lesson_hours?: number } & Record<string, unknown>;
  caps_applied: string[];
  /** Each component's thresholds and sources (collector/src/scoring/score-explanation.ts). */
  explanation?: ScoreExplanationView;
  synthetic?: boolean;
  connected_agents: number;
  flagged_agents: number;
}

/** A curve of a component: at `value` (in `unit`) it scores `points`, straight lines between. */
export interface ThresholdCurveView {
  id: string;
  unit: 'mbps_per_pupil' | 'mbps' | 'share' | 'ms' | 'pct' | 'count';
  points: { value: number; points: number }[];
}

/** A source the method cites (docs/methodology.md, "Sources"). */
export interface ScoreSourceView {
  id: string;
  citation: string;
  url?: string;
}

/** `explanation` of `GET /api/v1/schools/:id`. */
export interface ScoreExplanationView {
  method: string;
  components: Record<string, { thresholds: ThresholdCurveView[]; sources: ScoreSourceView[] } | undefined>;
}

/** `GET /api/v1/schools/:id/history`. */
export interface HistoryView {
  since: string;
  until: string;
  points: {
    hour: string;
    download_mbps: number | null;
    upload_mbps: number | null;
    rtt_ms: number | null;
    loss_pct: number | null;
  }[];
}

/** `GET /api/v1/schools/:id/inventory`. */
export interface InventoryView {
  devices: { host: string; at: string; fields: Record<string, unknown> }[];
  neighbours: {
    host: string;
    local_port: string;
    remote: string;
    at: string;
    fields: Record<string, unknown>;
  }[];
}

/** `GET /api/v1/schools/:id/coverage` (the rooms part). */
export interface CoverageView {
  rooms: {
    room: string;
    teaching: boolean;
    samples: number;
    best_rssi_dbm: number | null;
    has_5ghz: boolean;
    verdict: string;
    last_at: string;
  }[];
}

/** An agent as `GET /api/v1/schools/:id/agents` lists it. */
export interface AgentView {
  id: string;
  hostname: string;
  display_name: string | null;
  role: string;
  status: 'revoked' | 'connected' | 'offline' | 'never_seen';
  last_seen_at: string | null;
  agent_version: string;
  outbox: { depth: number; reported_at: string } | null;
  last_error: string | null;
  duplicate_hardware: boolean;
  /** Connected without the `campaign` capability: too old to schedule an acceptance campaign's tests. */
  campaign_unsupported: boolean;
  flags: string[];
}

/** `GET /api/v1/plan/schools/:id`; the English `why`, `buys`, `next_euro` and `label` are for API readers. */
export interface PlanExplanationView {
  option_id: string | null;
  why: string;
  buys: string;
  next_euro: string;
  why_message: PlanMessage;
  buys_message: PlanMessage;
  next_euro_message: PlanMessage | null;
  buys_label_parts?: PlanMessage[];
  options: {
    id: string;
    label: string;
    label_parts: PlanMessage[];
    cost_eur: number;
    score_before: number;
    score_after: number;
    benefit: number;
  }[];
}
