import { startCollector, type RunningCollector } from '@skolnet/collector';

/**
 * Starts a collector on a free loopback port with its data in `dataDir`,
 * as tests that enroll and run real agents against it want one: no log
 * output and no dashboard assets.
 */
export function startTestCollector(dataDir: string): Promise<RunningCollector> {
  return startCollector({ host: '127.0.0.1', port: 0, dataDir, logger: false, dashboardAssets: false });
}
