import { describe, expect, it } from 'vitest';
import { planHref, returnStatusOf, type SupportPlan } from './types.js';

// Synthetic plan bodies: only the fields the return rule reads.
const body = (round: number, approvals: { round: number }[]): Pick<SupportPlan, 'body'> => ({
  body: {
    approval_round: round,
    approvals: approvals.map((a) => ({
      ...a,
      approver: 'director',
      on: '2025-09-03',
      user_email: 'd@x',
      at: '',
    })),
  } as unknown as SupportPlan['body'],
});

describe('support page helpers', () => {
  it('returns a first submission to the draft, and a revision to Pārskatīšanā', () => {
    expect(returnStatusOf(body(1, []))).toBe('Projekts');
    expect(returnStatusOf(body(1, [{ round: 1 }]))).toBe('Projekts');
    // An earlier round was approved: this submission is a revision.
    expect(returnStatusOf(body(2, [{ round: 1 }, { round: 1 }, { round: 1 }]))).toBe('Pārskatīšanā');
  });

  it("puts only ids in a plan's address", () => {
    expect(planHref({ school_id: 's/1', id: 'p 2' })).toBe('/support/schools/s%2F1/plans/p%202');
  });
});
