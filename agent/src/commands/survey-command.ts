import { createInterface } from 'node:readline';
import type { AssessReport, Measurement, Result } from '@skolnet/shared/core';
import { ErrorCodes, SkolnetError, describeError, isSkolnetError, parseDuration } from '@skolnet/shared/core';
import { SqliteOutbox } from '../outbox/sqlite-outbox.js';
import type { ProbeContext } from '../probes/probe.js';
import { FAIR_SIGNAL_DBM, VERDICT_TEXT, signalBar, signalVerdict } from '../probes/wifi/signal-verdict.js';
import type { WifiScanResult } from '../probes/wifi/wifi-measurements.js';
import { ROOM_USES } from '../probes/wifi/wifi-options.js';
import { cannotScanRemedy } from '../probes/wifi/wifi-remedy.js';
import { toResult } from '../runtime/measurement-accumulator.js';
import { runProbe } from '../runtime/probe-runner.js';
import { createAgentState } from '../state/agent-state.js';
import type { CommandContext } from './command-context.js';
import { EXIT_OK, badArgument, waitForStop } from './command-context.js';
import { formatResultTable } from './result-table.js';

/** Options of `skolnet-agent survey`. */
export interface SurveyOptions {
  /** Survey this one room and stop, without asking (scripted use). */
  room?: string;
  /** `teaching` or `other`, for `--room`; asked interactively otherwise. */
  roomUse?: string;
  /** Samples per room. */
  samples?: string;
  /** Pause between samples, e.g. `2s`. */
  interval?: string;
  /** Print `{"results": [...]}` on stdout. */
  json?: boolean;
  state?: string;
}

/** Seams of the survey beyond the command context, for tests. */
export interface SurveyDeps {
  /** Where answers come from; default stdin. */
  input?: NodeJS.ReadableStream;
  /** Waits between samples; default a timer that the stop signal cuts short. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** The platform whose remedies to give when it cannot scan; default this host's. */
  platform?: NodeJS.Platform;
}

/**
 * Scan results that no walking changes: the tool is missing or refuses,
 * there is no Wi-Fi interface, or scanning needs root. One such sample
 * ends the survey instead of asking for more rooms.
 */
const CANNOT_SCAN: ReadonlySet<unknown> = new Set(['unavailable', 'no_interface', 'needs_privileges']);

/**
 * Whether a sample measured anything: a scan that ran, or a connection
 * whose signal was read (iw reads the link without root). A sample that
 * measured nothing is not stored: a room-tagged "unavailable" would count
 * as a room where nothing was heard.
 */
export function sampleMeasured(measurements: readonly Measurement[]): boolean {
  return measurements.some(
    (m) =>
      (m.measurement === 'wifi_scan' && m.fields['result'] === 'success') ||
      (m.measurement === 'wifi_link' && m.fields['result'] === 'connected'),
  );
}

/**
 * Samples per room by default: 5 samples 2 s apart take about half a
 * minute per room with the scans, and the weakest of 5 is the weakest-10 %
 * figure the collector uses (nearest rank of fewer than 10 is the minimum).
 */
export const DEFAULT_SURVEY_SAMPLES = 5;
/** Most samples per room: a walk, not a logging session. */
const MAX_SURVEY_SAMPLES = 50;
/** Pause between samples by default, in ms: lets the laptop roam and the radio rescan. */
export const DEFAULT_SURVEY_INTERVAL_MS = 2_000;
/** Longest room name, in characters (the `room` option's limit). */
const MAX_ROOM_CHARS = 100;

const sleepFor = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/** Checks a room name and use. @throws SkolnetError `SKOLNET_CLI_BAD_ARGUMENT` */
export function checkRoom(room: string, roomUse: string): void {
  if (room.trim() === '' || room.length > MAX_ROOM_CHARS)
    badArgument(`room name must be 1 to ${MAX_ROOM_CHARS} characters`);
  if (!(ROOM_USES as readonly string[]).includes(roomUse))
    badArgument(`--room-use must be one of ${ROOM_USES.join(', ')}, got "${roomUse}"`);
}

/**
 * The signal a person in the room cares about in one sample: the current
 * connection's, else the strongest BSS of the network it is connected to,
 * else the strongest network heard. With what it is and where.
 */
export function sampleSignal(measurements: readonly Measurement[]): { rssi: number | null; what: string } {
  const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
  const link = measurements.find((m) => m.measurement === 'wifi_link' && m.fields['result'] === 'connected');
  const where = (m: Measurement): string => {
    const band = num(m.fields['band_ghz']);
    const channel = num(m.fields['channel']);
    return [
      m.tags['ssid'] ?? 'hidden',
      band === null ? '' : `${band} GHz`,
      channel === null ? '' : `ch ${channel}`,
    ]
      .filter((s) => s !== '')
      .join(', ');
  };
  if (link && num(link.fields['rssi_dbm']) !== null)
    return { rssi: num(link.fields['rssi_dbm']), what: where(link) };
  const networks = measurements.filter(
    (m) => m.measurement === 'wifi_network' && num(m.fields['rssi_dbm']) !== null,
  );
  const ssid = link?.tags['ssid'];
  const pool = ssid ? networks.filter((m) => m.tags['ssid'] === ssid) : networks;
  const best = [...(pool.length > 0 ? pool : networks)].sort(
    (a, b) => (num(b.fields['rssi_dbm']) ?? 0) - (num(a.fields['rssi_dbm']) ?? 0),
  )[0];
  if (!best) return { rssi: null, what: 'no network heard' };
  return { rssi: num(best.fields['rssi_dbm']), what: `${where(best)}${link ? '' : ', not connected'}` };
}

/** One line with a bar and a verdict, for a person walking the school. */
export function formatSignalLine(label: string, rssi: number | null, what: string): string {
  const value = rssi === null ? '   -- dBm' : `${String(Math.round(rssi)).padStart(4)} dBm`;
  return `${label}  ${signalBar(rssi)} ${value}  ${VERDICT_TEXT[signalVerdict(rssi)]}  (${what})\n`;
}

/**
 * Where survey and import results go: into the outbox of an enrolled agent
 * (a running `skolnet-agent run` sends them within seconds), or, when
 * the agent is not enrolled, only onto stdout. Either way stdout gets a
 * table, or `{"results": [...]}` with `--json`.
 */
export function deliverResults(
  measurements: readonly Measurement[],
  options: { json?: boolean; state?: string },
  ctx: CommandContext,
): void {
  const state = createAgentState({ ...(options.state ? { flag: options.state } : {}), env: ctx.env });
  let owner: { agent_id: string; school_id: string } | undefined;
  try {
    const c = state.readCredentials();
    owner = { agent_id: c.agent_id, school_id: c.school_id };
  } catch (err) {
    if (!isSkolnetError(err, ErrorCodes.ENROLL_MISSING)) throw err;
  }
  if (owner) {
    const results: Result[] = [];
    for (const m of measurements) {
      const r = toResult(m, owner);
      if (r.ok) results.push(r.result);
      else ctx.io.stderr(`skipped a result: ${describeError(r.error)}\n`);
    }
    const outbox = new SqliteOutbox(state.outboxFile);
    try {
      outbox.append(results);
    } finally {
      outbox.close();
    }
    ctx.io.stderr(
      `stored ${results.length} results in the outbox (${state.outboxFile}); a running skolnet-agent run sends them within seconds, else the next one does\n`,
    );
  } else {
    ctx.io.stderr(`not enrolled (no credentials in ${state.dir}): results printed, not stored\n`);
  }
  if (options.json) {
    const report: AssessReport = { results: [...measurements] };
    ctx.io.stdout(`${JSON.stringify(report)}\n`);
  } else {
    ctx.io.stdout(formatResultTable(measurements));
  }
}

/**
 * `skolnet-agent survey`: a walk through the school. Asks for a room (or
 * takes `--room`), takes several `wifi` samples there, shows each as a bar
 * with a verdict and the room's weakest sample, and stores the room-tagged
 * results (see {@link deliverResults}). An empty room name or end of input
 * ends the walk. Prompts and bars go to stderr; stdout carries only results.
 */
export async function runSurveyCommand(
  options: SurveyOptions,
  ctx: CommandContext,
  deps: SurveyDeps = {},
): Promise<number> {
  const def = ctx.registry['wifi'];
  if (!def) badArgument('this agent has no wifi probe');
  const samples = options.samples === undefined ? DEFAULT_SURVEY_SAMPLES : Number(options.samples);
  if (!Number.isInteger(samples) || samples < 1 || samples > MAX_SURVEY_SAMPLES)
    badArgument(`--samples must be a whole number from 1 to ${MAX_SURVEY_SAMPLES}`);
  const intervalMs =
    options.interval === undefined ? DEFAULT_SURVEY_INTERVAL_MS : parseDuration(options.interval);
  if (intervalMs === undefined) badArgument(`--interval "${options.interval}": expected a duration like 2s`);
  if (options.room !== undefined) checkRoom(options.room, options.roomUse ?? 'teaching');
  const sleep = deps.sleep ?? sleepFor;

  const { stopped, dispose } = waitForStop(ctx.stopSignal);
  const stop = new AbortController();
  void stopped.then(() => stop.abort());
  const rl =
    options.room === undefined
      ? createInterface({ input: deps.input ?? process.stdin, terminal: false })
      : undefined;
  const answers = rl?.[Symbol.asyncIterator]();
  stop.signal.addEventListener('abort', () => rl?.close(), { once: true });
  const ask = async (question: string): Promise<string | undefined> => {
    ctx.io.stderr(question);
    const next = await answers?.next();
    return next === undefined || next.done ? undefined : next.value.trim();
  };

  const collected: Measurement[] = [];
  const runner = ctx.createRunner();
  let attempted = 0;
  let cannotScan: { result: WifiScanResult; error: string } | undefined;
  let lastFailure = '';
  try {
    walk: for (;;) {
      let room = options.room;
      let roomUse = options.roomUse ?? 'teaching';
      if (room === undefined) {
        room = await ask('\nRoom name (empty to finish): ');
        if (!room) break;
        const teaching = await ask('Lessons take place here? [Y/n]: ');
        if (teaching === undefined) break;
        roomUse = /^n/i.test(teaching) ? 'other' : 'teaching';
        try {
          checkRoom(room, roomUse);
        } catch (err) {
          ctx.io.stderr(`${describeError(err)}\n`);
          continue;
        }
      }
      ctx.io.stderr(`Surveying "${room}" (${roomUse}): ${samples} samples\n`);
      const probeCtx: ProbeContext = { runner, now: ctx.now };
      const probe = def.create(probeCtx, { room, room_use: roomUse });
      const readings: (number | null)[] = [];
      for (let i = 1; i <= samples && !stop.signal.aborted; i++) {
        const run = await runProbe({ name: 'wifi', probe, signal: stop.signal, now: ctx.now });
        if (run.failure) {
          ctx.io.stderr(`  sample ${i}/${samples} failed: ${describeError(run.failure)}\n`);
          continue;
        }
        attempted += 1;
        const scanResult = run.measurements.find((m) => m.measurement === 'wifi_scan');
        const result = scanResult?.fields['result'];
        const why = String(scanResult?.fields['error'] ?? '');
        if (!sampleMeasured(run.measurements)) {
          if (CANNOT_SCAN.has(result)) {
            cannotScan = { result: result as WifiScanResult, error: why };
            break walk;
          }
          lastFailure = `${String(result)}: ${why}`;
          ctx.io.stderr(`  sample ${i}/${samples} measured nothing (${lastFailure}): not stored\n`);
          if (i < samples) await sleep(intervalMs, stop.signal);
          continue;
        }
        collected.push(...run.measurements);
        if (result !== 'success') ctx.io.stderr(`  note: ${String(result)}: ${why}\n`);
        const { rssi, what } = sampleSignal(run.measurements);
        readings.push(rssi);
        ctx.io.stderr(formatSignalLine(`  sample ${i}/${samples}`, rssi, what));
        if (i < samples) await sleep(intervalMs, stop.signal);
      }
      if (readings.length > 0) {
        const weakest = readings.some((r) => r === null) ? null : Math.min(...readings.map((r) => r ?? 0));
        ctx.io.stderr(formatSignalLine(`  ${room}: weakest`, weakest, `${readings.length} samples`));
        if (weakest !== null && weakest < FAIR_SIGNAL_DBM)
          ctx.io.stderr('  this room needs an access point closer to it\n');
      }
      if (options.room !== undefined || stop.signal.aborted) break;
    }
  } finally {
    rl?.close();
    dispose();
  }
  const platform = deps.platform ?? process.platform;
  if (collected.length === 0 && attempted > 0) {
    const why = cannotScan
      ? `${cannotScan.result}: ${cannotScan.error}`
      : `no sample measured anything; the last: ${lastFailure}`;
    throw new SkolnetError(
      ErrorCodes.PROBE_UNAVAILABLE,
      `this machine cannot scan Wi-Fi (${why}). ${cannotScanRemedy(platform, cannotScan?.result ?? 'error')} Nothing was stored.`,
    );
  }
  if (cannotScan) {
    ctx.io.stderr(
      `this machine stopped scanning Wi-Fi (${cannotScan.result}: ${cannotScan.error}): ${cannotScanRemedy(platform, cannotScan.result)} The rooms measured before are kept.\n`,
    );
  }
  if (collected.length === 0) {
    ctx.io.stderr('no room surveyed: nothing stored\n');
    return EXIT_OK;
  }
  deliverResults(collected, options, ctx);
  return EXIT_OK;
}
