import { expect } from 'vitest';
import { agentBin, runToEnd } from './processes.js';

/** A school created through the admin API and a fresh enrollment code for it. */
export interface SchoolCode {
  schoolId: string;
  code: string;
}

/**
 * Creates a school on the collector at `url` and an enrollment code for it,
 * as an admin would with `POST /api/v1/schools` and
 * `POST /api/v1/schools/:id/enrollment-codes`.
 */
export async function createSchoolAndCode(
  url: string,
  adminToken: string,
  school: { name: string; municipality: string; pupils: number } = {
    name: 'Cēsu pamatskola',
    municipality: 'Cēsis',
    pupils: 200,
  },
  codeBody: Record<string, unknown> = {},
): Promise<SchoolCode> {
  const headers = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
  const created = await fetch(`${url}/api/v1/schools`, {
    method: 'POST',
    headers,
    body: JSON.stringify(school),
  });
  expect(created.status, await created.clone().text()).toBe(201);
  const { id } = (await created.json()) as { id: string };
  const issued = await fetch(`${url}/api/v1/schools/${id}/enrollment-codes`, {
    method: 'POST',
    headers,
    body: JSON.stringify(codeBody),
  });
  expect(issued.status, await issued.clone().text()).toBe(201);
  const { code } = (await issued.json()) as { code: string };
  return { schoolId: id, code };
}

/**
 * Creates a school and a code, then enrolls an agent with state in
 * `stateDir` through `skolnet-agent enroll`, failing the test if it does
 * not exit 0.
 */
export async function enrollAgent(
  url: string,
  adminToken: string,
  stateDir: string,
  extraArgs: readonly string[] = [],
): Promise<SchoolCode> {
  const school = await createSchoolAndCode(url, adminToken);
  const enrolled = await runToEnd([
    agentBin,
    'enroll',
    '--collector',
    url,
    '--code',
    school.code,
    '--state',
    stateDir,
    ...extraArgs,
  ]);
  expect(enrolled.code, enrolled.stderr).toBe(0);
  return school;
}
