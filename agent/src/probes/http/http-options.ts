import type { OptionSpecs } from '../options.js';

/** Options of the `http` probe. */
export interface HttpOptions {
  /** URL to fetch; `''` fetches the collector's `/healthz`. */
  url: string;
  /** Fetches, each on a new connection. */
  count: number;
  /** How long one fetch may take, in seconds. */
  timeout_s: number;
}

/** Specs of {@link HttpOptions}, with defaults and the reasons for them. */
export const httpOptionSpecs: OptionSpecs<HttpOptions> = {
  url: {
    type: 'string',
    default: '',
    maxLength: 2048,
    description: "URL to fetch (http or https); empty fetches the collector's /healthz.",
  },
  count: {
    type: 'integer',
    // 5 fresh connections: the median ignores one slow handshake.
    default: 5,
    minimum: 1,
    maximum: 50,
    description: 'Fetches, each on a new connection; medians are reported.',
  },
  timeout_s: {
    type: 'number',
    default: 10,
    minimum: 1,
    maximum: 60,
    description: 'How long one fetch may take, in seconds.',
  },
};
