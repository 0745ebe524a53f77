import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { probeNames, probeRegistry } from './registry.js';

describe('probeRegistry', () => {
  it.each(probeNames())('%s lives in its own folder with a README that documents every option', (name) => {
    const folder = new URL(`./${name}/`, import.meta.url);
    expect(existsSync(new URL(`${name}-probe.ts`, folder))).toBe(true);
    const readme = readFileSync(new URL('README.md', folder), 'utf8');
    for (const section of ['## Configuration', '## Metrics', '## Example Output'])
      expect(readme).toContain(section);
    const def = probeRegistry[name]!;
    for (const [key, spec] of Object.entries(def.options ?? {})) {
      expect(spec.description.length).toBeGreaterThan(0);
      expect(readme).toContain(`\`${key}\``);
    }
    expect(def.defaultIntervalS).toBeGreaterThan(0);
  });

  it.each(probeNames())(
    '%s: its registry entry loads the implementation only when the probe runs',
    (name) => {
      // The registry is imported by every command and by --help; a static
      // import here would load every probe's code and libraries up front.
      const source = readFileSync(new URL(`./${name}/${name}-probe-definition.ts`, import.meta.url), 'utf8');
      expect(source).not.toMatch(new RegExp(`^import [^;]*from '\\./${name}-probe\\.js';`, 'm'));
      expect(source).toContain(`import('./${name}-probe.js')`);
    },
  );

  it('lists the probes the agent ships', () => {
    expect(probeNames()).toEqual(
      expect.arrayContaining(['host', 'latency', 'throughput', 'ndt7', 'dns', 'http', 'bottleneck']),
    );
  });
});
