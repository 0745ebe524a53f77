import { ErrorCodes, SkolnetError } from '@skolnet/shared/core';
import { resolveOptions, type OptionSpecs } from '../options.js';

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

/** Checks the options a registry entry received and returns them typed. */
export function resolveWifiOptions(raw: unknown): WifiOptions {
  const options = resolveOptions('wifi', wifiOptionSpecs, raw);
  if (!(ROOM_USES as readonly string[]).includes(options.room_use)) {
    throw new SkolnetError(
      ErrorCodes.CONFIG_INVALID,
      `probes.wifi.room_use: expected one of ${ROOM_USES.join(', ')}, got ${JSON.stringify(options.room_use)}`,
    );
  }
  return options;
}
