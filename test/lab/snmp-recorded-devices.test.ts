import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snmpsimMissing, startSnmpsim, type Snmpsim } from './snmpsim.js';

/**
 * Walks recorded from real school-network devices (sources and licenses in
 * the folder's README and expected.json), served by snmpsim to the probe as
 * a device would answer. Expectations come from the vendors' documentation
 * of each device, not from the probe's output.
 */
const CASES = fileURLToPath(new URL('../../agent/src/probes/snmp/testcases/recorded/', import.meta.url));

interface RecordedDevice {
  device: string;
  source: string;
  path: string;
  expect: Record<string, string>;
}
const { devices } = JSON.parse(readFileSync(`${CASES}expected.json`, 'utf8')) as {
  devices: Record<string, RecordedDevice>;
};

const skip = snmpsimMissing();

describe.skipIf(skip)('snmp identity of real devices from recorded walks', () => {
  let sim: Snmpsim | undefined;

  beforeAll(async () => {
    sim = await startSnmpsim(CASES, 'mikrotik-hap-ac-lite');
  }, 90_000);

  afterAll(() => sim?.stop());

  it('has at least 20 devices, each with a source', () => {
    expect(Object.keys(devices).length).toBeGreaterThanOrEqual(20);
    for (const d of Object.values(devices)) expect(d.path).not.toBe('');
  });

  it.each(Object.entries(devices))('%s', async (community, d) => {
    const ms = (await sim?.gather(community)) ?? [];
    const device = ms.find((m) => m.measurement === 'snmp_device');
    expect(device?.fields.result, d.device).toBe('ok');
    const got = Object.fromEntries(Object.keys(d.expect).map((k) => [k, device?.fields[k]]));
    expect(got, d.device).toEqual(d.expect);
  });
});
