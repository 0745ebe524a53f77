import { ENT_CLASS_CHASSIS, ENT_CLASS_STACK, EntPhysicalColumns } from './snmp-oids.js';
import type { SnmpValue } from './snmp-session.js';
import { asInt, asText } from './snmp-values.js';
import type { WalkResult } from './snmp-walker.js';

/** Model, serial and software version of a device, each from one source. */
export interface Identity {
  model?: string;
  serial?: string;
  softwareVersion?: string;
}

/** What the ENTITY-MIB says about the device itself (its chassis), never about a part. */
export interface ChassisIdentity extends Identity {
  /** entPhysicalDescr of the chassis rows, for the description step ("RouterOS 6.40.5 (stable) on RB952Ui-5ac2nD"). */
  descriptions: string[];
}

/**
 * PhysicalClass values (RFC 6933) of rows that can stand for the whole
 * device at the top of the containment tree: other(1), unknown(2) and
 * rows without a class. Modules, ports, radios, sensors, fans, power
 * supplies, CPUs and containers never do: their model is a part's (a
 * radio's PCI id, a USB controller's name).
 */
const DEVICE_LIKE_CLASSES: ReadonlySet<number | undefined> = new Set([undefined, 1, 2]);

function text(v: SnmpValue | undefined): string | undefined {
  const t = asText(v)?.trim();
  return t === undefined || t === '' ? undefined : t;
}

/**
 * The chassis identity from a walk of entPhysicalTable: the rows of class
 * chassis(3), in index order; without any, the top of the containment tree
 * (contained in 0, or not said) when its class is not a part's. A stack(11)
 * row names no model itself, so the chassis rows under it come first; the
 * first chassis that has a value gives it. Model, serial and version are
 * never taken from any other row.
 */
export function chassisIdentity(walk: WalkResult): ChassisIdentity {
  const col = (root: string): Map<string, SnmpValue> =>
    walk.columns.get(root) ?? new Map<string, SnmpValue>();
  const classes = col(EntPhysicalColumns.entPhysicalClass);
  const containedIn = col(EntPhysicalColumns.entPhysicalContainedIn);
  const indexes = new Set<string>();
  for (const root of Object.values(EntPhysicalColumns)) for (const ix of col(root).keys()) indexes.add(ix);
  const sorted = [...indexes].sort((a, b) => Number(a) - Number(b));
  const classOf = (ix: string): number | undefined => asInt(classes.get(ix));
  let rows = sorted.filter((ix) => classOf(ix) === ENT_CLASS_CHASSIS);
  if (rows.length === 0) {
    rows = sorted.filter((ix) => {
      const parent = asInt(containedIn.get(ix));
      const c = classOf(ix);
      return (parent === undefined || parent === 0) && (DEVICE_LIKE_CLASSES.has(c) || c === ENT_CLASS_STACK);
    });
  }
  const pick = (root: string): string | undefined => {
    for (const ix of rows) {
      const v = text(col(root).get(ix));
      if (v !== undefined) return v;
    }
    return undefined;
  };
  const out: ChassisIdentity = { descriptions: [] };
  const model = pick(EntPhysicalColumns.entPhysicalModelName);
  if (model !== undefined) out.model = model;
  const serial = pick(EntPhysicalColumns.entPhysicalSerialNum);
  if (serial !== undefined) out.serial = serial;
  const sw = pick(EntPhysicalColumns.entPhysicalSoftwareRev);
  if (sw !== undefined) out.softwareVersion = sw;
  for (const ix of rows) {
    const d = text(col(EntPhysicalColumns.entPhysicalDescr).get(ix));
    if (d !== undefined) out.descriptions.push(d);
  }
  return out;
}

/**
 * A model name from a chassis description when the description is one:
 * RouterOS's "RouterOS 6.40.5 (stable) on RB952Ui-5ac2nD", or a bare
 * product number such as "C9200L-48P-4X" (one word with a digit and a hyphen).
 */
export function modelFromChassisDescr(descr: string): string | undefined {
  const routerOs = /^RouterOS\s+\S+(?:\s+\([^)]*\))?\s+on\s+(\S+)/i.exec(descr);
  if (routerOs?.[1]) return routerOs[1];
  if (/^[A-Z][\w+]*\d[\w+]*-[\w+-]+$/i.test(descr)) return descr;
  return undefined;
}

/** The software version in a RouterOS chassis description ("RouterOS 7.20beta2 (testing) on RB750Gr3"). */
export function versionFromChassisDescr(descr: string): string | undefined {
  return /^RouterOS\s+(\d[\w.]*)/i.exec(descr)?.[1];
}

/**
 * The fuller of two names of one model: a full product number beats the
 * series it starts with ("S5720-36C-EI-AC" over "S5720"); otherwise the
 * first, which comes from the better source.
 */
export function fullerModel(first: string | undefined, second: string | undefined): string | undefined {
  if (first === undefined) return second;
  if (second === undefined) return first;
  const a = first.toLowerCase();
  const b = second.toLowerCase();
  // Only a continuation of the same product number counts ("S5720" then
  // "-36C-EI-AC"); words after a space are a description, not a model.
  return b.length > a.length && b.startsWith(a) && !/\s/.test(b.slice(a.length, a.length + 1))
    ? second
    : first;
}
