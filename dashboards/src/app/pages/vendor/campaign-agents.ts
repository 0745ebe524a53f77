import type { Translate } from '../../i18n/i18n.js';
import type lv from './messages.lv.js';
import type { Progress } from './types.js';

/** What the campaign page says about agents that cannot schedule the campaign. */
export interface TooOldAgents {
  /** "Agent too old for campaign scheduling: upgrade it", with their count. */
  notice: string;
  /** Their ids, as the school's IT staff find them on the school IT page. */
  agents: string[];
}

/**
 * The notice of a campaign's progress about the school's connected agents
 * whose hello did not announce the `campaign` capability (they get the
 * campaign's settings without its schedule, so its tests fall short), or
 * null when there are none.
 */
export function tooOldAgents(
  progress: Pick<Progress, 'agents_without_campaign'>,
  t: Translate<typeof lv>,
): TooOldAgents | null {
  const agents = progress.agents_without_campaign;
  if (agents.length === 0) return null;
  return { notice: t('agents_too_old', { count: agents.length }), agents };
}
