import type { OptionSpecs } from '../options.js';

/** Values of `room_use`: a room where lessons take place, or any other room (corridor, office, hall). */
export const ROOM_USES = ['teaching', 'other'] as const;
/** One of {@link ROOM_USES}. */
export type RoomUse = (typeof ROOM_USES)[number];

/** Options of the `wifi` probe. */
export interface WifiOptions {
  /** Room this agent stands in; tags every result (`room`). `''` leaves results untagged. */
  room: string;
  /** `teaching` or `other`; tags results that have a room (`room_use`). */
  room_use: string;
  /** Scan for visible networks, not only read the current connection. */
  scan: boolean;
}

/** Specs of {@link WifiOptions}. */
export const wifiOptionSpecs: OptionSpecs<WifiOptions> = {
  room: {
    type: 'string',
    default: '',
    // The tag value limit of a result (ResultLimits.maxTagValueChars) is 256; room names are short.
    maxLength: 100,
    description:
      'Room this machine is in (a lab PC: "Lab 2"); tags every result so coverage is counted per room. Empty: no room.',
  },
  room_use: {
    type: 'string',
    default: 'teaching',
    maxLength: 16,
    description:
      'teaching (lessons take place here, counts towards coverage) or other (corridor, office, hall).',
  },
  scan: {
    type: 'boolean',
    default: true,
    description: 'Scan for visible networks; false reads only the current connection.',
  },
};
