import { expect, it } from 'vitest';
import { isSkolnetError } from '@skolnet/shared';
import type { ContractInput } from '../../collector/src/acceptance/contract.js';
import { describeStores } from './stores.js';

const NOW = new Date('2026-03-02T06:00:00.000Z');

const input = (schoolId: string, over: Partial<ContractInput> = {}): ContractInput => ({
  school_id: schoolId,
  vendor: 'SIA Tīkli',
  kind: 'internet_line',
  reference: null,
  download_max_mbps: 1000.5,
  download_min_mbps: 0.25,
  upload_max_mbps: 100,
  upload_min_mbps: 20,
  latency_limit_ms: 30,
  max_loss_pct: null,
  availability_pct: 99.5,
  completion_date: '2026-03-01',
  acceptance_window_days: 30,
  campaign_school_days: 5,
  rooms: ['Kab. 12'],
  ...over,
});

describeStores('vendor acceptance', (getStore) => {
  it('stores contracts all or none, keeps fractional speeds, and lists them by vendor', async () => {
    const store = getStore();
    const school = await store.createSchool({ name: 'Cēsu pamatskola', municipality: 'Cēsis', pupils: 200 });
    const [a] = await store.acceptance.createContracts(
      [{ input: input(school.id), warnings: [] }],
      'planner',
      NOW,
    );
    expect(a).toMatchObject({
      download_max_mbps: 1000.5,
      download_min_mbps: 0.25,
      max_loss_pct: null,
      status: 'open',
    });
    const err = await store.acceptance
      .createContracts(
        [
          { input: input(school.id, { vendor: 'SIA Citi' }), warnings: [] },
          { input: input('no-such-school'), warnings: [] },
        ],
        'planner',
        NOW,
      )
      .catch((e: unknown) => e);
    expect(isSkolnetError(err, 'SKOLNET_API_NOT_FOUND')).toBe(true);
    expect((await store.acceptance.listContracts()).map((c) => c.id)).toEqual([a!.id]);
    expect(await store.acceptance.listContracts({ vendor: 'SIA Citi' })).toEqual([]);
    expect(await store.acceptance.vendorHasSchool('SIA Tīkli', school.id)).toBe(true);
    expect(await store.acceptance.vendorHasSchool('SIA Citi', school.id)).toBe(false);
    expect((await store.acceptance.getContract(a!.id))!.rooms).toEqual(['Kab. 12']);
  });

  it('changes a campaign only from the status the caller saw, and keeps the first report issued', async () => {
    const store = getStore();
    const school = await store.createSchool({ name: 'Rīgas skola', municipality: 'Rīga', pupils: 500 });
    const [contract] = await store.acceptance.createContracts(
      [{ input: input(school.id), warnings: [] }],
      'p',
      NOW,
    );
    const campaign = await store.acceptance.createCampaign(
      {
        contract_id: contract!.id,
        school_id: school.id,
        retest_of: null,
        status: 'running',
        school_days: 5,
        extensions: 0,
        started_at: NOW.toISOString(),
        ends_at: '2026-03-06T15:00:00.000Z',
        finished_at: null,
        previous_config: JSON.stringify({ probes: {}, data_budget_mb: 5000 }),
        verdict: null,
      },
      NOW,
    );
    expect((await store.acceptance.runningCampaigns()).map((c) => c.id)).toEqual([campaign.id]);
    expect(await store.acceptance.updateCampaign(campaign.id, 'running', { status: 'pass' })).toBe(true);
    // A second collector finishing the same campaign finds it no longer running.
    expect(await store.acceptance.updateCampaign(campaign.id, 'running', { status: 'fail' })).toBe(false);
    const read = (await store.acceptance.getCampaign(campaign.id))!;
    expect(read.status).toBe('pass');
    expect(read.previous_config).toEqual({ probes: {}, data_budget_mb: 5000 });
    expect(await store.acceptance.runningCampaigns()).toEqual([]);
    const report = {
      campaign_id: campaign.id,
      format: 'html' as const,
      lang: 'lv' as const,
      body: '<html>ā</html>',
      signature: 'c2ln',
      key_id: 'k1',
      created_at: NOW.toISOString(),
    };
    expect(await store.acceptance.putReport(report)).toEqual(report);
    expect(await store.acceptance.putReport({ ...report, body: 'other' })).toEqual(report);
  });
});
