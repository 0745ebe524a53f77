import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandWorks } from '../support/real-component.js';

/** SNMPv2c community the lab's snmpd answers to. */
export const LAB_COMMUNITY = 'skolnet-lab-ro';
/** SNMPv3 user of the lab's snmpd (SHA-256 authentication, AES-128 privacy). */
export const LAB_V3 = {
  user: 'skolnet-lab',
  authKey: 'lab-auth-key-1',
  privKey: 'lab-priv-key-1',
} as const;
/** sysName and sysLocation the lab's snmpd reports. */
export const LAB_SYS = { name: 'lab-router', location: 'Room 101, Lab school' } as const;

/** Why the SNMP lab cannot run here, or undefined when it can. */
export function snmpLabMissing(): string | undefined {
  if (process.getuid?.() !== 0) return 'root (network namespaces)';
  if (!commandWorks('ip', ['netns', 'list'])) return 'iproute2 `ip netns`';
  if (!commandWorks('snmpd', ['-v'])) return 'snmpd (apt-get install snmpd)';
  return undefined;
}

/** A namespace with snmpd listening on one or more addresses of a /24 reached over a veth pair. */
export interface SnmpLab {
  ns: string;
  /** Addresses snmpd answers on. */
  agents: string[];
  /** The /24 the namespace's addresses are in, e.g. `10.231.7.0/24`. */
  subnet: string;
  /** The namespace-side veth interface name. */
  nsIf: string;
  stop(): void;
}

function sh(args: string[]): void {
  execFileSync(args[0] ?? '', args.slice(1), { stdio: 'pipe' });
}

/**
 * Builds `skolnet-snmp-<pid>-<tag>`: a veth pair whose root-side end gets
 * `.1` of a 10.x /24 chosen from the pid, the namespace end `.2` … and a
 * few dummy interfaces, then starts snmpd inside with a v2c community and
 * a v3 authPriv user. All traffic of the tests stays on these addresses.
 */
export async function startSnmpLab(tag: string, responders = 1): Promise<SnmpLab> {
  const ns = `skolnet-snmp-${process.pid}-${tag}`;
  const octet = (process.pid % 200) + (tag === 'bench' ? 20 : tag.length % 20);
  const net = `10.231.${octet}`;
  const hostIf = `vs${process.pid % 100000}${tag.slice(0, 2)}`;
  const nsIf = 'lan0';
  const dir = mkdtempSync(join(tmpdir(), 'skolnet-snmpd-'));
  let child: ChildProcess | undefined;
  const stop = (): void => {
    if (child?.pid && child.exitCode === null) child.kill('SIGTERM');
    for (const cmd of [
      ['ip', 'link', 'del', hostIf],
      ['ip', 'netns', 'del', ns],
    ]) {
      try {
        sh(cmd);
      } catch {
        // Already gone.
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    sh(['ip', 'netns', 'add', ns]);
    sh(['ip', 'link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf, 'netns', ns]);
    sh(['ip', 'addr', 'add', `${net}.1/24`, 'dev', hostIf]);
    sh(['ip', 'link', 'set', hostIf, 'up']);
    sh(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
    const agents: string[] = [];
    for (let i = 0; i < responders; i++) {
      agents.push(`${net}.${i + 2}`);
      sh(['ip', '-n', ns, 'addr', 'add', `${net}.${i + 2}/24`, 'dev', nsIf]);
    }
    sh(['ip', '-n', ns, 'link', 'set', nsIf, 'up']);
    // A default route out of lan0 makes snmpd report it, as a router would.
    sh(['ip', '-n', ns, 'route', 'add', 'default', 'via', `${net}.1`, 'dev', nsIf]);
    sh(['ip', 'netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    // Two more interfaces, both ends inside the namespace (no dummy module needed).
    sh(['ip', '-n', ns, 'link', 'add', 'wlan-ap0', 'type', 'veth', 'peer', 'name', 'sw-port2']);
    for (const d of ['wlan-ap0', 'sw-port2']) sh(['ip', '-n', ns, 'link', 'set', d, 'up']);
    const conf = join(dir, 'snmpd.conf');
    writeFileSync(
      conf,
      [
        `agentaddress ${agents.map((a) => `udp:${a}:161`).join(',')}`,
        `rocommunity ${LAB_COMMUNITY} ${net}.0/24`,
        `createUser ${LAB_V3.user} SHA-256 "${LAB_V3.authKey}" AES "${LAB_V3.privKey}"`,
        `rouser ${LAB_V3.user} priv`,
        `sysName ${LAB_SYS.name}`,
        `sysLocation ${LAB_SYS.location}`,
        'sysContact it@lab.example',
        'sysServices 76',
        'master no',
        '',
      ].join('\n'),
    );
    chmodSync(conf, 0o600);
    child = spawn(
      'ip',
      [
        'netns',
        'exec',
        ns,
        'snmpd',
        '-f',
        '-C',
        '-c',
        conf,
        '-Lf',
        join(dir, 'snmpd.log'),
        '-p',
        join(dir, 'pid'),
      ],
      { stdio: 'ignore', env: { ...process.env, SNMP_PERSISTENT_DIR: dir, MIBS: '' } },
    );
    await waitForAgent(ns, agents[0] ?? '');
    return { ns, agents, subnet: `${net}.0/24`, nsIf, stop };
  } catch (err) {
    stop();
    throw err;
  }
}

/** Polls snmpd with snmpget until it answers (a few hundred ms after start). */
async function waitForAgent(_ns: string, address: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    try {
      execFileSync(
        'snmpget',
        ['-v2c', '-c', LAB_COMMUNITY, '-t', '0.3', '-r', '0', address, '1.3.6.1.2.1.1.5.0'],
        {
          stdio: 'pipe',
        },
      );
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`snmpd on ${address} did not answer within 15 s`);
}
