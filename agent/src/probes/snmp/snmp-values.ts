import type { SnmpValue } from './snmp-session.js';

/** Longest text kept from a device, in characters (a result's string field allows 1024). */
const MAX_TEXT_CHARS = 255;

/** An integer value, or undefined for anything else (a malformed response is not a crash). */
export function asInt(v: SnmpValue | undefined): number | undefined {
  return v?.kind === 'int' ? v.value : undefined;
}

/** A Counter64 (or a Counter32 read as one) as BigInt. */
export function asCounter(v: SnmpValue | undefined): bigint | undefined {
  if (v?.kind === 'counter64') return v.value;
  if (v?.kind === 'int' && Number.isInteger(v.value) && v.value >= 0) return BigInt(v.value);
  return undefined;
}

/**
 * Printable text of an OCTET STRING (DisplayString, RFC 2579): control
 * characters become spaces, trailing NULs go, the length is capped.
 */
export function asText(v: SnmpValue | undefined): string | undefined {
  if (v?.kind === 'oid' || v?.kind === 'ip') return v.value;
  if (v?.kind === 'int') return String(v.value);
  if (v?.kind !== 'octets') return undefined;
  const text = v.value
    .toString('utf8')
    .replace(/\0+$/, '')
    // eslint-disable-next-line no-control-regex -- stripping control characters is the point
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .trim();
  return text.slice(0, MAX_TEXT_CHARS);
}

/**
 * Like {@link asText} but keeps line breaks (CR LF and CR become LF): some
 * devices put their full model alone on the first line of sysDescr.
 */
export function asTextLines(v: SnmpValue | undefined): string | undefined {
  if (v?.kind !== 'octets') return asText(v);
  const text = v.value
    .toString('utf8')
    .replace(/\0+$/, '')
    .replace(/\r\n?/g, '\n')
    // eslint-disable-next-line no-control-regex -- stripping control characters is the point
    .replace(/[\u0000-\u0009\u000b-\u001f\u007f]+/g, ' ')
    .trim();
  return text.slice(0, MAX_TEXT_CHARS);
}

/** An OBJECT IDENTIFIER value. */
export function asOid(v: SnmpValue | undefined): string | undefined {
  return v?.kind === 'oid' ? v.value : undefined;
}

/** A MAC address (6 octets) as `aa:bb:cc:dd:ee:ff`; undefined for other lengths. */
export function asMac(v: SnmpValue | undefined): string | undefined {
  if (v?.kind !== 'octets' || v.value.length !== 6) return undefined;
  return [...v.value].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** 2^64: Counter64 wraps here (RFC 2578 §7.1.10). */
export const COUNTER64_MODULUS = 1n << 64n;
/** 2^32: Counter32 wraps here (RFC 2578 §7.1.6). */
export const COUNTER32_MODULUS = 1n << 32n;

/**
 * Octets counted between two samples of a counter. A smaller second value
 * is a wrap past the modulus, unless the implied rate is impossible for
 * the interface (more than twice its speed), which means the counter was
 * reset (a reboot, a line card swap) and there is no delta to report.
 *
 * @param maxOctets the most octets the interface could have moved in the
 *   interval, or undefined when its speed is unknown
 * @returns octets, or undefined after a reset
 */
export function counterDelta(
  before: bigint,
  after: bigint,
  modulus: bigint,
  maxOctets: bigint | undefined,
): bigint | undefined {
  const delta = after >= before ? after - before : modulus - before + after;
  if (delta < 0n) return undefined;
  if (maxOctets !== undefined && delta > maxOctets * 2n) return undefined;
  return delta;
}

/**
 * Bit rate from octets over an interval: bps = octets × 8 / seconds,
 * rounded to whole bit/s.
 */
export function bitsPerSecond(octets: bigint, intervalMs: number): number | undefined {
  if (!(intervalMs > 0)) return undefined;
  return Math.round((Number(octets) * 8 * 1000) / intervalMs);
}
