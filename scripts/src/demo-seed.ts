/**
 * `npm run demo:seed`: a SYNTHETIC national data set for trying the score
 * and the upgrade plan before real measurements arrive.
 *
 * About 640 schools in Latvia's 42 municipalities (real municipality
 * names; school names are "Demo school N"), each at a point near its
 * municipality's approximate centre with a register school type, pupil counts shaped like
 * Latvia's (many rural schools of 50-250 pupils, city schools of
 * 400-1200), a week of throughput and latency results with a spread of
 * line technologies, and planning inputs (inventory, Wi-Fi coverage,
 * SNMP facts, pupil-support aggregates per school) marked `synthetic`.
 * Nothing here describes a real school.
 *
 * Usage: npm run demo:seed [-- --data DIR | --database URL] [--seed N] [--schools N] [--force]
 * (or SKOLNET_DATA=DIR, SKOLNET_DATABASE_URL=URL). Deterministic for a
 * given seed and day. `--schools N` writes an even spread of N of the 640
 * (a quicker demo; the tests use it).
 *
 * It can write into the database of a running collector (`npm start`'s
 * `./data`): every write waits its turn for SQLite's lock, and the
 * collector serves the demo schools as they arrive.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  DATABASE_FILE,
  MUNICIPALITIES,
  PLANNING_INPUTS_META_KEY,
  createStore,
  findMunicipality,
  livePid,
  pidFileFor,
  redactDatabaseUrl,
  sqliteDatabaseUrl,
  type PlanningInputs,
  type SchoolPlanningInput,
} from '@skolnet/collector';
import {
  ErrorCodes,
  SkolnetError,
  describeError,
  isSkolnetError,
  uuidv7,
  type Result,
  type SchoolType,
} from '@skolnet/shared';

/** Latvia's 7 state cities with a rough share of the 640 demo schools; the 35 novadi share the rest. */
const CITIES: readonly [string, number][] = [
  ['Rīga', 105],
  ['Daugavpils', 18],
  ['Liepāja', 14],
  ['Jelgava', 12],
  ['Jūrmala', 10],
  ['Ventspils', 8],
  ['Rēzekne', 8],
];
/** The 35 novadi since 1 July 2025, from the collector's municipality list. */
const COUNTIES: readonly string[] = MUNICIPALITIES.filter((m) => m.kind === 'novads').map((m) => m.name);

/**
 * How far a demo school may lie from its municipality's approximate centre,
 * degrees: about 2 km in a state city, about 3 km in a novads (a degree of
 * latitude is 111 km; of longitude at 57 °N, about 60 km). Small, so the
 * points stay inside their municipality around the centres the list gives;
 * the centres themselves are approximate, so the demo map is too.
 */
const SPREAD_DEG = { city: { lat: 0.018, lon: 0.03 }, novads: { lat: 0.027, lon: 0.045 } } as const;

/**
 * Demo schools by register type, as a rough share: most are general
 * education schools, a few special, vocational and pre-school ones.
 */
const TYPE_SHARES: readonly [SchoolType, number][] = [
  ['general', 0.8],
  ['special', 0.06],
  ['vocational', 0.08],
  ['preschool', 0.06],
];

/** Schools per municipality: 640 minus the cities' 175, spread over the 35 novadi. */
const TARGET_SCHOOLS = 640;

/** Mulberry32: a small seeded PRNG, so the demo is reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface SeedOptions {
  data: string;
  database: string | undefined;
  seed: number;
  schools: number;
  force: boolean;
}

function args(): SeedOptions {
  const argv = process.argv.slice(2);
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const whole = (flag: string, fallback: number, min: number, max: number): number => {
    const text = value(flag);
    const n = Number(text ?? fallback);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new SkolnetError(
        ErrorCodes.CLI_BAD_ARGUMENT,
        `${flag} expects a whole number ${min}-${max}, got "${text}"`,
      );
    }
    return n;
  };
  return {
    data: resolve(value('--data') ?? process.env['SKOLNET_DATA'] ?? 'data'),
    database: value('--database') ?? process.env['SKOLNET_DATABASE_URL'],
    seed: whole('--seed', 8, 0, 2 ** 32 - 1),
    schools: whole('--schools', TARGET_SCHOOLS, 1, TARGET_SCHOOLS),
    force: argv.includes('--force'),
  };
}

interface DemoSchool {
  municipality: string;
  city: boolean;
}

/** The 640 demo schools, or an even spread of `count` of them over the municipalities. */
function layout(count: number): DemoSchool[] {
  const all = fullLayout();
  return Array.from({ length: count }, (_, i) => all[Math.floor((i * all.length) / count)] as DemoSchool);
}

function fullLayout(): DemoSchool[] {
  const out: DemoSchool[] = [];
  for (const [name, n] of CITIES) for (let i = 0; i < n; i += 1) out.push({ municipality: name, city: true });
  const rest = TARGET_SCHOOLS - out.length;
  COUNTIES.forEach((name, k) => {
    const n = Math.floor(rest / COUNTIES.length) + (k < rest % COUNTIES.length ? 1 : 0);
    for (let i = 0; i < n; i += 1) out.push({ municipality: name, city: false });
  });
  return out;
}

async function main(): Promise<void> {
  const opts = args();
  const rnd = prng(opts.seed);
  const between = (lo: number, hi: number): number => lo + (hi - lo) * rnd();
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)] as T;
  // A stream of its own, so the gaps in the planning inputs leave every other figure as the seed made it.
  const gaps = prng((opts.seed ^ 0x5eed) >>> 0);
  if (opts.database === undefined) await mkdir(opts.data, { recursive: true });
  const database = opts.database ?? sqliteDatabaseUrl(join(opts.data, DATABASE_FILE));
  if (opts.database === undefined) {
    const pid = await livePid(pidFileFor(join(opts.data, DATABASE_FILE)));
    if (pid !== undefined) {
      process.stdout.write(
        `demo:seed: a collector (process ${pid}) serves ${opts.data}; writing beside it, each write in its turn\n`,
      );
    }
  }
  const store = await createStore(database);
  try {
    const existing = await store.listSchools();
    if (existing.some((s) => s.name.startsWith('Demo school ')) && !opts.force) {
      throw new SkolnetError(
        ErrorCodes.CLI_BAD_ARGUMENT,
        `${redactDatabaseUrl(database)} already holds demo schools; use --force to add another set, or another database`,
      );
    }
    const now = Date.now();
    const inputs: SchoolPlanningInput[] = [];
    let resultCount = 0;
    const schools = layout(opts.schools);
    for (const [n, demo] of schools.entries()) {
      // Pupils: city schools 400-1200 (some small specialised ones), rural 50-250 with a long tail.
      const pupils = demo.city
        ? rnd() < 0.15
          ? Math.round(between(150, 400))
          : Math.round(between(400, 1200))
        : rnd() < 0.75
          ? Math.round(between(50, 250))
          : Math.round(between(250, 600));
      const centre = findMunicipality(demo.municipality)?.approx_centre;
      if (!centre) throw new Error(`demo:seed: no centre for ${demo.municipality}`);
      const spread = demo.city ? SPREAD_DEG.city : SPREAD_DEG.novads;
      let roll = rnd();
      const schoolType = TYPE_SHARES.find(([, share]) => (roll -= share) < 0)?.[0] ?? 'general';
      const school = await store.createSchool({
        name: `Demo school ${n + 1}`,
        municipality: demo.municipality,
        pupils,
        // Rounded to 5 decimals (about 1 m), as a register writes coordinates.
        lat: Number((centre.lat + between(-spread.lat, spread.lat)).toFixed(5)),
        lon: Number((centre.lon + between(-spread.lon, spread.lon)).toFixed(5)),
        school_type: schoolType,
      });

      const technology = demo.city
        ? rnd() < 0.85
          ? 'fibre'
          : 'dsl'
        : pick(['fibre', 'fibre', 'dsl', 'dsl', 'mobile']);
      const tiers: Record<string, number[]> = {
        fibre: [100, 100, 300, 500, 1000],
        dsl: [30, 30, 100],
        mobile: [100],
      };
      const tier = pick(tiers[technology] as number[]);
      // Measured share of nominal: contention, old in-school cabling, a busy lesson.
      const rate = (): number => tier * between(technology === 'mobile' ? 0.15 : 0.4, 0.92);
      const rtt =
        technology === 'fibre' ? between(6, 25) : technology === 'dsl' ? between(20, 60) : between(40, 160);
      const lossBase = technology === 'fibre' ? 0 : technology === 'dsl' ? between(0, 0.8) : between(0.2, 3);
      const outageShare = rnd() < 0.06 ? between(0.05, 0.6) : rnd() < 0.01 ? 0.95 : 0;
      const results: Result[] = [];
      const add = (measurement: string, fields: Result['fields'], tags: Result['tags'], at: number): void => {
        results.push({
          id: uuidv7(at),
          agent_id: 'demo-seed',
          school_id: school.id,
          measurement,
          fields,
          tags,
          at: new Date(at).toISOString(),
        });
      };
      for (let day = 0; day < 7; day += 1) {
        const date = new Date(now - day * 86_400_000);
        const weekday = date.getUTCDay();
        if (weekday === 0 || weekday === 6) continue;
        // 06:00-13:00 UTC is inside 08:00-16:00 in Riga in winter and summer.
        for (let half = 0; half < 14; half += 1) {
          const at = Date.UTC(
            date.getUTCFullYear(),
            date.getUTCMonth(),
            date.getUTCDate(),
            6,
            half * 30,
            Math.floor(rnd() * 60),
          );
          if (at > now) continue;
          const down = rnd() < outageShare;
          if (down) {
            add(
              'latency',
              { result: 'timeout', sent: 10, received: 0, loss_pct: 100 },
              { target: 'collector', host: 'demo' },
              at,
            );
          } else {
            const avg = rtt * between(0.9, 1.6);
            add(
              'latency',
              {
                result: 'success',
                rtt_min_ms: avg * 0.8,
                rtt_avg_ms: avg,
                rtt_max_ms: avg * 1.5,
                jitter_ms: avg * between(0.03, 0.25),
                loss_pct: rnd() < 0.7 ? 0 : Math.round(lossBase * between(0.5, 2) * 10) / 10,
                sent: 10,
                received: 10,
              },
              { target: 'collector', host: 'demo' },
              at,
            );
          }
          if ((half === 4 || half === 10) && !down) {
            const d = rate();
            const upShare =
              technology === 'fibre'
                ? between(0.7, 1)
                : technology === 'dsl'
                  ? between(0.1, 0.25)
                  : between(0.1, 0.3);
            add(
              'throughput',
              {
                result: 'success',
                download_mbps: Math.round(d * 10) / 10,
                upload_mbps: Math.round(d * upShare * 10) / 10,
                streams: 4,
                duration_s: 8,
              },
              { target: 'demo' },
              at + 1000,
            );
          }
        }
      }
      // Gaps a real programme has (docs/methodology.md, "Every school in the plan"): 2% of rural
      // schools have no line at all (and so no results), 2% have no line inventory, 4% an agent whose
      // bottleneck probe found the school's LAN to be the limit.
      const gap = gaps();
      const noLine = !demo.city && gap < 0.02;
      const lineUnknown = gap >= 0.02 && gap < 0.04;
      const lanLimited = gap >= 0.04 && gap < 0.08;
      if (!noLine) {
        await store.insertResults(results);
        resultCount += results.length;
      }

      const rooms = Math.ceil(pupils / 22) + 3;
      const coverage = Math.min(1, Math.max(0, rnd() < 0.2 ? between(0, 0.4) : between(0.4, 1)));
      const switchesTotal = Math.max(1, Math.ceil(rooms / 12));
      const apsTotal = Math.round(rooms * coverage * 0.8);
      // Drawn whether or not the school keeps it, so the seed's stream stays as it was.
      const line = {
        technology,
        down_mbps: tier,
        ...(technology === 'fibre'
          ? {}
          : { fibre_distance_m: Math.round(between(80, demo.city ? 600 : 3000)) }),
      };
      inputs.push({
        school_id: school.id,
        synthetic: true,
        inventory: {
          ...(lineUnknown
            ? {}
            : {
                line: noLine
                  ? { technology: 'none', fibre_distance_m: Math.round(800 + 2200 * gaps()) }
                  : line,
              }),
          ...(lanLimited ? { limiting_segment: 'lan' } : {}),
          teaching_rooms: rooms,
          wifi_coverage_share: Math.round(coverage * 100) / 100,
          uncovered_rooms: Math.round(rooms * (1 - coverage)),
          internal: {
            switches_total: switchesTotal,
            switches_100m: Math.max(
              lanLimited ? 1 : 0,
              rnd() < 0.35 ? Math.ceil(switchesTotal * between(0.3, 1)) : 0,
            ),
            switches_without_poe: rnd() < 0.4 ? Math.ceil(switchesTotal * between(0.3, 1)) : 0,
            uplink_utilisation_p95_pct: Math.round(between(20, 97)),
            duplex_mismatches: rnd() < 0.1 ? 1 + Math.floor(rnd() * 2) : 0,
            aps_total: apsTotal,
            aps_24ghz_only: rnd() < 0.25 ? Math.round(apsTotal * between(0.2, 1)) : 0,
            ssid_24ghz_only: rnd() < 0.15,
            overlapping_channels: rnd() < 0.25,
          },
        },
        support: {
          pupils_vulnerable: Math.round(pupils * between(0.03, demo.city ? 0.15 : 0.3)),
          pupils_support_plan: Math.round(pupils * between(0.02, 0.1)),
        },
      });
    }
    const doc: PlanningInputs = { version: 1, synthetic: true, schools: inputs };
    await store.setMeta(PLANNING_INPUTS_META_KEY, JSON.stringify(doc));
    // Roll the week up now, so the first dashboard request does not do it.
    await store.refreshRollups();
    const storage =
      opts.database === undefined ? `--data ${opts.data}` : `--database ${redactDatabaseUrl(database)}`;
    process.stdout.write(
      `demo:seed: ${schools.length} SYNTHETIC schools in ${new Set(schools.map((s) => s.municipality)).size} municipalities, ${resultCount} results, planning inputs → ${opts.database === undefined ? opts.data : redactDatabaseUrl(database)}\n` +
        `Try: node collector/bin/skolnet-collector.js plan ${storage} --budget 18090300\n`,
    );
  } finally {
    await store.close();
  }
}

// The collector CLI's convention: the message with its SKOLNET_ code, exit
// 2 for what the user must fix, 1 for anything else.
main().catch((err: unknown) => {
  process.stderr.write(`demo:seed: error: ${describeError(err)}\n`);
  process.exitCode =
    isSkolnetError(err, ErrorCodes.CLI_BAD_ARGUMENT) || isSkolnetError(err, ErrorCodes.CONFIG_INVALID)
      ? 2
      : 1;
});
