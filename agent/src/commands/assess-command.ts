import type { AssessReport, Measurement } from '@skolnet/shared/core';
import { describeError } from '@skolnet/shared/core';
import type { ProbeContext } from '../probes/probe.js';
import { errorMeasurement } from '../runtime/measurement-accumulator.js';
import { runProbe } from '../runtime/probe-runner.js';
import { createCollectorApi } from '../transport/collector-api.js';
import { parseCollectorUrl } from '../transport/collector-endpoint.js';
import type { CommandContext } from './command-context.js';
import { EXIT_OK, badArgument, selectProbes, waitForStop } from './command-context.js';
import { settingsWithConfig } from '../config/agent-config.js';
import { checkProbeSettings, parseProbeSettings } from './probe-settings.js';
import { formatResultTable } from './result-table.js';

/** Options of `skolnet-agent assess`. */
export interface AssessOptions {
  /** Base URL of the collector to measure against. */
  collector?: string;
  /** Comma-separated probe names. */
  only?: string;
  /** Print one JSON object (an `AssessReport`) instead of a table. */
  json?: boolean;
  /** `PROBE.OPTION=VALUE` entries, e.g. `latency.count=20`. */
  set?: string[];
  /** Agent config file (YAML): snmp targets and credentials, probe options. */
  config?: string;
}

/**
 * One-shot assessment without enrollment: runs the selected probes in turn
 * and prints what they measured. A probe that fails becomes a result with
 * `result: "error"`, so the report is complete and the exit status is 0.
 * A `--collector` that does not answer its health check exits 2 (through
 * `SKOLNET_NET_UNREACHABLE`) whichever probes were chosen.
 * stdout carries only the report; progress goes to stderr.
 */
export async function runAssessCommand(options: AssessOptions, ctx: CommandContext): Promise<number> {
  const names = selectProbes(ctx.registry, options.only);
  const cliSettings = parseProbeSettings(options.set ?? [], ctx.registry);
  checkProbeSettings(names, cliSettings, ctx.registry);
  const settings = settingsWithConfig(options.config, names, cliSettings, ctx.registry, (w) =>
    ctx.io.stderr(`warning: ${w}\n`),
  );
  const collectorUrl = options.collector === undefined ? undefined : parseCollectorUrl(options.collector);
  const needing = names.filter((n) => ctx.registry[n]?.needsCollector);
  // One rule whichever probes are chosen: a collector named but unreachable
  // exits 2 before anything is measured (latency and http measure against
  // it too, and would only have reported timeouts after their full run).
  if (needing.length > 0 || collectorUrl) {
    if (!collectorUrl) {
      const others = names.filter((n) => !needing.includes(n));
      badArgument(
        `${needing.length > 1 ? `probes ${needing.join(', ')} need` : `probe ${needing.join('')} needs`} --collector URL` +
          (others.length > 0 ? ` (or run without it: --only ${others.join(',')})` : ''),
      );
    }
    const api = createCollectorApi({ baseUrl: collectorUrl });
    try {
      await api.checkHealth();
    } finally {
      await api.close();
    }
  }

  const { stopped, dispose } = waitForStop(ctx.stopSignal);
  const stop = new AbortController();
  void stopped.then(() => stop.abort());
  const measurements: Measurement[] = [];
  try {
    const runner = ctx.createRunner();
    for (const [i, name] of names.entries()) {
      if (stop.signal.aborted) break;
      const def = ctx.registry[name];
      if (!def) continue;
      ctx.io.stderr(`[${i + 1}/${names.length}] ${name}…\n`);
      const probeCtx: ProbeContext = {
        runner,
        now: ctx.now,
        progress: (message) => ctx.io.stderr(`      ${message.replace(/\n/g, ' ')}\n`),
      };
      if (collectorUrl) probeCtx.collectorUrl = collectorUrl;
      let probe;
      try {
        probe = def.create(probeCtx, settings[name]);
      } catch (err) {
        // create() itself threw (bad options, missing platform support).
        measurements.push(errorMeasurement(name, err, ctx.now()));
        ctx.io.stderr(`      ${name} failed: ${describeError(err)}\n`);
        continue;
      }
      const run = await runProbe({ name, probe, signal: stop.signal, now: ctx.now });
      measurements.push(...run.measurements);
      for (const err of run.errors) ctx.io.stderr(`      ${name} warning: ${describeError(err)}\n`);
      if (run.failure) {
        measurements.push(errorMeasurement(name, run.failure, ctx.now()));
        ctx.io.stderr(`      ${name} failed: ${describeError(run.failure)}\n`);
      }
    }
  } finally {
    dispose();
  }

  if (options.json) {
    const report: AssessReport = { results: measurements };
    ctx.io.stdout(`${JSON.stringify(report)}\n`);
  } else {
    ctx.io.stdout(formatResultTable(measurements));
  }
  return EXIT_OK;
}
