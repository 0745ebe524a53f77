import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeError } from '@skolnet/shared/core';
import { writeFileAtomic } from '../state/agent-state.js';

/** File in the state directory recording that the first assessment after enrollment ran. */
export const FIRST_ASSESSMENT_FILE = 'first-assessment.json';

/** Mode of the marker: the state directory's files are the agent user's alone. */
const MARKER_MODE = 0o600;

interface Marker {
  version: 1;
  /** `enrolled_at` of the credentials the assessment ran under: a new enrollment is due its own. */
  enrolled_at: string;
  completed_at: string;
}

/**
 * Whether the first assessment after enrollment is still due. It runs
 * every probe at once, heavy ones included, whatever the timetable says,
 * because the person who enrolled the agent is waiting for a first
 * score; the lesson-hour rule places every run after it. The marker file
 * names the enrollment it belongs to, so enrolling again (a new
 * `enrolled_at`) makes a new first assessment due.
 */
export class FirstAssessment {
  readonly file: string;

  constructor(stateDir: string) {
    this.file = join(stateDir, FIRST_ASSESSMENT_FILE);
  }

  /** True unless the marker says the enrollment of `enrolledAt` has had its first assessment. */
  isDue(enrolledAt: string): boolean {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return true;
    }
    try {
      const marker = JSON.parse(text) as Partial<Marker>;
      return marker.enrolled_at !== enrolledAt;
    } catch {
      // A damaged marker costs one extra full assessment, nothing more.
      return true;
    }
  }

  /**
   * Records that the first assessment of the enrollment `enrolledAt` ran.
   * Returns an error message instead of throwing: a marker that cannot be
   * written only means the next start assesses at once again.
   */
  complete(enrolledAt: string, at: Date): string | undefined {
    const marker: Marker = { version: 1, enrolled_at: enrolledAt, completed_at: at.toISOString() };
    try {
      writeFileAtomic(this.file, `${JSON.stringify(marker)}\n`, MARKER_MODE);
      return undefined;
    } catch (err) {
      return describeError(err);
    }
  }
}
