import { expect } from 'vitest';
import { agentBin, runToEnd } from './processes.js';

/** A school created through the admin API and a fresh enrollment code for it. */
export interface SchoolCode {
  schoolId: string;
  code: string;
  /** The role the code binds an enrolling agent to, as the collector answered; null lets the agent choose. */
  role?: string | null;
}

/** The fields of `POST /api/v1/schools`. */
export interface NewSchool {
  name: string;
  municipality: string;
  pupils: number;
}

/** How a program ended: its exit code and output. */
export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Options of {@link enrollAgent} for the cases that differ from a new default school and the built agent. */
export interface EnrollOptions {
  /** The school to create; the default school of {@link createSchoolAndCode} when absent. */
  school?: NewSchool;
  /**
   * Enroll into this existing school instead of creating one: only a code
   * is issued for it (several agents of one school, say). `school` is then
   * ignored.
   */
  schoolId?: string;
  /**
   * Runs `skolnet-agent` with the given arguments to its end, for an agent
   * other than the one built in this repository (an installed copy, say).
   * By default `node agent/bin/skolnet-agent.js` through {@link runToEnd}.
   */
  runAgent?: (args: readonly string[]) => Promise<Finished>;
}

/** An enrolled agent: its school and code, and what `skolnet-agent enroll` printed. */
export interface EnrolledAgent extends SchoolCode {
  stdout: string;
  stderr: string;
}

/**
 * Issues an enrollment code for the existing school `schoolId`, as an admin
 * would with `POST /api/v1/schools/:id/enrollment-codes`; `codeBody` carries
 * a role or a lifetime (`ttl_hours`) when the test needs one.
 */
export async function createEnrollmentCode(
  url: string,
  adminToken: string,
  schoolId: string,
  codeBody: Record<string, unknown> = {},
): Promise<SchoolCode> {
  const issued = await fetch(`${url}/api/v1/schools/${schoolId}/enrollment-codes`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(codeBody),
  });
  expect(issued.status, await issued.clone().text()).toBe(201);
  const { code, role } = (await issued.json()) as { code: string; role?: string | null };
  return { schoolId, code, role };
}

/**
 * Creates a school on the collector at `url` and an enrollment code for it,
 * as an admin would with `POST /api/v1/schools` and
 * `POST /api/v1/schools/:id/enrollment-codes`.
 */
export async function createSchoolAndCode(
  url: string,
  adminToken: string,
  school: NewSchool = {
    name: 'Cēsu pamatskola',
    municipality: 'Cēsu novads',
    pupils: 200,
  },
  codeBody: Record<string, unknown> = {},
): Promise<SchoolCode> {
  const created = await fetch(`${url}/api/v1/schools`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(school),
  });
  expect(created.status, await created.clone().text()).toBe(201);
  const { id } = (await created.json()) as { id: string };
  return createEnrollmentCode(url, adminToken, id, codeBody);
}

/**
 * Creates a school and a code (or only a code, for `options.schoolId`),
 * then enrolls an agent with state in `stateDir` through
 * `skolnet-agent enroll`, failing the test if it does not exit 0.
 * `extraArgs` go after the usual `--collector`, `--code` and `--state`.
 */
export async function enrollAgent(
  url: string,
  adminToken: string,
  stateDir: string,
  extraArgs: readonly string[] = [],
  options: EnrollOptions = {},
): Promise<EnrolledAgent> {
  const school =
    options.schoolId === undefined
      ? await createSchoolAndCode(url, adminToken, options.school)
      : await createEnrollmentCode(url, adminToken, options.schoolId);
  const args = ['enroll', '--collector', url, '--code', school.code, '--state', stateDir, ...extraArgs];
  const enrolled = await (options.runAgent ? options.runAgent(args) : runToEnd([agentBin, ...args]));
  expect(enrolled.code, enrolled.stderr).toBe(0);
  return { ...school, stdout: enrolled.stdout, stderr: enrolled.stderr };
}
