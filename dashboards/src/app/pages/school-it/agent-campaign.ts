import type { Translate } from '../../i18n/i18n.js';
import type { AgentView } from '../school/types.js';
import type lv from './messages.lv.js';

/**
 * The school IT listing's acceptance-campaign cell of an agent: the flag
 * "agent too old for campaign scheduling: upgrade it" when its live
 * connection did not announce the `campaign` capability, "supported" when
 * connected and capable, a dash when not connected (unknown until its next hello).
 */
export function campaignCell(
  agent: Pick<AgentView, 'status' | 'campaign_unsupported'>,
  t: Translate<typeof lv>,
): string {
  if (agent.campaign_unsupported) return t('campaign_too_old');
  return agent.status === 'connected' ? t('campaign_ok') : '—';
}
