import { expect, it } from 'vitest';
import { ErrorCodes } from '@skolnet/shared';
import { describeStores } from './stores.js';

const T0 = new Date('2026-09-01T08:00:00.000Z');
const T1 = new Date('2026-09-02T08:00:00.000Z');

// The school register's fields (migration 0007-school-register), on every backend.
describeStores('school register', (getStore, backend) => {
  it('stores and reads back the register fields, coordinates as numbers', async () => {
    const created = await getStore().createSchool(
      {
        name: 'Cēsu Valsts ģimnāzija',
        municipality: 'Cēsu novads',
        pupils: 600,
        registration_number: '4313900251',
        address: 'Leona Paegles iela 1, Cēsis, LV-4101',
        lat: 57.3125,
        lon: 25.2712,
        school_type: 'general',
      },
      T0,
    );
    expect(created).toMatchObject({ lat: 57.3125, lon: 25.2712, retired_at: null });
    // Read back through another connection, as a second collector would.
    const other = await backend.open();
    expect(await other.getSchool(created.id)).toEqual(created);
    expect(await other.listSchools()).toEqual([created]);
    expect(await other.register.findByRegistrationNumber('4313900251')).toEqual(created);
  });

  it('leaves every register field null for a school created without them', async () => {
    const row = await getStore().createSchool({ name: 'A', municipality: 'Rīga', pupils: 1 }, T0);
    expect(row).toMatchObject({
      registration_number: null,
      address: null,
      lat: null,
      lon: null,
      school_type: null,
      retired_at: null,
    });
    expect(await getStore().getSchool(row.id)).toEqual(row);
  });

  it('keeps registration numbers unique, while many schools may lack one', async () => {
    const store = getStore();
    await store.createSchool({ name: 'A', municipality: 'Rīga', pupils: 1 }, T0);
    await store.createSchool({ name: 'B', municipality: 'Rīga', pupils: 1 }, T0);
    const first = await store.createSchool(
      { name: 'C', municipality: 'Rīga', pupils: 1, registration_number: '3313900001' },
      T0,
    );
    await expect(
      store.createSchool(
        { name: 'D', municipality: 'Rīga', pupils: 1, registration_number: '3313900001' },
        T0,
      ),
    ).rejects.toMatchObject({ code: ErrorCodes.API_CONFLICT });
    // The unique index holds even past the store's check (a race between two collectors).
    await expect(
      backend.query(
        `insert into schools (id, name, municipality, pupils, created_at, registration_number)
         values ('x', 'E', 'Rīga', 1, '${T0.toISOString()}', '3313900001')`,
      ),
    ).rejects.toThrow();
    const second = await store.createSchool({ name: 'D', municipality: 'Rīga', pupils: 1 }, T0);
    await expect(
      store.register.updateSchool(second.id, { registration_number: '3313900001' }),
    ).rejects.toMatchObject({
      code: ErrorCodes.API_CONFLICT,
    });
    // A school may keep its own number in an edit.
    expect(
      await store.register.updateSchool(first.id, { registration_number: '3313900001', pupils: 5 }),
    ).toMatchObject({
      pupils: 5,
      registration_number: '3313900001',
    });
    expect((await store.listSchools()).map((s) => s.name)).toEqual(['A', 'B', 'C', 'D']);
  });

  it('edits, clears, retires and reinstates a school', async () => {
    const store = getStore();
    const row = await store.createSchool(
      { name: 'A', municipality: 'Rīga', pupils: 10, address: 'Brīvības iela 1', lat: 56.95, lon: 24.1 },
      T0,
    );
    const edited = await store.register.updateSchool(row.id, {
      name: 'A2',
      address: null,
      lat: 56.96,
      lon: 24.12,
      school_type: 'special',
    });
    expect(edited).toEqual({
      ...row,
      name: 'A2',
      address: null,
      lat: 56.96,
      lon: 24.12,
      school_type: 'special',
    });
    const retired = await store.register.retireSchool(row.id, T1);
    expect(retired.retired_at).toBe(T1.toISOString());
    // Retiring again keeps the first date.
    expect((await store.register.retireSchool(row.id, new Date(T1.getTime() + 1000))).retired_at).toBe(
      T1.toISOString(),
    );
    expect((await store.register.reinstateSchool(row.id)).retired_at).toBeNull();
    await expect(store.register.updateSchool('missing', { pupils: 1 })).rejects.toMatchObject({
      code: ErrorCodes.API_NOT_FOUND,
    });
  });
});
