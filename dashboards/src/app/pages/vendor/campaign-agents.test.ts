import { describe, expect, it } from 'vitest';
import { formatMessage, type Catalog, type Lang, type MessageParams } from '../../i18n/i18n.js';
import itEn from '../school-it/messages.en.js';
import itLv from '../school-it/messages.lv.js';
import { campaignCell } from '../school-it/agent-campaign.js';
import { tooOldAgents } from './campaign-agents.js';
import en from './messages.en.js';
import lv from './messages.lv.js';

/** The pages' translation over a real catalog, as useMessages gives it (any page's keys). */
const translator =
  (lang: Lang, catalog: Catalog) =>
  (key: string, params?: MessageParams): string =>
    formatMessage(lang, catalog[key]!, params);

describe('agents too old for campaign scheduling on the pages', () => {
  it('says nothing on the campaign page when every connected agent can schedule', () => {
    expect(tooOldAgents({ agents_without_campaign: [] }, translator('en', en))).toBeNull();
  });

  it('names the agents to upgrade on the campaign page, in English and Latvian', () => {
    const one = tooOldAgents({ agents_without_campaign: ['a-1'] }, translator('en', en));
    expect(one?.agents).toEqual(['a-1']);
    expect(one?.notice).toMatch(/^Agent too old for campaign scheduling: upgrade it\. 1 connected agent /);
    const two = tooOldAgents({ agents_without_campaign: ['a-1', 'a-2'] }, translator('en', en));
    expect(two?.notice).toContain('2 connected agents');
    const lvOne = tooOldAgents({ agents_without_campaign: ['a-1'] }, translator('lv', lv));
    expect(lvOne?.notice).toMatch(/^Aģents par vecu kampaņas plānošanai: atjauniniet to\. 1 /);
    // Latvian's zero category (10-20) has its own form.
    const eleven = Array.from({ length: 11 }, (_, i) => `a-${i}`);
    expect(tooOldAgents({ agents_without_campaign: eleven }, translator('lv', lv))?.notice).toContain(
      '11 skolas pieslēgto aģentu',
    );
  });

  it('flags the agent in the school IT listing only when its live connection lacks the capability', () => {
    const t = translator('en', itEn);
    expect(campaignCell({ status: 'connected', campaign_unsupported: true }, t)).toBe(
      'agent too old for campaign scheduling: upgrade it',
    );
    expect(campaignCell({ status: 'connected', campaign_unsupported: false }, t)).toBe('supported');
    expect(campaignCell({ status: 'offline', campaign_unsupported: false }, t)).toBe('—');
    expect(campaignCell({ status: 'connected', campaign_unsupported: true }, translator('lv', itLv))).toBe(
      'aģents par vecu kampaņas plānošanai: atjauniniet to',
    );
  });
});
