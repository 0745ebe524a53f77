import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ErrorCodes } from '@skolnet/shared';
import type { Principal } from '../../collector/src/auth/roles.js';
import { loadPupilKeys } from '../../collector/src/security/pupil-keys.js';
import {
  DEFAULT_SUPPORT_CONFIG,
  createSupportService,
  rotatePupilKey,
  type SupportService,
} from '../../collector/src/services/support-service.js';
import { describeStores } from './stores.js';

const NOW = new Date('2025-09-05T10:00:00.000Z');
const CODES = ['161175-19997', '010101-12343', '321234-56789'];

// Pupil-support records on every backend: pupils, plans with their version check, erasure, key rotation.
describeStores('pupil support', (getStore, backend) => {
  let keyDir: string;
  let removeDir: () => Promise<void>;
  let schoolId: string;
  let service: SupportService;
  const coordinator: Principal = {
    user_id: 'u1',
    email: 'koord@skola.test',
    role: 'support_coordinator',
    credential: 'token',
  };
  const actor = { principal: coordinator };

  beforeEach(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'skolnet-support-keys-'));
    keyDir = join(dir, 'keys');
    removeDir = () => rm(dir, { recursive: true, force: true });
    schoolId = (
      await getStore().createSchool({ name: 'Skola', municipality: 'Cēsu novads', pupils: 100 }, NOW)
    ).id;
    const keys = loadPupilKeys(keyDir);
    service = createSupportService({
      store: getStore(),
      keys: () => keys,
      config: DEFAULT_SUPPORT_CONFIG,
      now: () => NOW,
    });
  });
  afterEach(async () => removeDir());

  const addPupils = async () => {
    const ids: string[] = [];
    for (const [i, code] of CODES.entries()) {
      const { pupil } = await service.addPupil(schoolId, {
        name: `Skolēns ${i}`,
        personal_code: code,
        programme: 'general',
        grade: 5 + i,
        class_label: `${5 + i}.a`,
      });
      ids.push(pupil.id);
    }
    return ids;
  };

  it('stores pupils and plans, one plan per pupil per semester, and refuses a write from a stale read', async () => {
    const [pupil] = await addPupils();
    const plan = await service.createPlan(actor, schoolId, {
      pupil_id: pupil!,
      semester: '2025/2026-1',
      prepared_on: '2025-09-02',
      application: { on: '2025-09-01', by: 'parent', document_ref: 'i-1' },
      risks: [{ id: 'r1', group: 'family', justification: 'j' }],
      measures: [{ id: 'm1', description: 'd', risk_ids: ['r1'] }],
    });
    await expect(
      service.createPlan(actor, schoolId, {
        pupil_id: pupil!,
        semester: '2025/2026-1',
        prepared_on: '2025-09-02',
      }),
    ).rejects.toMatchObject({ code: ErrorCodes.API_CONFLICT });
    const stored = (await getStore().support.getPlan(plan.id))!;
    expect(stored.body.risks).toEqual([{ id: 'r1', group: 'family', justification: 'j' }]);
    await getStore().support.updatePlan(stored, NOW);
    await expect(getStore().support.updatePlan(stored, NOW)).rejects.toMatchObject({
      code: ErrorCodes.API_CONFLICT,
    });
    // Another process sees the same plan.
    const other = await backend.open();
    expect((await other.support.getPlan(plan.id))?.version).toBe(2);
  });

  it('erases one pupil in one transaction and keeps the others', async () => {
    const [a, b] = await addPupils();
    await service.addOrder(schoolId, {
      valid_from: '2025-09-01',
      valid_to: '2025-09-30',
      procedure_ref: 'k',
      pupil_ids: [a!, b!],
      pedagogues: [{ name: 'P', subject: 's' }],
      platform: 'x',
      confirmation_method: 'y',
      coordinator_informed: true,
    });
    await service.addLaptop(schoolId, {
      serial: 'SN',
      model: 'M',
      pupil_id: a!,
      issued_on: '2025-09-01',
      returned_on: null,
      condition: 'ok',
    });
    await service.erasePupil(actor, schoolId, a!);
    expect(await getStore().support.getPupil(a!)).toBeUndefined();
    expect(await getStore().support.getPupil(b!)).toBeDefined();
    expect((await service.listOrders(schoolId))[0]!.pupil_ids).toEqual([b]);
    expect((await service.listLaptops(schoolId))[0]!.pupil_id).toBeNull();
  });

  it('rotates the pseudonym key: every pupil re-keyed, identity still opens, the old key no longer matches', async () => {
    const ids = await addPupils();
    const before = await Promise.all(
      ids.map(async (id) => (await getStore().support.getPupil(id))!.pseudonym),
    );
    const rotated = await rotatePupilKey(getStore(), keyDir, 'pseudonym', NOW);
    expect(rotated.pupils).toBe(3);
    const keys = loadPupilKeys(keyDir);
    expect(keys.pseudonymKeyId).toBe(rotated.key_id);
    const after = await Promise.all(
      ids.map(async (id) => (await getStore().support.getPupil(id))!.pseudonym),
    );
    expect(after.every((p, i) => p !== before[i])).toBe(true);
    expect(after).toEqual(CODES.map((c) => keys.pseudonym(c)));
    const fresh = createSupportService({
      store: getStore(),
      keys: () => keys,
      config: DEFAULT_SUPPORT_CONFIG,
      now: () => NOW,
    });
    expect((await fresh.readIdentity(actor, schoolId, ids[0]!)).personal_code).toBe(CODES[0]);
    // The service holding the old keys refuses rather than mixing pseudonyms.
    await expect(service.readIdentity(actor, schoolId, ids[0]!)).rejects.toMatchObject({
      code: ErrorCodes.SUPPORT_UNAVAILABLE,
    });
  });

  it('rotates the encryption key: names and codes sealed anew, nothing else changes', async () => {
    const ids = await addPupils();
    const before = (await getStore().support.getPupil(ids[1]!))!;
    await rotatePupilKey(getStore(), keyDir, 'encryption', NOW);
    const after = (await getStore().support.getPupil(ids[1]!))!;
    expect(after.pseudonym).toBe(before.pseudonym);
    expect(after.code_sealed).not.toBe(before.code_sealed);
    const keys = loadPupilKeys(keyDir);
    expect(keys.open(after.name_sealed, `pupil:${ids[1]}:name`)).toBe('Skolēns 1');
  });
});
