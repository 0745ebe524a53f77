import type { OptionSpecs } from '../options.js';

/** Options of the `dns` probe. */
export interface DnsOptions {
  /** Name to resolve; `''` resolves the collector's host name. */
  name: string;
  /** Resolvers to ask directly besides the system's, comma-separated addresses (`ip` or `ip:port`). */
  resolvers: string;
  /** Lookups per resolver. */
  count: number;
  /** How long one lookup may take, in seconds. */
  timeout_s: number;
}

/** Specs of {@link DnsOptions}, with defaults and the reasons for them. */
export const dnsOptionSpecs: OptionSpecs<DnsOptions> = {
  name: {
    type: 'string',
    default: '',
    maxLength: 253,
    description:
      "Name to resolve; empty resolves the collector's host name (with a collector addressed by IP, nothing: one skipped result says so).",
  },
  resolvers: {
    type: 'string',
    default: '',
    maxLength: 1024,
    description:
      'Resolvers to ask directly besides the system resolver, comma-separated (e.g. "10.0.0.53,1.1.1.1:53").',
  },
  count: {
    type: 'integer',
    // 5: the first lookup may miss the resolver's cache, the rest show its
    // answer time; the median of 5 ignores one slow outlier.
    default: 5,
    minimum: 1,
    maximum: 50,
    description: 'Lookups per resolver; the median is reported, and the first on its own.',
  },
  timeout_s: {
    type: 'number',
    // 5 s: the resolver timeout glibc uses by default (resolv.conf(5)).
    default: 5,
    minimum: 0.5,
    maximum: 30,
    description: 'How long one lookup may take, in seconds.',
  },
};
