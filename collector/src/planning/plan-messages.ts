/**
 * The plan's words as codes with parameters, beside the English text the
 * API, the CSV and the CLI keep giving: a page renders a code from its own
 * lv and en catalogs, so a Latvian page shows no English sentence. Codes
 * are stable (a page branches on them); parameters are plain numbers,
 * strings and booleans, never preformatted text, so each language formats
 * its own numbers, euros and dates. docs/methodology.md ("What the plan
 * shows") lists them.
 */

/** A stable message code with its parameters. */
export interface PlanMessage {
  code: PlanMessageCode;
  params: Readonly<Record<string, string | number | boolean>>;
}

/**
 * Every code the plan gives.
 *
 * Option label parts (`label_parts` of an option, one per change):
 * `config_ssid_5ghz`, `config_channel_plan`, `config_duplex` {count},
 * `line_tier` {tier, down_mbps, up_mbps, operator_to_confirm},
 * `new_fibre` {distance_m, down_mbps, up_mbps}, `new_line` {tier,
 * down_mbps, up_mbps}, `access_points` {new_aps, uncovered_rooms,
 * replaced_aps}, `switches` {count}, `outage_repair` {available_share},
 * `failover` {tier}, `ups`.
 *
 * Why a school gets what it gets (`why_message`): `free` {option_id},
 * `funded_above_cutoff` and `funded_below_cutoff` {option_id,
 * benefit_per_eur, cutoff}, `not_funded` {option_id, cutoff, and
 * benefit_per_eur unless the step is free}, `no_improvement`.
 *
 * What it buys (`buys_message`): `buys` {option_id, floor_before,
 * floor_after, target_before, target_after, score_before, score_after,
 * pupils, benefit, cost_eur, lifetime_cost_eur, owner_capex_eur,
 * opex_eur_per_year, renewals_pv_eur, residual_value_pv_eur,
 * lead_months}, `buys_nothing`.
 *
 * The next euro (`next_euro_message`): `next_option` {option_id,
 * cost_eur, score_after, benefit, benefit_per_eur, cutoff},
 * `next_nothing` {cutoff}.
 *
 * Why a school outside the optimiser's choice is where it is (`why_message`
 * of a plan row, and of the explanation of such a school):
 * `survey_line_unknown` {survey_funded}, `survey_evidence` {days,
 * min_days, survey_funded}, `at_target`, `owner_remedy`, `no_data`,
 * `no_fundable_option`; what it buys then: `survey` {cost_eur} (with the
 * provisional option in `buys_label_parts`), `owner_action` {capex_eur,
 * opex_eur_per_year} (the owner's action in `buys_label_parts`).
 *
 * The delivery check (`delivery_message` of the summary):
 * `delivery_not_checked`, `delivery_past` and `delivery_ready_by`
 * {completion_date, buffer_months, ready_by, today}.
 */
export const PLAN_MESSAGE_CODES = [
  'config_ssid_5ghz',
  'config_channel_plan',
  'config_duplex',
  'line_tier',
  'new_fibre',
  'new_line',
  'access_points',
  'switches',
  'outage_repair',
  'failover',
  'ups',
  'free',
  'funded_above_cutoff',
  'funded_below_cutoff',
  'not_funded',
  'no_improvement',
  'buys',
  'buys_nothing',
  'next_option',
  'next_nothing',
  'survey_line_unknown',
  'survey_evidence',
  'at_target',
  'owner_remedy',
  'no_data',
  'no_fundable_option',
  'survey',
  'owner_action',
  'delivery_not_checked',
  'delivery_past',
  'delivery_ready_by',
] as const;
/** One of {@link PLAN_MESSAGE_CODES}. */
export type PlanMessageCode = (typeof PLAN_MESSAGE_CODES)[number];

/** A {@link PlanMessage}; parameters left out are none. */
export function planMessage(code: PlanMessageCode, params: PlanMessage['params'] = {}): PlanMessage {
  return { code, params };
}
