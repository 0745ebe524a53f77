/** The default gateway as the routing table gives it. */
export interface DefaultGateway {
  /** Gateway address (IPv4 here: the commands below list the IPv4 table). */
  address: string;
  /** Interface the route goes out of when the output names it (on Windows, its address). */
  iface?: string;
}

/**
 * The command that lists the default route on `platform`, or `undefined`
 * where discovery is not implemented (set the `gateway` option there).
 */
export function defaultRouteCommand(
  platform: NodeJS.Platform,
): { command: string; args: string[] } | undefined {
  switch (platform) {
    case 'linux':
      return { command: 'ip', args: ['route', 'show', 'default'] };
    case 'darwin':
      return { command: 'route', args: ['-n', 'get', 'default'] };
    case 'win32':
      return { command: 'route', args: ['print', '0.0.0.0'] };
    default:
      return undefined;
  }
}

// `default via 10.20.0.1 dev v0 proto dhcp src 10.20.0.23 metric 600`. A
// `default dev ppp0` route (point-to-point, no gateway address) is skipped:
// there is no router to ping on such a link.
const LINUX_DEFAULT = /^default\s+via\s+(\S+)(?:.*?\sdev\s+(\S+))?(?:.*?\smetric\s+(\d+))?/;
// `    gateway: 192.168.1.1` and `  interface: en0` in `route -n get default`.
const DARWIN_GATEWAY = /^\s*gateway:\s*(\S+)/m;
const DARWIN_INTERFACE = /^\s*interface:\s*(\S+)/m;
// `          0.0.0.0          0.0.0.0      192.168.1.1    192.168.1.100     25`
// (destination, netmask, gateway, interface address, metric).
const WINDOWS_DEFAULT = /^\s*0\.0\.0\.0\s+0\.0\.0\.0\s+(\S+)\s+(\S+)\s+(\d+)\s*$/;

/**
 * Parses the output of {@link defaultRouteCommand}. With several default
 * routes the one with the lowest metric wins, as it does in the kernel.
 * `undefined` when there is no default route with a gateway address.
 */
export function parseDefaultGateway(platform: NodeJS.Platform, output: string): DefaultGateway | undefined {
  const candidates: { gateway: DefaultGateway; metric: number }[] = [];
  if (platform === 'darwin') {
    const address = DARWIN_GATEWAY.exec(output)?.[1];
    if (address === undefined) return undefined;
    const iface = DARWIN_INTERFACE.exec(output)?.[1];
    return iface === undefined ? { address } : { address, iface };
  }
  for (const line of output.split(/\r?\n/)) {
    if (platform === 'win32') {
      const m = WINDOWS_DEFAULT.exec(line);
      // `On-link` instead of an address means no gateway on that route.
      if (m?.[1] && m[2] && m[3] && m[1] !== 'On-link') {
        candidates.push({ gateway: { address: m[1], iface: m[2] }, metric: Number(m[3]) });
      }
    } else {
      const m = LINUX_DEFAULT.exec(line.trim());
      if (m?.[1]) {
        const gateway: DefaultGateway = m[2] ? { address: m[1], iface: m[2] } : { address: m[1] };
        // The kernel treats a route without a metric as metric 0.
        candidates.push({ gateway, metric: m[3] ? Number(m[3]) : 0 });
      }
    }
  }
  candidates.sort((a, b) => a.metric - b.metric);
  return candidates[0]?.gateway;
}
