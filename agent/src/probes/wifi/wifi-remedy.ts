import type { WifiScanResult } from './wifi-measurements.js';

/**
 * What a person can do when a machine cannot scan Wi-Fi, by platform and
 * by how the scan went, in one or two sentences. `survey` prints it when
 * no sample measured anything, because a school's IT person walking the
 * building with a laptop needs to know whether to install something,
 * change a setting or take another laptop.
 */
export function cannotScanRemedy(platform: NodeJS.Platform, result: WifiScanResult): string {
  if (result === 'error')
    return "The scan failed; try again, and if it keeps failing, save the scan command's output and report it with the error above.";
  switch (platform) {
    case 'linux':
      if (result === 'no_interface')
        return 'This machine has no Wi-Fi client interface (iw dev lists none): turn Wi-Fi on, or survey with a laptop that has Wi-Fi.';
      if (result === 'needs_privileges')
        return 'Scanning with iw needs root: run the survey with sudo, or install NetworkManager (nmcli), which scans for any user.';
      return 'Install iw (Debian/Ubuntu: sudo apt install iw; Fedora: sudo dnf install iw; scanning with it needs root) or NetworkManager, whose nmcli scans for any user (sudo apt install network-manager).';
    case 'win32':
      if (result === 'no_interface')
        return 'Windows shows no Wi-Fi adapter: turn Wi-Fi on (or plug the adapter in) and check that the WLAN AutoConfig service runs.';
      return 'Windows 11 24H2 and later let netsh list networks only with Location services on: Settings > Privacy & security > Location, turn on Location services and "Let desktop apps access your location"; and check that the WLAN AutoConfig service runs.';
    case 'darwin':
      if (result === 'no_interface') return 'macOS shows no Wi-Fi interface: turn Wi-Fi on in the menu bar.';
      return 'macOS reads Wi-Fi through system_profiler, which is part of macOS: turn Wi-Fi on, and allow Location Services for the terminal app (System Settings > Privacy & Security > Location Services) so network names are shown.';
    default:
      return `Wi-Fi scanning runs on Linux, Windows and macOS, not on ${platform}: survey with such a laptop, or save a scan there and bring it in with skolnet-agent wifi import.`;
  }
}
