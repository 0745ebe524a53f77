import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTempDir } from './testing/fixtures.js';
import { findOpenpyxlPython, readXlsx } from '../../test/support/openpyxl.js';
import { missingComponent } from '../../test/support/real-component.js';
import { runCli, type CliIo } from './cli.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

const python = findOpenpyxlPython();
const noOpenpyxl = missingComponent(
  'python3 with openpyxl',
  python !== undefined,
  'Debian package python3-openpyxl: apt-get install python3-openpyxl',
);

/** Runs the CLI in this process with captured output and a chosen kind of stdout. */
async function cli(
  args: readonly string[],
  stdoutIsTerminal = false,
): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), stdoutIsTerminal };
  process.exitCode = undefined;
  try {
    await runCli(['node', 'skolnet-collector', ...args], io);
    return { code: Number(process.exitCode ?? 0), out, err };
  } finally {
    process.exitCode = undefined;
  }
}

/** One line `error: <message> (SKOLNET_<AREA>_<WHAT>)`, as the agent writes it (agent/src/cli.ts). */
const CLI_ERROR = /^error: .+ \((SKOLNET_[A-Z_]+)\)$/;

describe('skolnet-collector errors: the agent CLI convention', () => {
  let dir: string;
  let remove: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, remove } = await createTempDir());
  });
  afterEach(async () => {
    await remove();
  });

  it.each([
    [['plan', '--budget', '-5'], 'SKOLNET_CLI_BAD_ARGUMENT', /-5/],
    [['plan', '--budget', 'lots'], 'SKOLNET_CLI_BAD_ARGUMENT', /lots/],
    [['plan', '--format', 'pdf'], 'SKOLNET_CLI_BAD_ARGUMENT', /pdf/],
    [['plan', '--bogus'], 'SKOLNET_CLI_BAD_ARGUMENT', /--bogus/],
    [['serve', '--port', 'eighty'], 'SKOLNET_CLI_BAD_ARGUMENT', /eighty/],
    [['frobnicate'], 'SKOLNET_CLI_BAD_ARGUMENT', /frobnicate/],
    [['backup'], 'SKOLNET_CLI_BAD_ARGUMENT', /file/],
    [['support', 'rotate-key', 'colour'], 'SKOLNET_CLI_BAD_ARGUMENT', /colour/],
    [['user', 'add', '--role', 'planner'], 'SKOLNET_CLI_BAD_ARGUMENT', /--email/],
    [['user', 'token', 'create', '--email', 'a@b.lv'], 'SKOLNET_CLI_BAD_ARGUMENT', /--name/],
    [
      ['user', 'add', '--role', 'planner', '--email', 'a@b.lv', '--bogus'],
      'SKOLNET_CLI_BAD_ARGUMENT',
      /--bogus/,
    ],
  ])('%j exits 2 with %s', async (args, code, names) => {
    const run = await cli(args);
    expect(run.code).toBe(2);
    const [first, ...rest] = run.err.join('\n').split('\n');
    expect(first).toMatch(CLI_ERROR);
    expect(CLI_ERROR.exec(first!)?.[1]).toBe(code);
    expect(first).toMatch(names);
    expect(rest).toEqual(['see skolnet-collector --help']);
    expect(run.out).toEqual([]);
  });

  it('exits 2 with the code for a bad file the user named, 1 for a failure that is not theirs', async () => {
    const missing = await cli(['plan', '--instance', join(dir, 'missing.json'), '--budget', '1']);
    expect(missing.code).toBe(2);
    expect(missing.err).toHaveLength(1);
    expect(missing.err[0]).toMatch(CLI_ERROR);
    expect(missing.err[0]).toContain('SKOLNET_CONFIG_INVALID');

    // A database file that is a directory: the store cannot open it.
    const failed = await cli(['user', 'list', '--database', `sqlite:${dir}`]);
    expect(failed.code).toBe(1);
    expect(failed.err).toHaveLength(1);
    expect(failed.err[0]).toMatch(CLI_ERROR);
    expect(failed.err[0]).toContain('SKOLNET_STORE_FAILED');
  });

  it.each([
    ['completion-date: "2026-02-30"', /key "completion-date" expected a date YYYY-MM-DD, got "2026-02-30"/],
    ['budget: lots', /key "budget" expected a number >= 0, got "lots"/],
    ['budget-net: "yes"', /key "budget-net" expects true or false/],
  ])('serve stops with exit 2 on the plan setting %s of its config, naming the key', async (line, names) => {
    const file = join(dir, 'collector.yaml');
    // The port is taken by nothing: it is never reached, the config stops serve first.
    writeFileSync(file, `data: ${JSON.stringify(join(dir, 'data'))}\nport: 0\n${line}\n`);
    const run = await cli(['serve', '--config', file]);
    expect(run.code).toBe(2);
    expect(run.err).toHaveLength(1);
    expect(run.err[0]).toMatch(CLI_ERROR);
    expect(run.err[0]).toContain('SKOLNET_CONFIG_INVALID');
    expect(run.err[0]).toMatch(names);
    expect(run.out).toEqual([]);
  });

  it('prints help and version with exit 0', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.out.join('\n')).toContain('plan');
    expect((await cli(['--version'])).code).toBe(0);
  });
});

describe('skolnet-collector plan output', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let dataDir: string;
  let instance: string;

  beforeAll(async () => {
    ({ dir, remove } = await createTempDir());
    dataDir = join(dir, 'data');
    // The synthetic demo data set, a small spread of it, written by the built seed.
    execFileSync(
      process.execPath,
      [join(repoRoot, 'scripts/dist/demo-seed.js'), '--data', dataDir, '--schools', '12'],
      { stdio: 'pipe' },
    );
    instance = join(dir, 'instance.json');
    writeFileSync(
      instance,
      JSON.stringify({
        schools: [
          { id: 'a', options: [{ id: 'fibre', cost_eur: 40_000, benefit: 30 }] },
          { id: 'b', options: [{ id: 'wifi', cost_eur: 15_000, benefit: 12 }] },
          { id: 'c', options: [{ id: 'lte', cost_eur: 70_000, benefit: 20 }] },
        ],
      }),
    );
  }, 120_000);
  afterAll(async () => {
    await remove();
  });

  /** `plan: N schools funded, X EUR of B EUR, benefit V, <status>[, synthetic]; S surveys; lifetime cost L EUR …`. */
  const SUMMARY =
    /^plan: (\d+) schools? funded, ([\d,]+) EUR of ([\d,]+) EUR, benefit ([\d,.]+), (optimal|feasible|infeasible)[^,;]*(, synthetic)?; (\d+) surveys?; lifetime cost ([\d,]+) EUR over 15 years \(programme ([\d,]+), school owners ([\d,]+), less residual value ([\d,]+)\)/;

  it('summarises the plan in one line on stderr, and writes JSON when stdout is not a terminal', async () => {
    const run = await cli(['plan', '--data', dataDir, '--budget', '500000']);
    expect(run.code).toBe(0);
    const plan = JSON.parse(run.out.join('\n')) as {
      selected: unknown[];
      total_cost_eur: number;
      total_benefit: number;
      status: string;
      synthetic: boolean;
    };
    expect(run.err).toHaveLength(1);
    const m = SUMMARY.exec(run.err[0]!);
    expect(m, run.err[0]).not.toBeNull();
    expect(Number(m![1])).toBe(plan.selected.length);
    expect(Number(m![2]!.replaceAll(',', ''))).toBe(Math.round(plan.total_cost_eur));
    expect(m![3]).toBe('500,000');
    expect(Number(m![4]!.replaceAll(',', ''))).toBeCloseTo(plan.total_benefit, 1);
    expect(m![5]).toBe(plan.status);
    expect(plan.synthetic).toBe(true);
    expect(m![6]).toBe(', synthetic');
    // Who pays: the programme's money and the owners' present value, less the residual value, make the lifetime cost.
    const eur = (i: number): number => Number(m![i]!.replaceAll(',', ''));
    expect(Math.abs(eur(9) + eur(10) - eur(11) - eur(8))).toBeLessThanOrEqual(2);
  });

  it('prints a readable table on a terminal, and the format asked for with --format', async () => {
    const json = await cli(['plan', '--data', dataDir, '--budget', '500000']);
    const plan = JSON.parse(json.out.join('\n')) as {
      selected: { school_name: string; label: string; cost_eur: number }[];
      schools: unknown[];
    };
    expect(plan.schools).toHaveLength(12);
    expect(plan.selected.length).toBeGreaterThan(0);

    const table = await cli(['plan', '--data', dataDir, '--budget', '500000'], true);
    expect(table.code).toBe(0);
    expect(table.err).toEqual(json.err);
    const text = table.out.join('\n');
    expect(() => JSON.parse(text) as unknown).toThrow();
    const lines = text.split('\n');
    // The summary an auditor reads first, then every school.
    expect(lines[0]).toMatch(/^objective: cost_effectiveness \(discount rate 5\.0%, horizon 15 years\)$/);
    expect(lines[1]).toMatch(/^budget: 500,000 EUR gross \(VAT included\); source: programme total/);
    expect(lines[2]).toBe('laptops (beside the network strand): not recorded');
    const header = lines.findIndex((l) => /^school\s+municipality\s+pupils\s+status\s+option/.test(l));
    expect(header).toBeGreaterThan(0);
    const rows = lines.slice(header + 1);
    expect(rows).toHaveLength(plan.schools.length);
    for (const s of plan.selected) {
      const row = rows.find((l) => l.startsWith(`${s.school_name} `));
      expect(row, s.school_name).toBeDefined();
      // Long option descriptions are cut short on a terminal; the whole text is in JSON and CSV.
      expect(row).toContain(s.label.slice(0, 40));
      expect(row).toContain(Math.round(s.cost_eur).toLocaleString('en-US'));
    }

    const csv = await cli(['plan', '--data', dataDir, '--budget', '500000', '--format', 'csv'], true);
    const csvLines = csv.out.join('\n').split('\r\n');
    expect(csvLines[0]).toMatch(/^school_id,school_name,/);
    // Every school, funded or not.
    expect(csvLines).toHaveLength(plan.schools.length + 1);
    expect(csv.err).toEqual(json.err);
    const asJson = await cli(['plan', '--data', dataDir, '--budget', '500000', '--format', 'json'], true);
    expect(JSON.parse(asJson.out.join('\n'))).toEqual(plan);
  });

  it.skipIf(noOpenpyxl)(
    'writes the plan as xlsx in the language asked for, and refuses an unknown language',
    async () => {
      const out = join(dir, 'plan.xlsx');
      const run = await cli(
        ['plan', '--data', dataDir, '--format', 'xlsx', '--lang', 'en', '--out', out],
        true,
      );
      expect(run.code).toBe(0);
      expect(run.err[0]).toMatch(SUMMARY);
      const book = readXlsx(python!, readFileSync(out));
      expect(book.slice(0, 2).map((s) => s.name)).toEqual(['Summary', 'Plan']);
      expect(book[1]!.rows[0]![0]!.value).toBe('School ID');
      const bad = await cli(
        ['plan', '--data', dataDir, '--format', 'xlsx', '--lang', 'de', '--out', out],
        true,
      );
      expect(bad.code).toBe(2);
      expect(bad.err.join('\n')).toMatch(/lang/);
    },
  );

  it('writes the plan CSV with semicolons for Latvian Excel when asked, and refuses --delimiter elsewhere', async () => {
    const out = join(dir, 'plan-lv.csv');
    const run = await cli(
      ['plan', '--data', dataDir, '--format', 'csv', '--delimiter', 'semicolon', '--out', out],
      true,
    );
    expect(run.code).toBe(0);
    const bytes = readFileSync(out);
    // A UTF-8 BOM, so that Excel reads Latvian letters.
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    // Read back by Python's csv module splitting on ';' (a reader skolnet did not write).
    const rows = JSON.parse(
      execFileSync(
        'python3',
        [
          '-c',
          'import csv,json,sys;text=sys.stdin.buffer.read().decode("utf-8-sig");' +
            'print(json.dumps(list(csv.reader(text.splitlines(True),delimiter=";"))))',
        ],
        { input: bytes, encoding: 'utf8' },
      ),
    ) as string[][];
    const plan = JSON.parse((await cli(['plan', '--data', dataDir, '--format', 'json'])).out.join('\n')) as {
      schools: { school_id: string }[];
    };
    expect(rows[0]!.slice(0, 2)).toEqual(['school_id', 'school_name']);
    expect(rows).toHaveLength(plan.schools.length + 1);
    for (const row of rows) expect(row).toHaveLength(rows[0]!.length);
    expect(rows.slice(1).map((r) => r[0])).toEqual(plan.schools.map((s) => s.school_id));
    // Decimal numbers with the decimal comma that Latvian Excel reads as numbers.
    const decimals = rows
      .slice(1)
      .flat()
      .filter((v) => /^-?\d+[.,]\d+$/.test(v));
    expect(decimals.length).toBeGreaterThan(0);
    for (const v of decimals) expect(v).toMatch(/^-?\d+,\d+$/);

    const json = await cli(['plan', '--data', dataDir, '--format', 'json', '--delimiter', 'semicolon']);
    expect(json.code).toBe(2);
    expect(json.err.join('\n')).toMatch(/--delimiter needs --format csv/);
    const tab = await cli(['plan', '--data', dataDir, '--format', 'csv', '--delimiter', 'tab']);
    expect(tab.code).toBe(2);
    expect(tab.err.join('\n')).toMatch(/delimiter/);
  });

  it('summarises a plan written to a file, and an instance plan (not synthetic)', async () => {
    const out = join(dir, 'plan.csv');
    const toFile = await cli(['plan', '--data', dataDir, '--format', 'csv', '--out', out], true);
    expect(toFile.out).toEqual([]);
    expect(toFile.err).toHaveLength(1);
    expect(toFile.err[0]).toMatch(SUMMARY);
    expect(toFile.err[0]).toMatch(new RegExp(` → ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
    expect(readFileSync(out, 'utf8')).toMatch(/^school_id,/);

    const solved = await cli(['plan', '--instance', instance, '--budget', '60000']);
    expect(solved.code).toBe(0);
    const plan = JSON.parse(solved.out.join('\n')) as { selected: { school_id: string }[] };
    expect(plan.selected.map((s) => s.school_id).sort()).toEqual(['a', 'b']);
    expect(solved.err).toEqual(['plan: 2 schools funded, 55,000 EUR of 60,000 EUR, benefit 42, optimal']);

    const table = await cli(['plan', '--instance', instance, '--budget', '60000'], true);
    const lines = table.out.join('\n').split('\n');
    expect(lines[0]).toMatch(/^school\s+option\s+cost EUR\s+benefit$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/))).toEqual([
      ['a', 'fibre', '40,000', '30'],
      ['b', 'wifi', '15,000', '12'],
    ]);
  });
});

describe('skolnet-collector support rotate-key', () => {
  let dir: string;
  let remove: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, remove } = await createTempDir());
  });
  afterEach(async () => remove());

  it('re-keys every pupil with a new pseudonym key in the data directory’s key directory', async () => {
    const { createStore } = await import('./storage/kysely-store.js');
    const { loadPupilKeys } = await import('./security/pupil-keys.js');
    const { DEFAULT_SUPPORT_CONFIG, createSupportService } = await import('./services/support-service.js');
    const keyDir = join(dir, 'support-keys');
    const url = `sqlite:${join(dir, 'collector.db')}`;
    let store = await createStore(url);
    const keys = loadPupilKeys(keyDir);
    const schoolId = (await store.createSchool({ name: 'S', municipality: 'M', pupils: 10 })).id;
    const service = createSupportService({
      store,
      keys: () => keys,
      config: DEFAULT_SUPPORT_CONFIG,
      now: () => new Date(),
    });
    const { pupil } = await service.addPupil(schoolId, {
      name: 'A B',
      personal_code: '161175-19997',
      programme: 'general',
      grade: 7,
      class_label: '7.a',
    });
    await store.close();

    const run = await cli(['support', 'rotate-key', 'pseudonym', '--data', dir]);
    expect(run.code).toBe(0);
    expect(run.out).toEqual([
      expect.stringMatching(/^pseudonym key rotated: 1 pupils re-keyed, new key id [0-9a-f]{16}$/),
    ]);
    const rotated = loadPupilKeys(keyDir);
    expect(rotated.pseudonymKeyId).not.toBe(keys.pseudonymKeyId);
    store = await createStore(url);
    try {
      expect((await store.support.getPupil(pupil.id))!.pseudonym).toBe(rotated.pseudonym('161175-19997'));
    } finally {
      await store.close();
    }
  });
});
