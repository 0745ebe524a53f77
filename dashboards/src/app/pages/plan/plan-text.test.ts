/**
 * The plan's codes rendered in the page's language: the Latvian text must
 * hold none of the English sentences the API carries beside the codes.
 */
import { describe, expect, it } from 'vitest';
import type { PlanMessage } from '../../api/types.js';
import { createFormatters, formatMessage, type Lang, type Message } from '../../i18n/i18n.js';
import en from './messages.en.js';
import lv from './messages.lv.js';
import { planText, type NamedOption } from './plan-text.js';

const render = (lang: Lang) => {
  const catalog: Readonly<Record<keyof typeof lv, Message>> = lang === 'lv' ? lv : en;
  return planText((key, params) => formatMessage(lang, catalog[key], params), createFormatters(lang));
};

/**
 * One message of every code the planner gives (collector/src/planning/plan-messages.ts,
 * whose test checks each has a text in both catalogs), with parameters in the API's shape
 * (synthetic, written by hand).
 */
const OPTIONS: NamedOption[] = [
  {
    id: 'fibre-300',
    label_parts: [{ code: 'new_fibre', params: { distance_m: 500, down_mbps: 300, up_mbps: 300 } }],
  },
  {
    id: 'full',
    label_parts: [
      { code: 'config_ssid_5ghz', params: {} },
      { code: 'config_channel_plan', params: {} },
      { code: 'config_duplex', params: { count: 2 } },
      {
        code: 'line_tier',
        params: { tier: 'dsl-100', down_mbps: 100, up_mbps: 20, operator_to_confirm: true },
      },
      { code: 'new_line', params: { tier: 'fwa-50', down_mbps: 50, up_mbps: 10 } },
      { code: 'access_points', params: { new_aps: 6, uncovered_rooms: 5, replaced_aps: 2 } },
      { code: 'switches', params: { count: 1 } },
      { code: 'outage_repair', params: { available_share: 0.953 } },
      { code: 'failover', params: { tier: 'mobile-100' } },
      { code: 'ups', params: {} },
    ],
  },
];
const dates = {
  completion_date: '2027-03-31',
  buffer_months: 2,
  ready_by: '2027-01-31',
  today: '2026-04-10',
};
const MESSAGES: PlanMessage[] = [
  { code: 'free', params: { option_id: 'full' } },
  {
    code: 'funded_above_cutoff',
    params: { option_id: 'fibre-300', benefit_per_eur: 0.0123, cutoff: 0.0042 },
  },
  { code: 'funded_below_cutoff', params: { option_id: 'full', benefit_per_eur: 0.003, cutoff: 0.0042 } },
  { code: 'not_funded', params: { option_id: 'full', benefit_per_eur: 0.001, cutoff: 0.0042 } },
  { code: 'not_funded', params: { option_id: 'full', cutoff: 0.0042 } },
  { code: 'no_improvement', params: {} },
  {
    code: 'buys',
    params: {
      option_id: 'fibre-300',
      floor_before: false,
      floor_after: true,
      target_before: false,
      target_after: true,
      score_before: 41.2,
      score_after: 86.5,
      pupils: 540,
      benefit: 1234.5,
      cost_eur: 31_000,
      lifetime_cost_eur: 52_000,
      owner_capex_eur: 0,
      opex_eur_per_year: 360,
      renewals_pv_eur: 2_100,
      residual_value_pv_eur: 4_000,
      lead_months: 9,
    },
  },
  { code: 'buys_nothing', params: {} },
  {
    code: 'next_option',
    params: {
      option_id: 'full',
      cost_eur: 12_000,
      score_after: 92.1,
      benefit: 88.2,
      benefit_per_eur: 0.0073,
      cutoff: 0.0042,
    },
  },
  { code: 'next_nothing', params: { cutoff: 0.0042 } },
  { code: 'survey_line_unknown', params: { survey_funded: false } },
  { code: 'survey_evidence', params: { days: 1, min_days: 3, survey_funded: true } },
  { code: 'at_target', params: {} },
  { code: 'owner_remedy', params: {} },
  { code: 'no_data', params: {} },
  { code: 'no_fundable_option', params: {} },
  { code: 'survey', params: { cost_eur: 1_500 } },
  { code: 'owner_action', params: { capex_eur: 100, opex_eur_per_year: 120 } },
  { code: 'delivery_not_checked', params: {} },
  { code: 'delivery_past', params: dates },
  { code: 'delivery_ready_by', params: dates },
];

/** Words of the API's English sentences that have no place in Latvian text. */
const ENGLISH =
  /\b(the|and|with|benefit|survey|option|nothing|checked|ready|line|cut-off|score|pupils|months|buys|free|access|switch(es)?|report|second|subscription|connection|fibre|year|once|offer|fix|new|uncovered|below|costs)\b/i;

describe('plan texts in the page’s language', () => {
  it('says every option part and every message in Latvian, with every placeholder filled', () => {
    const lvText = render('lv');
    const parts = OPTIONS.flatMap((o) => o.label_parts);
    const texts = [
      ...parts.map((p) => lvText.label([p])),
      ...MESSAGES.map((m) => lvText.message(m, OPTIONS, OPTIONS[1]?.label_parts)),
    ];
    for (const text of texts) {
      expect(text).not.toMatch(ENGLISH);
      expect(text).not.toMatch(/[{}]/);
      expect(text).not.toContain('(paskaidrojums šajā valodā vēl nav pieejams)');
    }
    // Options named by id are said by their label; numbers and money in the Latvian formats.
    const funded = lvText.message(MESSAGES[1]!, OPTIONS);
    expect(funded).toContain('jauns optiskais pieslēgums (500 m)');
    expect(funded).toContain('0,0123');
    expect(lvText.message(MESSAGES[6]!, OPTIONS).replace(/\u00a0/g, ' ')).toContain('31 000 €');
    expect(lvText.message(MESSAGES[20]!)).toContain('2027');
  });

  it.each([
    [
      { new_aps: 6, uncovered_rooms: 5, replaced_aps: 2 },
      '6 jauni piekļuves punkti 5 nepārklātajām telpām, nomainīti 2 tikai 2,4 GHz piekļuves punkti',
      '6 new access points for 5 uncovered rooms, 2 2.4-GHz-only access points replaced',
    ],
    [
      { new_aps: 1, uncovered_rooms: 1, replaced_aps: 21 },
      '1 jauns piekļuves punkts 1 nepārklātajai telpai, nomainīts 21 tikai 2,4 GHz piekļuves punkts',
      '1 new access point for 1 uncovered room, 21 2.4-GHz-only access points replaced',
    ],
    [
      { new_aps: 11, uncovered_rooms: 10, replaced_aps: 0 },
      '11 jaunu piekļuves punktu 10 nepārklātajām telpām',
      '11 new access points for 10 uncovered rooms',
    ],
  ])(
    'says counts in option labels with their plural forms, not in brackets: %j',
    (params, lvText, enText) => {
      const part = { code: 'access_points', params };
      expect(render('lv').label([part])).toBe(lvText);
      expect(render('en').label([part])).toBe(enText);
    },
  );

  it.each([
    [1, 'novērst 1 dupleksa neatbilstību', 'fix 1 duplex mismatch'],
    [3, 'novērst 3 dupleksa neatbilstības', 'fix 3 duplex mismatches'],
  ])('says %i duplex mismatches and switches with plural forms', (count, lvText, enText) => {
    const duplex = { code: 'config_duplex', params: { count } };
    expect(render('lv').label([duplex])).toBe(lvText);
    expect(render('en').label([duplex])).toBe(enText);
    const switches = render('lv').label([{ code: 'switches', params: { count } }]);
    expect(switches).toBe(
      count === 1
        ? '1 komutators nomainīts pret gigabitu PoE+ komutatoru'
        : `${count} komutatori nomainīti pret gigabitu PoE+ komutatoriem`,
    );
  });

  it('says the same in English, and a code it does not know yet without breaking the page', () => {
    const enText = render('en');
    expect(enText.label(OPTIONS[0]!.label_parts)).toBe(
      'new fibre connection (500 m) with 300/300 Mbit/s, router/firewall and rack',
    );
    expect(enText.message(MESSAGES[18]!)).toBe('Delivery not checked (no completion date given).');
    for (const m of MESSAGES) expect(enText.message(m, OPTIONS)).not.toMatch(/[{}]/);
    expect(render('lv').message({ code: 'from_a_newer_collector', params: {} })).toBe(
      '(paskaidrojums šajā valodā vēl nav pieejams)',
    );
  });
});
