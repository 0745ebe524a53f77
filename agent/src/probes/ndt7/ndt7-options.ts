import type { OptionSpecs } from '../options.js';

/** Options of the `ndt7` probe. */
export interface Ndt7Options {
  /** Server base URL (`ws://`, `wss://`, `http://` or `https://` host and port); `''` uses the collector. */
  server: string;
  /** Full download URL, e.g. one the M-Lab locate service returned with its access token; overrides `server`. */
  download_url: string;
  /** Full upload URL; overrides `server`. */
  upload_url: string;
  /** How long the upload sends, in seconds. */
  duration_s: number;
  /** How long a test may take beyond its duration before it is cut, in seconds. */
  timeout_s: number;
}

/** Specs of {@link Ndt7Options}, with defaults and the reasons for them. */
export const ndt7OptionSpecs: OptionSpecs<Ndt7Options> = {
  server: {
    type: 'string',
    default: '',
    maxLength: 2048,
    description:
      'ndt7 server base URL (ws://, wss://, http:// or https://); empty measures against the collector.',
  },
  download_url: {
    type: 'string',
    default: '',
    maxLength: 4096,
    description: 'Full ndt7 download URL (e.g. from M-Lab locate, with access_token); overrides server.',
  },
  upload_url: {
    type: 'string',
    default: '',
    maxLength: 4096,
    description: 'Full ndt7 upload URL (e.g. from M-Lab locate, with access_token); overrides server.',
  },
  duration_s: {
    type: 'number',
    // 10 s: the ndt7 spec's test length; servers close a test after ~15 s.
    default: 10,
    minimum: 1,
    maximum: 15,
    description: 'How long the upload sends, in seconds (the server decides the download length).',
  },
  timeout_s: {
    type: 'number',
    default: 10,
    minimum: 1,
    maximum: 60,
    description: 'How long to wait beyond the test length for connecting and closing, in seconds.',
  },
};
