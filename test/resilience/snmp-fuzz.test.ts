/**
 * Property-based fuzzing (fast-check) of the SNMP probe's varbind handling
 * (agent/src/probes/snmp/): raw varbinds as net-snmp hands them over (any
 * type tag, any value: numbers, bigints, long or binary octets, text,
 * nothing) go through `decodeVarbind`, and a device that answers every GET
 * and GETBULK with such varbinds, under OIDs in and out of order, with
 * tooBig, timeouts and errors in between, is inventoried and sampled
 * twice. Every property: no throw other than the documented
 * `SnmpRequestError`, the walk ends, and what reaches a result is bounded
 * text, finite numbers and non-negative counter deltas. The device is
 * scripted (the probe's session seam, snmp-session.ts), as no real agent
 * answers garbage on demand; snmp-probe.test.ts runs the real snmpd.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inventoryDevice, sampleCounters } from '../../agent/src/probes/snmp/snmp-inventory.js';
import {
  SnmpRequestError,
  decodeVarbind,
  type SnmpSession,
  type SnmpVarbind,
} from '../../agent/src/probes/snmp/snmp-session.js';
import {
  COUNTER32_MODULUS,
  COUNTER64_MODULUS,
  bitsPerSecond,
  counterDelta,
} from '../../agent/src/probes/snmp/snmp-values.js';
import { report } from './report.js';

/** Runs per property: each walks a whole device of garbage; a few hundred stay within seconds. */
const RUNS = 200;
/** The probe caps device text at 255 characters (snmp-values.ts). */
const MAX_TEXT_CHARS = 255;
const KINDS = ['int', 'counter64', 'octets', 'oid', 'ip', 'null', 'exception'];

/** RFC 2578 / RFC 3416 type tags net-snmp reports, and some no agent should send. */
const typeTag = fc.oneof(
  fc.constantFrom(2, 4, 5, 6, 64, 65, 66, 67, 68, 70, 128, 129, 130),
  fc.integer({ min: -1, max: 300 }),
  fc.anything(),
);
const rawValue = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.bigInt({ min: -(1n << 70n), max: 1n << 70n }),
  fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)),
  fc.string({ maxLength: 300 }),
  fc.array(fc.nat(99), { maxLength: 12 }).map((a) => a.join('.')),
  fc.constant(null),
  fc.constant(undefined),
  fc.anything(),
);
const rawVarbind = fc.record({ type: typeTag, value: rawValue }, { requiredKeys: [] });

describe('resilience: fuzzing SNMP varbinds', () => {
  it('decodeVarbind: any raw varbind decodes to a known kind without a throw', () => {
    fc.assert(
      fc.property(
        fc.record({ oid: fc.anything(), type: typeTag, value: rawValue }, { requiredKeys: [] }),
        (vb) => {
          const decoded = decodeVarbind(vb);
          expect(typeof decoded.oid).toBe('string');
          expect(KINDS).toContain(decoded.value.kind);
          if (decoded.value.kind === 'int') expect(Number.isFinite(decoded.value.value)).toBe(true);
        },
      ),
      { numRuns: RUNS * 5 },
    );
  });

  it('a device answering garbage is inventoried and sampled without a throw, within bounds', async () => {
    let runs = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(rawVarbind, { minLength: 1, maxLength: 40 }),
        fc.array(fc.oneof(fc.array(fc.nat(40), { minLength: 1, maxLength: 3 }), fc.constant([])), {
          minLength: 1,
          maxLength: 20,
        }),
        fc.array(fc.constantFrom('ok', 'ok', 'ok', 'ok', 'too_big', 'timeout', 'error'), {
          minLength: 1,
          maxLength: 10,
        }),
        fc.array(fc.nat(6), { minLength: 1, maxLength: 10 }),
        async (values, suffixes, failures, lengths) => {
          runs += 1;
          let n = 0;
          const next = <T>(list: readonly T[]): T => list[n++ % list.length]!;
          const varbind = (oid: string): SnmpVarbind => decodeVarbind({ oid, ...next(values) });
          // The real session maps every net-snmp failure to an SnmpRequestError, as a rejection.
          const answer = <T>(value: () => T): Promise<T> => {
            const how = next(failures);
            return how === 'ok' ? Promise.resolve(value()) : Promise.reject(new SnmpRequestError(how, how));
          };
          const session: SnmpSession = {
            get: (oids) => answer(() => oids.map(varbind)),
            getBulk: (oids, max) =>
              answer(() =>
                oids.map((oid) =>
                  Array.from({ length: Math.min(max, next(lengths)) }, () => {
                    const suffix = next(suffixes);
                    // An empty suffix answers with an OID outside the column.
                    return varbind(suffix.length === 0 ? '1.3.6.1.9' : `${oid}.${suffix.join('.')}`);
                  }),
                ),
              ),
            close: () => undefined,
          };
          const limits = { maxRepetitions: 8, maxRows: 300, deadline: performance.now() + 60_000 };
          let inventory;
          try {
            inventory = await inventoryDevice(session, limits);
          } catch (err) {
            // The one documented refusal: the system group could not be read.
            expect(err).toBeInstanceOf(SnmpRequestError);
            refused += 1;
            return;
          }
          const texts = [
            inventory.sysName,
            inventory.sysDescr,
            inventory.sysLocation,
            inventory.model,
            inventory.serial,
            inventory.softwareVersion,
            ...inventory.interfaces.flatMap((i) => [i.name, i.descr, i.alias]),
            ...inventory.neighbors.flatMap((x) => [
              x.remoteSysName,
              x.remoteChassisId,
              x.remotePortId,
              x.remotePortDesc,
            ]),
          ];
          for (const t of texts) if (t !== undefined) expect(t.length).toBeLessThanOrEqual(MAX_TEXT_CHARS);
          const numbers = [
            inventory.uptimeS,
            ...inventory.interfaces.flatMap((i) => [
              i.type,
              i.speedMbps,
              i.mtu,
              i.inErrors,
              i.outErrors,
              i.inDiscards,
              i.outDiscards,
            ]),
          ];
          for (const x of numbers) if (x !== undefined) expect(Number.isFinite(x)).toBe(true);
          // An interface's if_index is one InterfaceIndex (RFC 2863), never NaN.
          for (const i of inventory.interfaces) expect(Number(i.ifIndex)).toBeGreaterThan(0);

          const second = await sampleCounters(session, inventory.counters.hc, limits);
          const modulus = inventory.counters.hc ? COUNTER64_MODULUS : COUNTER32_MODULUS;
          for (const [ifIndex, before] of inventory.counters.in) {
            const after = second.in.get(ifIndex);
            if (after === undefined) continue;
            const delta = counterDelta(before, after, modulus, undefined);
            if (delta === undefined) continue;
            expect(delta >= 0n).toBe(true);
            const bps = bitsPerSecond(delta, 1_000);
            if (bps !== undefined) expect(Number.isFinite(bps) && bps >= 0).toBe(true);
          }
        },
      ),
      { numRuns: RUNS },
    );
    report({
      attack: 'fast-check fuzzing of SNMP varbinds (decode, walk, inventory, counters)',
      held: true,
      figures: `${RUNS * 5} raw varbinds; ${runs} garbage devices, ${refused} refused with SnmpRequestError`,
    });
  });
});
