/**
 * A school built in network namespaces, for the probes' integration tests
 * and the accuracy benchmark:
 *
 * ```
 *  school 10.77.1.10 ─┐                       ┌─ WAN, shaped (tbf) both ways,
 *                     ├─ br0 [router] wan0 ───┤  loss (nft) school→ministry
 *  lanpeer 10.77.1.20 ┘ 10.77.1.1   10.77.2.1 └─ ministry 10.77.2.2 (collector)
 * ```
 *
 * Every address is inside namespaces this module creates, and every
 * namespace is deleted by {@link SchoolLab.destroy}; nothing touches the
 * host's own interfaces or routes.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { basename } from 'node:path';
import { RunningProcess } from '../support/processes.js';

/** Addresses in the lab (RFC 1918 space, only ever inside the lab's namespaces). */
export const LabAddresses = {
  school: '10.77.1.10',
  lanPeer: '10.77.1.20',
  routerLan: '10.77.1.1',
  routerWan: '10.77.2.1',
  ministry: '10.77.2.2',
} as const;

/** Why the lab cannot be built here, or undefined when it can (root, ip, tc, nft). */
export function labMissingReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root: network namespaces need CAP_NET_ADMIN';
  for (const [cmd, args] of [
    ['ip', ['-V']],
    ['tc', ['-V']],
    ['nft', ['--version']],
  ] as const) {
    try {
      execFileSync(cmd, [...args], { stdio: 'ignore' });
    } catch {
      return `${cmd} is not installed (apt-get install iproute2 nftables)`;
    }
  }
  return undefined;
}

/**
 * tbf parameters for a rate, documented in docs/measurement.md:
 * - burst: 4 ms of the rate, at least 10 full frames. tbf refills its
 *   bucket on dequeue with ns-resolution time, but a burst below one
 *   timer tick's worth of data (rate/HZ; HZ is 250 on Debian kernels, so
 *   4 ms) starves the queue at high rates; 10 frames keeps a 10 Mbit/s
 *   shaper from being smaller than one TSO burst after segmentation.
 * - limit: burst plus 20 ms of queue at the rate, at least 64 KiB: enough
 *   standing queue that four TCP flows on a sub-millisecond lab RTT never
 *   let the link idle, small enough to keep latency under load readable.
 */
export function tbfParameters(mbps: number): { rate: string; burst: number; limit: number } {
  const bytesPerS = (mbps * 1e6) / 8;
  const burst = Math.max(Math.ceil(bytesPerS * 0.004), 10 * 1514);
  const limit = Math.max(burst + Math.ceil(bytesPerS * 0.02), 64 * 1024);
  return { rate: `${mbps}mbit`, burst, limit };
}

let labCounter = 0;

/** A built lab. */
export class SchoolLab {
  /** Namespace names. */
  readonly ns: { school: string; router: string; ministry: string; lanPeer: string };
  private readonly children = new Set<ChildProcess>();

  private constructor(prefix: string) {
    this.ns = {
      school: `${prefix}s`,
      router: `${prefix}r`,
      ministry: `${prefix}m`,
      lanPeer: `${prefix}p`,
    };
  }

  /** Builds the namespaces, links and routes; unshaped and lossless until told otherwise. */
  static create(): SchoolLab {
    labCounter += 1;
    const lab = new SchoolLab(`skl${process.pid}x${labCounter}`);
    try {
      lab.build();
    } catch (err) {
      lab.destroy();
      throw err;
    }
    return lab;
  }

  private build(): void {
    const { school, router, ministry, lanPeer } = this.ns;
    const A = LabAddresses;
    for (const ns of [school, router, ministry, lanPeer]) {
      ip('netns', 'add', ns);
      ip('-n', ns, 'link', 'set', 'lo', 'up');
    }
    ip('-n', router, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', router, 'addr', 'add', `${A.routerLan}/24`, 'dev', 'br0');
    ip('-n', router, 'link', 'set', 'br0', 'up');
    for (const [ns, port, addr] of [
      [school, 'p-school', A.school],
      [lanPeer, 'p-peer', A.lanPeer],
    ] as const) {
      ip('-n', ns, 'link', 'add', 'lan0', 'type', 'veth', 'peer', 'name', port, 'netns', router);
      ip('-n', ns, 'addr', 'add', `${addr}/24`, 'dev', 'lan0');
      ip('-n', ns, 'link', 'set', 'lan0', 'up');
      ip('-n', ns, 'route', 'add', 'default', 'via', A.routerLan);
      ip('-n', router, 'link', 'set', port, 'master', 'br0');
      ip('-n', router, 'link', 'set', port, 'up');
    }
    ip('-n', router, 'link', 'add', 'wan0', 'type', 'veth', 'peer', 'name', 'wan0', 'netns', ministry);
    ip('-n', router, 'addr', 'add', `${A.routerWan}/24`, 'dev', 'wan0');
    ip('-n', router, 'link', 'set', 'wan0', 'up');
    ip('-n', ministry, 'addr', 'add', `${A.ministry}/24`, 'dev', 'wan0');
    ip('-n', ministry, 'link', 'set', 'wan0', 'up');
    ip('-n', ministry, 'route', 'add', '10.77.1.0/24', 'via', A.routerWan);
    // /proc/sys/net is per namespace; sh rather than sysctl, which procps may not provide.
    run('ip', ['netns', 'exec', router, 'sh', '-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward']);
  }

  /**
   * Shapes the WAN link to `mbps` in both directions with tbf (router's
   * wan0 egress: upload; ministry's wan0 egress: download), or removes the
   * shaping with `undefined`.
   */
  shape(mbps: number | undefined): void {
    for (const ns of [this.ns.router, this.ns.ministry]) {
      try {
        run('tc', ['-n', ns, 'qdisc', 'del', 'dev', 'wan0', 'root']);
      } catch {
        // No qdisc of ours yet.
      }
      if (mbps === undefined) continue;
      const p = tbfParameters(mbps);
      run('tc', [
        '-n',
        ns,
        'qdisc',
        'add',
        'dev',
        'wan0',
        'root',
        'tbf',
        'rate',
        p.rate,
        'burst',
        String(p.burst),
        'limit',
        String(p.limit),
      ]);
    }
  }

  /**
   * Shapes the school machine's own link (its LAN port on the router's
   * bridge and its lan0) to `mbps` in both directions, standing in for a
   * slow Wi-Fi or a 100 Mbit/s switch port; `undefined` removes it.
   */
  shapeLan(mbps: number | undefined): void {
    for (const [ns, dev] of [
      [this.ns.router, 'p-school'],
      [this.ns.school, 'lan0'],
    ] as const) {
      try {
        run('tc', ['-n', ns, 'qdisc', 'del', 'dev', dev, 'root']);
      } catch {
        // No qdisc of ours yet.
      }
      if (mbps === undefined) continue;
      const p = tbfParameters(mbps);
      run('tc', [
        '-n',
        ns,
        'qdisc',
        'add',
        'dev',
        dev,
        'root',
        'tbf',
        'rate',
        p.rate,
        'burst',
        String(p.burst),
        'limit',
        String(p.limit),
      ]);
    }
  }

  /**
   * Drops `pct` % of packets going from the school LAN to the WAN, chosen
   * at random per packet by nft's `numgen random`; 0 removes the rule. One
   * direction only, so an echo request is lost with probability pct and a
   * reply never is: the ping loss to expect is exactly pct.
   */
  setLoss(pct: number): void {
    const ns = this.ns.router;
    try {
      run('ip', ['netns', 'exec', ns, 'nft', 'delete', 'table', 'inet', 'skolnet_lab']);
    } catch {
      // No table yet.
    }
    if (pct <= 0) return;
    const rules = [
      'table inet skolnet_lab {',
      '  chain forward {',
      '    type filter hook forward priority 0; policy accept;',
      `    iifname "br0" oifname "wan0" numgen random mod 100 < ${Math.round(pct)} drop`,
      '  }',
      '}',
    ].join('\n');
    execFileSync('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: rules });
  }

  /** Starts `node args…` inside namespace `ns`; killed by {@link destroy} at the latest. */
  startNode(ns: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): RunningProcess {
    return this.start(ns, process.execPath, args, env);
  }

  /** Starts any program inside namespace `ns`; killed by {@link destroy} at the latest. */
  start(ns: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): RunningProcess {
    const child = spawn('ip', ['netns', 'exec', ns, command, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return new RunningProcess(`${ns}:${basename(command)}`, child);
  }

  /** Runs `node args…` inside namespace `ns` to its end. */
  async runNode(
    ns: string,
    args: readonly string[],
    timeoutMs = 300_000,
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const p = this.startNode(ns, args);
    const timer = setTimeout(() => p.child.kill('SIGKILL'), timeoutMs);
    const [code] = (await once(p.child, 'exit')) as [number | null];
    clearTimeout(timer);
    return { code, stdout: p.stdout, stderr: p.stderr };
  }

  /** Runs any program inside namespace `ns` and returns its stdout. */
  exec(ns: string, command: string, args: readonly string[], timeoutMs = 120_000): string {
    return execFileSync('ip', ['netns', 'exec', ns, command, ...args], {
      encoding: 'utf8',
      timeout: timeoutMs,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  /** Kills what was started and deletes every namespace (and with them all links, qdiscs and rules). */
  destroy(): void {
    for (const child of this.children) child.kill('SIGKILL');
    for (const ns of Object.values(this.ns)) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // Never created.
      }
    }
  }
}

function ip(...args: string[]): void {
  run('ip', args);
}

function run(command: string, args: readonly string[]): void {
  execFileSync(command, [...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}
