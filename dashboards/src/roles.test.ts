import { describe, expect, it } from 'vitest';
import { ROLES as COLLECTOR_ROLES } from '../../collector/src/auth/roles.js';
import { ROLES } from './app/api/types.js';

describe('roles', () => {
  it("are the collector's roles, in the same order", () => {
    expect([...ROLES]).toEqual([...COLLECTOR_ROLES]);
  });
});
