import { isIP } from 'node:net';
import { ErrorCodes, SkolnetError } from '@skolnet/shared/core';

/** One address to query and whether the user named it (a named host that is silent is reported). */
export interface SnmpTarget {
  host: string;
  /** True for hosts named one by one; false for addresses from a range, whose silence is normal. */
  explicit: boolean;
}

function ipv4ToInt(text: string): number {
  return text.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

function intToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/**
 * Expands targets (`10.0.0.1`, `switch.school.lv`, `10.0.0.0/24`,
 * `10.0.0.10-10.0.0.20`) into addresses, de-duplicated in order. A CIDR
 * range leaves out its network and broadcast addresses (except /31 and
 * /32, RFC 3021). IPv6 ranges are refused: a /64 cannot be swept.
 *
 * @param extra hosts tried besides the targets (the default gateway), marked
 *   explicit and put after the configured targets, so that results of the
 *   devices the user named come first
 * @throws SkolnetError `CONFIG_INVALID` naming the bad target, or when the
 *   expansion exceeds `maxTargets`
 */
export function expandTargets(
  targets: readonly string[],
  maxTargets: number,
  extra: readonly string[] = [],
): SnmpTarget[] {
  const out = new Map<string, SnmpTarget>();
  const add = (host: string, explicit: boolean): void => {
    const seen = out.get(host);
    if (seen) seen.explicit ||= explicit;
    else out.set(host, { host, explicit });
    if (out.size > maxTargets)
      throw new SkolnetError(
        ErrorCodes.CONFIG_INVALID,
        `snmp.targets: expand to more than ${maxTargets} addresses (raise snmp.max_targets if that is intended)`,
      );
  };
  for (const [i, raw] of targets.entries()) {
    const target = raw.trim();
    const bad = (why: string): never => {
      throw new SkolnetError(ErrorCodes.CONFIG_INVALID, `snmp.targets[${i}]: "${target}" ${why}`);
    };
    const cidr = /^(\d+\.\d+\.\d+\.\d+)\/(\d{1,2})$/.exec(target);
    const range = /^(\d+\.\d+\.\d+\.\d+)\s*-\s*(\d+\.\d+\.\d+\.\d+)$/.exec(target);
    if (cidr) {
      const [, base = '', bitsText = ''] = cidr;
      const bits = Number(bitsText);
      if (isIP(base) !== 4 || bits > 32) bad('is not an IPv4 CIDR range');
      const size = 2 ** (32 - bits);
      if (size > maxTargets + 2) bad(`has ${size} addresses, more than snmp.max_targets (${maxTargets})`);
      const network = ipv4ToInt(base) - (ipv4ToInt(base) % size);
      const first = size > 2 ? network + 1 : network;
      const last = size > 2 ? network + size - 2 : network + size - 1;
      for (let n = first; n <= last; n++) add(intToIpv4(n), false);
    } else if (range) {
      const [, from = '', to = ''] = range;
      if (isIP(from) !== 4 || isIP(to) !== 4) bad('is not an IPv4 address range');
      const a = ipv4ToInt(from);
      const b = ipv4ToInt(to);
      if (b < a) bad('ends before it starts');
      if (b - a + 1 > maxTargets) bad(`has more than snmp.max_targets (${maxTargets}) addresses`);
      for (let n = a; n <= b; n++) add(intToIpv4(n), false);
    } else if (
      isIP(target) !== 0 ||
      /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(target)
    ) {
      add(target, true);
    } else {
      bad('is neither a host name, an address nor a CIDR range');
    }
  }
  for (const host of extra) add(host, true);
  return [...out.values()];
}
