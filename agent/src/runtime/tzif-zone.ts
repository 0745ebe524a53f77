/**
 * A time zone read from a TZif file (RFC 8536), the compiled form of the
 * IANA time zone database that Linux and macOS keep in /usr/share/zoneinfo.
 *
 * Why not `Intl`: the first `Intl.DateTimeFormat` a process builds pulls in
 * ICU's locale and time-zone data, about 8 MB of the agent's resident
 * memory for as long as it runs, to answer one question a few times an
 * hour (what is the UTC offset now). A TZif file answers it from a 2 kB
 * table and one rule.
 */

/** Seconds in a day. */
const DAY_S = 86_400;
/** Transition time of a POSIX TZ rule when the string gives none: 02:00 local (POSIX.1-2017, 8.3). */
const DEFAULT_RULE_TIME_S = 2 * 3600;

/** One local time type of a TZif file: its offset east of UTC, in s. */
interface LocalTimeType {
  utoffS: number;
  isDst: boolean;
}

/** When a rule's transition falls in a year. */
type RuleDate =
  /** `Jn`: day n of the year, 1-365, February 29 never counted. */
  | { kind: 'julian1'; day: number }
  /** `n`: day n of the year, 0-365, February 29 counted in leap years. */
  | { kind: 'julian0'; day: number }
  /** `Mm.w.d`: weekday d (0 = Sunday) of week w (1-4, 5 = last) of month m. */
  | { kind: 'month'; month: number; week: number; weekday: number };

/** A transition rule: the date and the local time of day, in s (may be negative or past 24 h, RFC 8536 3.3.1). */
interface RuleTransition {
  date: RuleDate;
  timeS: number;
}

/**
 * A POSIX TZ string as found in a TZif footer, e.g. `EET-2EEST,M3.5.0/3,M10.5.0/4`:
 * standard time, and optionally daylight time with the rules that start and end it.
 */
export interface PosixTzRule {
  /** Offset of standard time east of UTC, in s (the string says west: `EET-2` is +7200). */
  stdOffsetS: number;
  dst?: {
    /** Offset of daylight time east of UTC, in s. */
    offsetS: number;
    /** When daylight time starts, in local standard time. */
    start: RuleTransition;
    /** When it ends, in local daylight time. */
    end: RuleTransition;
  };
}

/**
 * Reads one POSIX TZ string (POSIX.1-2017 section 8.3, with RFC 8536's
 * extensions: hours up to 167 and negative in rule times). Only the forms
 * a TZif footer can hold are accepted, so a DST part must have its rules.
 * @throws Error naming the string when it cannot be read.
 */
export function parsePosixTz(text: string): PosixTzRule {
  let i = 0;
  const fail = (): never => {
    throw new Error(`unreadable POSIX TZ string ${JSON.stringify(text)} at character ${i}`);
  };
  const name = (): void => {
    if (text[i] === '<') {
      const close = text.indexOf('>', i);
      if (close < 0) fail();
      i = close + 1;
      return;
    }
    const start = i;
    while (i < text.length && /[A-Za-z]/.test(text[i]!)) i += 1;
    if (i - start < 3) fail();
  };
  const number = (): number => {
    const start = i;
    while (i < text.length && /\d/.test(text[i]!)) i += 1;
    if (i === start) fail();
    return Number(text.slice(start, i));
  };
  /** `[+-]hh[:mm[:ss]]` in s, sign included. */
  const clock = (): number => {
    let sign = 1;
    if (text[i] === '+' || text[i] === '-') {
      if (text[i] === '-') sign = -1;
      i += 1;
    }
    let s = number() * 3600;
    if (text[i] === ':') {
      i += 1;
      s += number() * 60;
      if (text[i] === ':') {
        i += 1;
        s += number();
      }
    }
    return sign * s;
  };
  const date = (): RuleDate => {
    if (text[i] === 'J') {
      i += 1;
      const day = number();
      if (day < 1 || day > 365) fail();
      return { kind: 'julian1', day };
    }
    if (text[i] === 'M') {
      i += 1;
      const month = number();
      if (text[i++] !== '.') fail();
      const week = number();
      if (text[i++] !== '.') fail();
      const weekday = number();
      if (month < 1 || month > 12 || week < 1 || week > 5 || weekday > 6) fail();
      return { kind: 'month', month, week, weekday };
    }
    const day = number();
    if (day > 365) fail();
    return { kind: 'julian0', day };
  };
  const transition = (): RuleTransition => {
    const d = date();
    let timeS = DEFAULT_RULE_TIME_S;
    if (text[i] === '/') {
      i += 1;
      timeS = clock();
    }
    return { date: d, timeS };
  };

  name();
  const stdOffsetS = 0 - clock();
  if (i === text.length) return { stdOffsetS };
  name();
  let offsetS = stdOffsetS + 3600;
  if (text[i] !== ',') offsetS = 0 - clock();
  if (text[i] !== ',') fail();
  i += 1;
  const start = transition();
  if (text[i] !== ',') fail();
  i += 1;
  const end = transition();
  if (i !== text.length) fail();
  return { stdOffsetS, dst: { offsetS, start, end } };
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Local midnight of the rule's date in `year`, as s since the epoch of that wall clock. */
function ruleDay(date: RuleDate, year: number): number {
  const jan1 = Date.UTC(year, 0, 1) / 1000;
  switch (date.kind) {
    case 'julian1':
      return jan1 + (date.day - 1 + (isLeap(year) && date.day >= 60 ? 1 : 0)) * DAY_S;
    case 'julian0':
      return jan1 + date.day * DAY_S;
    case 'month': {
      const first = new Date(Date.UTC(year, date.month - 1, 1));
      const daysInMonth = new Date(Date.UTC(year, date.month, 0)).getUTCDate();
      let day = 1 + ((date.weekday - first.getUTCDay() + 7) % 7) + (date.week - 1) * 7;
      while (day > daysInMonth) day -= 7;
      return Date.UTC(year, date.month - 1, day) / 1000;
    }
  }
}

/** Offset east of UTC, in s, that `rule` gives at `t` (s since the epoch). */
export function posixOffsetAt(rule: PosixTzRule, t: number): number {
  const { dst } = rule;
  if (!dst) return rule.stdOffsetS;
  const year = new Date((t + rule.stdOffsetS) * 1000).getUTCFullYear();
  // The latest transition at or before t among those of the neighbouring
  // years decides; that also covers southern-hemisphere rules (daylight
  // time across New Year) and all-year daylight time (start and end on
  // the same instant), where the start counts last.
  let latest = -Infinity;
  let inDst = false;
  for (let y = year - 1; y <= year + 1; y += 1) {
    const start = ruleDay(dst.start.date, y) + dst.start.timeS - rule.stdOffsetS;
    const end = ruleDay(dst.end.date, y) + dst.end.timeS - dst.offsetS;
    if (end <= t && end > latest) {
      latest = end;
      inDst = false;
    }
    if (start <= t && start >= latest) {
      latest = start;
      inDst = true;
    }
  }
  return inDst ? dst.offsetS : rule.stdOffsetS;
}

/** A time zone compiled from a TZif file: transitions, then the footer's rule. */
export class TzifZone {
  private constructor(
    /** Transition instants, in s since the epoch, ascending. */
    private readonly transitions: Float64Array,
    /** Local time type in force from each transition on. */
    private readonly types: readonly LocalTimeType[],
    private readonly typeAfter: Uint8Array,
    private readonly footer: PosixTzRule | undefined,
  ) {}

  /**
   * Reads a TZif file of any version. Version 2 and later carry 64-bit
   * transition times and a footer rule for instants after the last
   * transition; version 1 files carry 32-bit times only.
   * @throws Error when the data is not a TZif file this can read, or holds
   *   leap seconds (a `right/` zone: its clock is not UTC's).
   */
  static parse(data: Uint8Array): TzifZone {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const header = (at: number) => {
      if (data.byteLength < at + 44 || String.fromCharCode(...data.subarray(at, at + 4)) !== 'TZif') {
        throw new Error('not a TZif file');
      }
      const count = (k: number) => view.getUint32(at + 20 + 4 * k);
      return {
        version: data[at + 4]!,
        isutcnt: count(0),
        isstdcnt: count(1),
        leapcnt: count(2),
        timecnt: count(3),
        typecnt: count(4),
        charcnt: count(5),
      };
    };
    const blockLength = (h: ReturnType<typeof header>, timeSize: number): number =>
      h.timecnt * timeSize +
      h.timecnt +
      h.typecnt * 6 +
      h.charcnt +
      h.leapcnt * (timeSize + 4) +
      h.isstdcnt +
      h.isutcnt;

    const v1 = header(0);
    let h = v1;
    let at = 44;
    let timeSize = 4;
    if (v1.version !== 0) {
      // Version 2+: skip the 32-bit block to the second header and its 64-bit data.
      const second = 44 + blockLength(v1, 4);
      h = header(second);
      at = second + 44;
      timeSize = 8;
    }
    if (h.leapcnt > 0) throw new Error('TZif file counts leap seconds');
    if (h.typecnt === 0) throw new Error('TZif file has no local time types');
    if (data.byteLength < at + blockLength(h, timeSize)) throw new Error('TZif file is truncated');

    const transitions = new Float64Array(h.timecnt);
    for (let k = 0; k < h.timecnt; k += 1) {
      transitions[k] = timeSize === 8 ? Number(view.getBigInt64(at + 8 * k)) : view.getInt32(at + 4 * k);
    }
    at += h.timecnt * timeSize;
    const typeAfter = data.slice(at, at + h.timecnt);
    at += h.timecnt;
    const types: LocalTimeType[] = [];
    for (let k = 0; k < h.typecnt; k += 1) {
      types.push({ utoffS: view.getInt32(at + 6 * k), isDst: data[at + 6 * k + 4] !== 0 });
    }
    for (const type of typeAfter) if (type >= h.typecnt) throw new Error('TZif transition names no type');
    at += h.typecnt * 6 + h.charcnt + h.isstdcnt + h.isutcnt;

    let footer: PosixTzRule | undefined;
    if (timeSize === 8 && data[at] === 0x0a) {
      const end = data.indexOf(0x0a, at + 1);
      if (end < 0) throw new Error('TZif footer is not terminated');
      const text = String.fromCharCode(...data.subarray(at + 1, end));
      // An empty footer means no rule: the last transition's type stays.
      if (text !== '') footer = parsePosixTz(text);
    }
    return new TzifZone(transitions, types, typeAfter, footer);
  }

  /** Offset east of UTC, in ms, at instant `ms` (ms since the epoch). */
  offsetAt(ms: number): number {
    const t = Math.floor(ms / 1000);
    const n = this.transitions.length;
    // Before the first transition: type 0 (RFC 8536 3.2). After the last, or
    // with none: the footer's rule when there is one.
    if (n === 0 || t >= this.transitions[n - 1]!) {
      if (this.footer) return posixOffsetAt(this.footer, t) * 1000;
      return this.types[n === 0 ? 0 : this.typeAfter[n - 1]!]!.utoffS * 1000;
    }
    if (t < this.transitions[0]!) return this.types[0]!.utoffS * 1000;
    let lo = 0;
    let hi = n - 1;
    // Invariant: transitions[lo] <= t < transitions[hi].
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if (this.transitions[mid]! <= t) lo = mid;
      else hi = mid;
    }
    return this.types[this.typeAfter[lo]!]!.utoffS * 1000;
  }
}
