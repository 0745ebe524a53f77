import { useMessages } from '../../i18n/i18n.js';
import { Link } from '../../router.js';
import { useSession } from '../../session.js';
import type { SupportPupil } from '../support/types.js';
import en from './messages.en.js';
import lv from './messages.lv.js';
import { newPlanHref, newPupilHref, schoolRecordsHref } from './paths.js';

const messages = { lv, en };

/**
 * The forms' entries on the school's support list: adding a pupil (the
 * coordinator) and the school's attestations, orders and laptops (the
 * coordinator and director, who issues orders).
 */
export function SchoolFormLinks(props: { schoolId: string }) {
  const t = useMessages(messages);
  const { session } = useSession();
  const role = session?.user.role;
  if (role !== 'support_coordinator' && role !== 'director') return null;
  return (
    <p class="filters">
      {role === 'support_coordinator' && (
        <Link class="button primary" href={newPupilHref(props.schoolId)}>
          {t('pupil_title')}
        </Link>
      )}
      <Link class="button" href={schoolRecordsHref(props.schoolId)}>
        {t('school_records_title')}
      </Link>
    </p>
  );
}

/** A new plan for a pupil of the list, for the coordinator; nothing for anyone else. */
export function NewPlanLink(props: { schoolId: string; pupil: SupportPupil }) {
  const t = useMessages(messages);
  const { session } = useSession();
  if (session?.user.role !== 'support_coordinator') return null;
  return (
    <Link href={newPlanHref(props.schoolId, props.pupil.id)}>
      {t('plan_for_pupil', { class: props.pupil.class_label })}
    </Link>
  );
}
