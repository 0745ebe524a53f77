/**
 * The web application may not import the collector's modules (its
 * boundary is the HTTP API), so it keeps its own copy of the pupil-support
 * vocabulary the forms and the national view offer. This keeps that one
 * copy equal to the rules module's, in the same order.
 */
import { describe, expect, it } from 'vitest';
import * as rules from '../../collector/src/support/support-rules.js';
import * as pages from '../../dashboards/src/app/pages/support/types.js';

describe('pupil-support vocabulary: the pages offer what the rules accept', () => {
  it.each(['PLAN_STATUSES', 'RISK_GROUPS', 'CONSULTATION_TYPES', 'COMPENSATION_TYPES'] as const)(
    '%s',
    (name) => {
      expect([...pages[name]]).toEqual([...rules[name]]);
    },
  );
});
