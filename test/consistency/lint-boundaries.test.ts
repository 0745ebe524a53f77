/**
 * The import boundaries of docs/architecture.md hold: the boundary blocks
 * of eslint.config.js, taken as they are, refuse a violation and let the
 * allowed neighbour through. `npm run check` (CI) lints the tree with the
 * whole config; this test keeps the rules from being loosened or dropped
 * unnoticed. Only the boundary blocks run here, without type information,
 * so it takes a second rather than building the type-aware program.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const RULES = ['no-restricted-imports', '@typescript-eslint/no-restricted-imports'];

let eslint: ESLint;

beforeAll(async () => {
  const url = pathToFileURL(`${root}eslint.config.js`).href;
  const { default: config } = (await import(url)) as { default: Linter.Config[] };
  const boundaries = config.filter((block) => RULES.some((rule) => block.rules?.[rule] !== undefined));
  // Four blocks: the agent off TypeBox, probes off each other, the domain
  // pure, the Kysely store's parts internal to storage/.
  expect(boundaries).toHaveLength(4);
  eslint = new ESLint({
    cwd: root,
    overrideConfigFile: true,
    overrideConfig: [
      {
        files: ['**/*.ts'],
        languageOptions: { parser: tseslint.parser },
        plugins: { '@typescript-eslint': tseslint.plugin as unknown as ESLint.Plugin },
      },
      ...boundaries,
    ],
  });
});

/** The boundary messages ESLint gives for `code` placed at `path` (relative to the root). */
async function violations(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}${path}` });
  return (result?.messages ?? []).filter((m) => RULES.includes(m.ruleId ?? '')).map((m) => m.message);
}

describe('probes share through probes/common/, never through a sibling probe', () => {
  const probe = 'agent/src/probes/dns/dns-probe.ts';

  it('refuses a sibling probe, the short way and the long way round', async () => {
    expect(await violations(probe, "import { median } from '../latency/statistics.js';\n")).toEqual([
      expect.stringMatching(/imports no sibling probe/),
    ]);
    expect(
      await violations(
        'agent/src/probes/dns/parts/x.ts',
        "import { p } from '../../../probes/http/http-probe.js';\n",
      ),
    ).toEqual([expect.stringMatching(/imports no sibling probe/)]);
  });

  it('allows probes/common/ and the probe interface', async () => {
    expect(await violations(probe, "import { g } from '../common/default-gateway.js';\n")).toEqual([]);
    expect(await violations(probe, "import type { Probe } from '../probe.js';\n")).toEqual([]);
  });
});

describe("the agent's long-running path stays off TypeBox", () => {
  it('refuses the full @skolnet/shared entry and TypeBox itself', async () => {
    const file = 'agent/src/runtime/scheduler.ts';
    expect(await violations(file, "import { ErrorCodes } from '@skolnet/shared';\n")).toEqual([
      expect.stringMatching(/@skolnet\/shared\/core/),
    ]);
    expect(await violations(file, "import { Type } from '@sinclair/typebox';\n")).toEqual([
      expect.stringMatching(/generated validators/),
    ]);
    expect(await violations(file, "import { ErrorCodes } from '@skolnet/shared/core';\n")).toEqual([]);
  });

  it("leaves the agent's tests free to use both", async () => {
    expect(
      await violations(
        'agent/src/runtime/scheduler.test.ts',
        "import { ErrorCodes } from '@skolnet/shared';\n",
      ),
    ).toEqual([]);
  });
});

describe('domain modules stay pure', () => {
  const domains = ['scoring', 'planning', 'coverage', 'acceptance', 'support'];

  it.each(domains)(
    'collector/src/%s/ takes no fastify, Kysely, driver, route, service or plugin',
    async (folder) => {
      const file = `collector/src/${folder}/x.ts`;
      for (const from of [
        'fastify',
        'kysely',
        'better-sqlite3',
        'pg',
        '../routes/plan-plugin.js',
        '../services/plan-service.js',
      ]) {
        expect(await violations(file, `import { x } from '${from}';\n`), from).toEqual([
          expect.stringMatching(/Domain modules stay pure/),
        ]);
      }
    },
  );

  it("reads no store, but may name the store's types", async () => {
    const file = 'collector/src/scoring/x.ts';
    expect(await violations(file, "import { createStore } from '../storage/store.js';\n")).toEqual([
      expect.stringMatching(/a service reads the store/),
    ]);
    expect(await violations(file, "import type { Store } from '../storage/store.js';\n")).toEqual([]);
  });

  it('binds neither services nor routes, which may use anything', async () => {
    expect(await violations('collector/src/services/x.ts', "import { Kysely } from 'kysely';\n")).toEqual([]);
    expect(await violations('collector/src/scoring/x.test.ts', "import Fastify from 'fastify';\n")).toEqual(
      [],
    );
  });
});

describe("the Kysely store's parts stay inside storage/", () => {
  it('refuses storage/kysely/ from a service and from a test', async () => {
    expect(
      await violations(
        'collector/src/services/x.ts',
        "import { KyselyResults } from '../storage/kysely/results.js';\n",
      ),
    ).toEqual([expect.stringMatching(/internal to storage/)]);
    expect(
      await violations(
        'test/conformance/x.test.ts',
        "import { openSqlite } from '../../collector/src/storage/kysely/sqlite-connection.js';\n",
      ),
    ).toEqual([expect.stringMatching(/internal to storage/)]);
  });

  it('allows the store facade and its interfaces, and the parts among themselves', async () => {
    expect(
      await violations(
        'collector/src/services/x.ts',
        "import { createStore } from '../storage/kysely-store.js';\n",
      ),
    ).toEqual([]);
    expect(
      await violations(
        'collector/src/storage/kysely/x.ts',
        "import { KyselyResults } from './results.js';\n",
      ),
    ).toEqual([]);
  });
});
