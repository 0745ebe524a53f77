import { describe, expect, it } from 'vitest';
import { approverOfRole, planHref } from './types.js';

describe('support page helpers', () => {
  it('knows which roles approve (the collector decides where a returned plan goes)', () => {
    expect(
      ['director', 'municipal_coordinator', 'ikvd', 'support_coordinator', 'planner'].map(approverOfRole),
    ).toEqual(['director', 'municipal_coordinator', 'ikvd', undefined, undefined]);
  });

  it("puts only ids in a plan's address", () => {
    expect(planHref({ school_id: 's/1', id: 'p 2' })).toBe('/support/schools/s%2F1/plans/p%202');
  });
});
