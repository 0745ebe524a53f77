import type { PlanMessage } from '../../api/types.js';
import { useLang, useMessages, type Formatters, type Translate } from '../../i18n/i18n.js';
import en from './messages.en.js';
import lv from './messages.lv.js';

type T = Translate<typeof lv>;

/** An option a message may name by id, with its label as codes. */
export interface NamedOption {
  id: string;
  label_parts: readonly PlanMessage[];
}

/** Renders the plan's codes (collector/src/planning/plan-messages.ts) in the page's language. */
export interface PlanText {
  /** An option's label from its parts, joined as the API's English label is. */
  label(parts: readonly PlanMessage[]): string;
  /**
   * A why, buys, next-euro or delivery message. `options` are those it may
   * name by `option_id`; `labelParts` the label of what it names otherwise
   * (a survey's provisional option, the owner's action).
   */
  message(m: PlanMessage, options?: readonly NamedOption[], labelParts?: readonly PlanMessage[]): string;
}

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
const str = (v: unknown): string => (typeof v === 'string' ? v : String(v));

/** Catalog key of a code; a code this page does not know yet falls back to `m_unknown`. */
function key(code: string): keyof typeof lv {
  const k = `m_${code}`;
  return (k in lv ? k : 'm_unknown') as keyof typeof lv;
}

/** The pure renderer behind {@link usePlanText}, for a translate function and formatters. */
export function planText(t: T, fmt: Formatters): PlanText {
  const yesNo = (v: unknown): string => (v === true ? t('yes') : t('no'));
  const ratio = (v: unknown): string => fmt.number(num(v), 4);
  const part = (m: PlanMessage): string => {
    const p = m.params;
    switch (m.code) {
      case 'config_duplex':
      case 'switches':
        return t(key(m.code), { count: num(p['count']) });
      case 'line_tier':
        return (
          t('m_line_tier', { tier: str(p['tier']), down: num(p['down_mbps']), up: num(p['up_mbps']) }) +
          (p['operator_to_confirm'] === true ? t('m_operator_confirm') : '')
        );
      case 'new_fibre':
        return t('m_new_fibre', {
          distance: fmt.number(num(p['distance_m'])),
          down: num(p['down_mbps']),
          up: num(p['up_mbps']),
        });
      case 'new_line':
        return t('m_new_line', { tier: str(p['tier']), down: num(p['down_mbps']), up: num(p['up_mbps']) });
      case 'access_points':
        return (
          t('m_access_points', { aps: num(p['new_aps']), rooms: num(p['uncovered_rooms']) }) +
          (num(p['replaced_aps']) > 0
            ? t('m_access_points_replaced', { replaced: num(p['replaced_aps']) })
            : '')
        );
      case 'outage_repair':
        return t('m_outage_repair', { available: fmt.percent(num(p['available_share']), 1) });
      case 'failover':
        return t('m_failover', { tier: str(p['tier']) });
      default:
        return t(key(m.code));
    }
  };
  const label = (parts: readonly PlanMessage[]): string => parts.map(part).join('; ');
  return {
    label,
    message(m, options = [], labelParts = []) {
      const p = m.params;
      const named = (): string => {
        const o = options.find((x) => x.id === p['option_id']);
        return o ? label(o.label_parts) : str(p['option_id'] ?? '');
      };
      const budgetNote = p['survey_funded'] === false ? t('m_budget_exhausted') : '';
      switch (m.code) {
        case 'free':
          return t('m_free', { option: named() });
        case 'funded_above_cutoff':
        case 'funded_below_cutoff':
          return t(key(m.code), {
            option: named(),
            ratio: ratio(p['benefit_per_eur']),
            cutoff: ratio(p['cutoff']),
          });
        case 'not_funded':
          return t('m_not_funded', {
            option: named(),
            ratio: p['benefit_per_eur'] === undefined ? t('m_free_step') : ratio(p['benefit_per_eur']),
            cutoff: ratio(p['cutoff']),
          });
        case 'survey_line_unknown':
          return t('m_survey_line_unknown') + budgetNote;
        case 'survey_evidence':
          return t('m_survey_evidence', { days: num(p['days']), min: num(p['min_days']) }) + budgetNote;
        case 'buys':
          return t('m_buys', {
            floor: `${yesNo(p['floor_before'])} → ${yesNo(p['floor_after'])}`,
            target: `${yesNo(p['target_before'])} → ${yesNo(p['target_after'])}`,
            score: `${fmt.number(num(p['score_before']), 1)} → ${fmt.number(num(p['score_after']), 1)}`,
            pupils: fmt.number(num(p['pupils'])),
            benefit: fmt.number(num(p['benefit']), 1),
            cost: fmt.eur(num(p['cost_eur'])),
            lifetime: fmt.eur(num(p['lifetime_cost_eur'])),
            owner_capex: fmt.eur(num(p['owner_capex_eur'])),
            opex: fmt.eur(num(p['opex_eur_per_year'])),
            renewals: fmt.eur(num(p['renewals_pv_eur'])),
            residual: fmt.eur(num(p['residual_value_pv_eur'])),
            months: num(p['lead_months']),
          });
        case 'survey':
          return t('m_survey', {
            cost: fmt.eur(num(p['cost_eur'])),
            option: labelParts.length > 0 ? label(labelParts) : t('m_none_yet'),
          });
        case 'owner_action':
          return t('m_owner_action', {
            option: label(labelParts),
            capex: fmt.eur(num(p['capex_eur'])),
            opex: fmt.eur(num(p['opex_eur_per_year'])),
          });
        case 'next_option':
          return t('m_next_option', {
            option: named(),
            cost: fmt.eur(num(p['cost_eur'])),
            score: fmt.number(num(p['score_after']), 1),
            benefit: fmt.number(num(p['benefit']), 1),
            ratio: ratio(p['benefit_per_eur']),
            cutoff: ratio(p['cutoff']),
          });
        case 'next_nothing':
          return t('m_next_nothing', { cutoff: ratio(p['cutoff']) });
        case 'delivery_past':
        case 'delivery_ready_by':
          return t(key(m.code), {
            completion: fmt.date(str(p['completion_date'])),
            buffer: num(p['buffer_months']),
            ready_by: fmt.date(str(p['ready_by'])),
            today: fmt.date(str(p['today'])),
          });
        default:
          return t(key(m.code));
      }
    },
  };
}

/** {@link planText} with the plan area's catalogs in the page's language. */
export function usePlanText(): PlanText {
  const t = useMessages({ lv, en });
  const { fmt } = useLang();
  return planText(t, fmt);
}
