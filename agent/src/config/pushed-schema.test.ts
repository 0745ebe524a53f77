import { describe, expect, it } from 'vitest';
import { LOCAL_ONLY_OPTIONS, PushedProbeOptions, PushedProbes } from '@skolnet/shared';
import type { OptionSpec } from '../probes/options.js';
import { probeRegistry } from '../probes/registry.js';
import { snmpOptionSpecs } from '../probes/snmp/snmp-options.js';

/** Options of the snmp probe that are lists, outside its scalar specs. */
const SNMP_LISTS = ['targets', 'credentials'];

const specsOf = (probe: string): Readonly<Record<string, OptionSpec>> =>
  probe === 'snmp' ? snmpOptionSpecs : (probeRegistry[probe]?.options ?? {});

/**
 * The shared allow-list of pushable options and the probes' own option
 * specs must not drift apart: a new option is either pushable (with the
 * same bounds) or named local-only with a reason.
 */
describe('the pushed-configuration schema and the probes agree', () => {
  it('lists exactly the probes of the registry', () => {
    expect(Object.keys(PushedProbes.properties).sort()).toEqual(Object.keys(probeRegistry).sort());
  });

  for (const probe of Object.keys(probeRegistry)) {
    it(`${probe}: every option is pushable with the spec's bounds, or local-only`, () => {
      const pushed = (
        PushedProbeOptions as Record<string, { properties: Record<string, Record<string, unknown>> }>
      )[probe]!.properties;
      const localOnly = Object.keys(LOCAL_ONLY_OPTIONS[probe] ?? {});
      const specs = specsOf(probe);
      for (const [key, spec] of Object.entries(specs)) {
        if (localOnly.includes(key)) {
          expect(pushed[key], `${probe}.${key} is local-only`).toBeUndefined();
          continue;
        }
        const schema = pushed[key];
        expect(schema, `${probe}.${key} is neither pushable nor local-only`).toBeDefined();
        if (spec.type === 'string' && schema!.anyOf === undefined) {
          expect(schema, `${probe}.${key}`).toMatchObject({ type: 'string', maxLength: spec.maxLength });
        } else if (spec.type === 'number' || spec.type === 'integer') {
          expect(schema, `${probe}.${key}`).toMatchObject({
            type: spec.type,
            minimum: spec.minimum,
            maximum: spec.maximum,
          });
        } else if (spec.type === 'boolean') {
          expect(schema, `${probe}.${key}`).toMatchObject({ type: 'boolean' });
        }
      }
      for (const key of Object.keys(pushed)) {
        const known = key in specs || (probe === 'snmp' && SNMP_LISTS.includes(key));
        expect(known, `${probe}.${key} is pushable but the probe has no such option`).toBe(true);
      }
    });
  }

  it('keeps the program of the latency probe out of every push', () => {
    expect(LOCAL_ONLY_OPTIONS.latency).toHaveProperty('ping_command');
    expect(PushedProbeOptions.latency.properties).not.toHaveProperty('ping_command');
  });
});
