import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../../api/client.js';
import { useApi } from '../../api/use-api.js';
import { DataTable, type Column, type SortState } from '../../components/DataTable.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { useCommon } from '../../i18n/common.js';
import { useLang, useMessages } from '../../i18n/i18n.js';
import { Link } from '../../router.js';
import { useSession } from '../../session.js';
import en from './messages.en.js';
import lv from './messages.lv.js';
import { NewPlanLink, SchoolFormLinks } from '../support-forms/links.js';
import { FlagList } from './FlagList.js';
import { QueuePage } from './QueuePage.js';
import { planHref, plansPath, type SupportPlan, type SupportPupil } from './types.js';

const messages = { lv, en };

/** One row of the school's list: a pupil with one of their plans, or with none. */
interface Row {
  key: string;
  pupil: SupportPupil;
  plan: SupportPlan | undefined;
}

/**
 * The pupil-support start page. A school's coordinator and director see
 * the school's pupils with their plans, each plan's status and rule flags
 * (text in the page's language, from the API), and the semester report;
 * a municipal coordinator and IKVD, who approve but see no pupil list,
 * land on their approval queue.
 */
export function SupportPage() {
  const { session } = useSession();
  const role = session?.user.role;
  if (role === 'municipal_coordinator' || role === 'ikvd') return <QueuePage />;
  return <SchoolSupport schoolId={session?.user.school_id ?? null} />;
}

function SchoolSupport(props: { schoolId: string | null }) {
  const t = useMessages(messages);
  const common = useCommon();
  const { lang } = useLang();
  const [sort, setSort] = useState<SortState | undefined>(undefined);
  const schoolId = props.schoolId;
  const data = useApi(async () => {
    if (schoolId === null) return undefined;
    const base = `/api/v1/support/schools/${encodeURIComponent(schoolId)}`;
    const [pupils, plans] = await Promise.all([
      api.get<{ pupils: SupportPupil[] }>(`${base}/pupils`),
      api.get<{ plans: SupportPlan[] }>(plansPath(schoolId)),
    ]);
    return { pupils: pupils.pupils, plans: plans.plans };
  }, [schoolId]);

  if (schoolId === null) return <Shell>{<p>{t('no_school')}</p>}</Shell>;

  const rows: Row[] = [];
  for (const pupil of data.data?.pupils ?? []) {
    const plans = (data.data?.plans ?? []).filter((p) => p.pupil_id === pupil.id);
    if (plans.length === 0) rows.push({ key: pupil.id, pupil, plan: undefined });
    for (const plan of plans) rows.push({ key: plan.id, pupil, plan });
  }
  const semesters = [...new Set((data.data?.plans ?? []).map((p) => p.semester))].sort().reverse();

  // Status and flags first: on a phone the table scrolls sideways, and they are what the list is for.
  const columns: Column<Row>[] = [
    {
      key: 'pupil',
      header: t('pupil'),
      rowHeader: true,
      cell: (r) =>
        t('pupil_value', {
          class: r.pupil.class_label,
          grade: r.pupil.grade,
          unit: t(`unit_${r.pupil.programme}`),
        }),
      sortValue: (r) => r.pupil.class_label,
    },
    {
      key: 'status',
      header: t('status'),
      cell: (r) => (r.plan ? t(`status_${r.plan.status}`) : <span class="muted">{t('no_plan')}</span>),
      sortValue: (r) => r.plan?.status,
    },
    {
      key: 'flags',
      header: t('flags'),
      cell: (r) => (r.plan ? <FlagList flags={r.plan.flags} lang={lang} none={t('no_flags')} /> : t('none')),
      sortValue: (r) => r.plan?.flags.length,
    },
    {
      key: 'open',
      header: t('open_plan'),
      cell: (r) =>
        r.plan ? (
          <Link
            href={planHref(r.plan)}
            aria-label={t('open_plan_label', { class: r.pupil.class_label, semester: r.plan.semester })}
          >
            {t('open_plan')}
          </Link>
        ) : (
          (schoolId !== null && <NewPlanLink schoolId={schoolId} pupil={r.pupil} />) || t('none')
        ),
    },
    {
      key: 'semester',
      header: t('semester'),
      cell: (r) => r.plan?.semester ?? t('none'),
      sortValue: (r) => r.plan?.semester,
    },
    {
      key: 'programme',
      header: t('programme'),
      cell: (r) => t(`programme_${r.pupil.programme}`),
    },
  ];

  return (
    <Shell>
      <SchoolFormLinks schoolId={schoolId} />
      {data.error !== undefined && <ErrorNotice error={data.error} onRetry={data.reload} />}
      {data.data === undefined ? (
        data.error === undefined && <p>{common('loading')}</p>
      ) : rows.length === 0 ? (
        <p>{t('no_pupils')}</p>
      ) : (
        <DataTable
          caption={t('plans_caption')}
          columns={columns}
          rows={rows}
          rowKey={(r) => r.key}
          sort={sort}
          onSort={setSort}
        />
      )}
      <h2>{t('report_heading')}</h2>
      {semesters.length === 0 ? (
        <p>{t('report_none')}</p>
      ) : (
        <ul>
          {semesters.map((semester) => (
            <li key={semester}>
              <a
                href={`/api/v1/support/schools/${encodeURIComponent(schoolId)}/report?semester=${encodeURIComponent(semester)}&format=xlsx&lang=${lang}`}
                download
              >
                {t('report_link', { semester })}
              </a>
              {' · '}
              <a
                href={`/api/v1/support/schools/${encodeURIComponent(schoolId)}/report.pdf?semester=${encodeURIComponent(semester)}&lang=${lang}`}
                download
              >
                {t('report_pdf_link', { semester })}
              </a>
            </li>
          ))}
        </ul>
      )}
    </Shell>
  );
}

function Shell(props: { children: ComponentChildren }) {
  const t = useMessages(messages);
  const { session } = useSession();
  return (
    <>
      <h1>{t('title')}</h1>
      <p class="lead">{t('intro')}</p>
      {session?.user.role === 'director' && (
        <p>
          <Link href="/support/queue">{t('queue_title')}</Link>
        </p>
      )}
      {props.children}
    </>
  );
}
