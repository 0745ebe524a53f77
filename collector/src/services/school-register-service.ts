import { ErrorCodes, SkolnetError } from '@skolnet/shared';
import type { Actor } from '../auth/account-service.js';
import { readRegisterFile } from '../schools/register-file.js';
import { planImport, type ImportPlan } from '../schools/register-import.js';
import { checkRegisterFields } from '../schools/register-rules.js';
import type { SchoolRegisterPatch } from '../storage/school-register-store.js';
import type { SchoolRow, Store } from '../storage/store.js';
import { registerError } from './school-service.js';

/** What an import answered: the plan (the dry run's report) and whether it was applied. */
export interface ImportOutcome extends Omit<ImportPlan, 'actions'> {
  dry_run: boolean;
  /** True when the schools were written; false for a dry run or when any row is bad. */
  applied: boolean;
  /** Per good row: what the import does (or did) with it. */
  actions: {
    row: number;
    action: 'create' | 'update' | 'unchanged';
    school_id?: string;
    changed?: string[];
  }[];
}

/** The school register's admin use cases: edit, retire, reinstate, import; each audited. */
export interface SchoolRegisterService {
  /**
   * Applies a patch after checking the register rules on the school as it
   * would be. `SKOLNET_API_BAD_REQUEST` naming each broken rule,
   * `SKOLNET_API_NOT_FOUND`, `SKOLNET_API_CONFLICT` for a taken number.
   */
  update(id: string, patch: SchoolRegisterPatch, actor: Actor): Promise<SchoolRow>;
  /** Retires a school: it leaves the list, the map and the plan; its results stay. */
  retire(id: string, actor: Actor): Promise<SchoolRow>;
  /** Brings a retired school back. */
  reinstate(id: string, actor: Actor): Promise<SchoolRow>;
  /**
   * Reads a CSV or XLSX register export and plans it against the stored
   * schools. A dry run writes nothing; a real import writes every create
   * and update in one transaction, and only when no row is bad.
   */
  importFile(
    bytes: Uint8Array,
    options: { dryRun: boolean; fileName?: string },
    actor: Actor,
  ): Promise<ImportOutcome>;
}

/** Dependencies of {@link createSchoolRegisterService}. */
export interface SchoolRegisterServiceOptions {
  store: Store;
  now: () => Date;
}

/** The register service over the store (whose register writes refresh the school read model). */
export function createSchoolRegisterService(options: SchoolRegisterServiceOptions): SchoolRegisterService {
  const { store } = options;
  const audit = (actor: Actor, action: string, target: string, details: Record<string, unknown>) =>
    store.accounts.appendAudit(
      {
        actor_user_id: actor.user_id ?? null,
        actor: actor.label,
        action,
        target,
        details,
        ip: actor.ip ?? null,
      },
      options.now(),
    );
  const get = async (id: string): Promise<SchoolRow> => {
    const row = await store.getSchool(id);
    if (!row) throw new SkolnetError(ErrorCodes.API_NOT_FOUND, `school ${id} does not exist`);
    return row;
  };

  return {
    async update(id, patch, actor) {
      const before = await get(id);
      const after = { ...before, ...patch };
      const { problems, municipality } = checkRegisterFields(after);
      if (problems.length > 0) throw registerError(problems);
      const clean: SchoolRegisterPatch = {
        ...patch,
        ...(patch.municipality === undefined ? {} : { municipality }),
      };
      const row = await store.register.updateSchool(id, clean);
      const changed = (Object.keys(clean) as (keyof SchoolRegisterPatch)[]).filter(
        (k) => before[k] !== row[k],
      );
      if (changed.length > 0) await audit(actor, 'school_updated', id, { changed });
      return row;
    },
    async retire(id, actor) {
      const before = await get(id);
      const row = await store.register.retireSchool(id, options.now());
      if (before.retired_at === null) await audit(actor, 'school_retired', id, { name: row.name });
      return row;
    },
    async reinstate(id, actor) {
      const before = await get(id);
      const row = await store.register.reinstateSchool(id);
      if (before.retired_at !== null) await audit(actor, 'school_reinstated', id, { name: row.name });
      return row;
    },
    async importFile(bytes, { dryRun, fileName }, actor) {
      const file = await readRegisterFile(bytes, fileName);
      const plan = planImport(file, await store.listSchools());
      const apply = !dryRun && plan.problems.length === 0;
      if (apply) {
        const creates = plan.actions.flatMap((a) => (a.action === 'create' ? [strip(a.row)] : []));
        const updates = plan.actions.flatMap((a) =>
          a.action === 'update' ? [{ id: a.school_id, patch: strip(a.row) }] : [],
        );
        if (creates.length + updates.length > 0) {
          await store.register.applyImport(creates, updates, options.now());
        }
        // Counts only: the rows themselves are in the file the admin holds.
        await audit(actor, 'schools_imported', fileName ?? file.format, {
          format: file.format,
          ...plan.counts,
        });
      }
      return {
        ...plan,
        dry_run: dryRun,
        applied: apply,
        actions: plan.actions.map((a) => ({
          row: a.row.row,
          action: a.action,
          ...(a.action === 'create' ? {} : { school_id: a.school_id }),
          ...(a.action === 'update' ? { changed: a.changed } : {}),
        })),
      };
    },
  };
}

/** An import row as the store's fields (without its row number). */
function strip(row: ImportPlan['actions'][number]['row']): Required<SchoolRegisterPatch> {
  const { row: _row, ...fields } = row;
  return fields;
}
