import { describe, expect, it } from 'vitest';
import {
  cachedHardwareFingerprint,
  hashHardwareId,
  hostLabeller,
  hostPseudonym,
  readHardwareFingerprint,
} from './agent-identity.js';

describe('hostPseudonym', () => {
  it('is stable per key and hostname, hides the name, and differs between keys', () => {
    const key = 'k'.repeat(43);
    const a = hostPseudonym('Emma-Larsen-PC', key);
    expect(a).toMatch(/^laptop-[0-9a-f]{10}$/);
    expect(a).not.toMatch(/emma|larsen/i);
    expect(hostPseudonym('emma-larsen-pc ', key)).toBe(a);
    expect(hostPseudonym('Emma-Larsen-PC', 'j'.repeat(43))).not.toBe(a);
  });

  it('is used for issued laptops only', () => {
    expect(hostLabeller({ role: 'school_server' })).toBeUndefined();
    expect(hostLabeller({})).toBeUndefined();
    const label = hostLabeller({ role: 'issued_laptop', host_key: 'k'.repeat(43) });
    expect(label?.('pupil-7')).toBe(hostPseudonym('pupil-7', 'k'.repeat(43)));
    expect(hostLabeller({ role: 'issued_laptop' })?.('pupil-7')).toMatch(/^laptop-/);
  });
});

describe('hardware fingerprint', () => {
  const files = (map: Record<string, string>) => (path: string) =>
    map[path] === undefined ? Promise.reject(new Error('ENOENT')) : Promise.resolve(map[path]);

  it('hashes the Linux machine id and SMBIOS UUID, never sending them raw', async () => {
    const fp = await readHardwareFingerprint({
      platform: 'linux',
      readFile: files({
        '/etc/machine-id': '4c4c4544004d3510804bb4c04f4e3332\n',
        '/sys/class/dmi/id/product_uuid': '4C4C4544-004D-3510-804B-B4C04F4E3332\n',
      }),
    });
    expect(fp?.machine_id_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(fp?.smbios_uuid_sha256).toBe(
      hashHardwareId('smbios-uuid', '4c4c4544-004d-3510-804b-b4c04f4e3332'),
    );
    expect(JSON.stringify(fp)).not.toContain('4c4c4544004d');
    // Same raw value, different kind: different hash.
    expect(hashHardwareId('machine-id', 'abc')).not.toBe(hashHardwareId('smbios-uuid', 'abc'));
  });

  it('falls back to the dbus machine id, and skips placeholder UUIDs', async () => {
    const fp = await readHardwareFingerprint({
      platform: 'linux',
      readFile: files({
        '/var/lib/dbus/machine-id': 'aa',
        '/sys/class/dmi/id/product_uuid': '03000200-0400-0500-0006-000700080009',
      }),
    });
    expect(fp).toEqual({ machine_id_sha256: hashHardwareId('machine-id', 'aa') });
    expect(await readHardwareFingerprint({ platform: 'linux', readFile: files({}) })).toBeUndefined();
  });

  it('asks systeminformation elsewhere, once per process', async () => {
    let calls = 0;
    const read = cachedHardwareFingerprint({
      platform: 'win32',
      systemUuid: () => {
        calls += 1;
        return Promise.resolve({
          ok: true,
          value: { os: 'guid-1', hardware: '00000000-0000-0000-0000-000000000000' },
        });
      },
    });
    expect(await read()).toEqual({ machine_id_sha256: hashHardwareId('machine-id', 'guid-1') });
    await read();
    expect(calls).toBe(1);
  });
});
