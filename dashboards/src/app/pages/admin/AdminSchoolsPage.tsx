import type { TargetedEvent } from 'preact';
import { useId, useState } from 'preact/hooks';
import { api } from '../../api/client.js';
import { useApi } from '../../api/use-api.js';
import { DataTable, type Column } from '../../components/DataTable.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { SelectField } from '../../components/Fields.js';
import { useCommon } from '../../i18n/common.js';
import { useLang, useMessages, type Translate } from '../../i18n/i18n.js';
import { Link } from '../../router.js';
import '../school/school.css';
import en from './messages.en.js';
import lv from './messages.lv.js';
import { TextField } from './shared.js';

const messages = { lv, en };
type T = Translate<typeof lv>;

/** A school as `GET /api/v1/admin/schools` lists it. */
interface RegisterSchool {
  id: string;
  name: string;
  municipality: string;
  pupils: number;
  registration_number: string | null;
  address: string | null;
  lat: number | null;
  lon: number | null;
  school_type: string | null;
  retired_at: string | null;
}

/** `POST /api/v1/schools/import` (collector/src/services/school-register-service.ts). */
interface ImportReport {
  dry_run: boolean;
  applied: boolean;
  rows: number;
  blank_rows: number[];
  ignored_columns: string[];
  counts: { create: number; update: number; unchanged: number; bad: number };
  problems: { row: number; field: string; code: string; lv: string; en: string }[];
}

const SCHOOL_TYPES = ['general', 'special', 'vocational', 'preschool'] as const;

/**
 * The school register for admins: every school (retired too) with edit,
 * retire and reinstate, and the import of the national register's export
 * with a dry run that lists every bad row before anything is written.
 */
export function AdminSchoolsPage() {
  const t = useMessages(messages);
  const common = useCommon();
  const { fmt } = useLang();
  const schools = useApi(() => api.get<{ schools: RegisterSchool[] }>('/api/v1/admin/schools'), []);
  const [message, setMessage] = useState<string | undefined>(undefined);
  const [failure, setFailure] = useState<unknown>(undefined);
  const [editing, setEditing] = useState<RegisterSchool | undefined>(undefined);

  const act = async (work: () => Promise<string | undefined>): Promise<void> => {
    setFailure(undefined);
    try {
      setMessage((await work()) ?? t('done'));
    } catch (e) {
      setMessage(undefined);
      setFailure(e);
    }
  };

  const columns: Column<RegisterSchool>[] = [
    {
      key: 'name',
      header: t('name'),
      cell: (s) => <Link href={`/schools/${encodeURIComponent(s.id)}`}>{s.name}</Link>,
      sortValue: (s) => s.name,
      rowHeader: true,
    },
    { key: 'municipality', header: t('municipality'), cell: (s) => s.municipality },
    { key: 'number', header: t('registration_number'), cell: (s) => s.registration_number ?? '—' },
    {
      key: 'type',
      header: t('school_type'),
      cell: (s) => (s.school_type ? t(`type_${s.school_type}` as keyof typeof lv) : '—'),
    },
    { key: 'pupils', header: t('pupils'), cell: (s) => fmt.number(s.pupils), numeric: true },
    {
      key: 'coordinates',
      header: t('coordinates'),
      cell: (s) =>
        s.lat === null || s.lon === null ? '—' : `${fmt.number(s.lat, 4)}; ${fmt.number(s.lon, 4)}`,
    },
    {
      key: 'state',
      header: t('state'),
      cell: (s) => (s.retired_at ? t('retired', { date: fmt.date(s.retired_at) }) : t('active')),
    },
    {
      key: 'actions',
      header: t('actions'),
      cell: (s) => (
        <span class="actions">
          <button type="button" aria-label={`${t('edit')}: ${s.name}`} onClick={() => setEditing(s)}>
            {t('edit')}
          </button>
          <button
            type="button"
            aria-label={`${s.retired_at ? t('reinstate') : t('retire')}: ${s.name}`}
            onClick={() =>
              void act(async () => {
                await api.send(
                  'POST',
                  `/api/v1/schools/${encodeURIComponent(s.id)}/${s.retired_at ? 'reinstate' : 'retire'}`,
                );
                schools.reload();
                return undefined;
              })
            }
          >
            {s.retired_at ? t('reinstate') : t('retire')}
          </button>
        </span>
      ),
    },
  ];

  return (
    <>
      <h1>{t('schools_title')}</h1>
      <div role="status" class="status">
        {message}
      </div>
      {failure !== undefined && <ErrorNotice error={failure} />}
      <Import t={t} onImported={schools.reload} />
      {editing && (
        <EditSchool
          t={t}
          school={editing}
          onDone={(text) => {
            setEditing(undefined);
            if (text !== undefined) {
              setMessage(text);
              schools.reload();
            }
          }}
          onError={setFailure}
        />
      )}
      <section aria-labelledby="register-h">
        <h2 id="register-h">{t('schools_caption')}</h2>
        {schools.error !== undefined && <ErrorNotice error={schools.error} onRetry={schools.reload} />}
        {schools.data === undefined ? (
          <p>{common('loading')}</p>
        ) : (
          <DataTable
            caption={t('schools_caption')}
            captionHidden
            columns={columns}
            rows={schools.data.schools}
            rowKey={(s) => s.id}
          />
        )}
      </section>
    </>
  );
}

function EditSchool(props: {
  t: T;
  school: RegisterSchool;
  onDone: (message: string | undefined) => void;
  onError: (err: unknown) => void;
}) {
  const { t, school } = props;
  const [name, setName] = useState(school.name);
  const [municipality, setMunicipality] = useState(school.municipality);
  const [pupils, setPupils] = useState(String(school.pupils));
  const [address, setAddress] = useState(school.address ?? '');
  const [number, setNumber] = useState(school.registration_number ?? '');
  const [lat, setLat] = useState(school.lat === null ? '' : String(school.lat));
  const [lon, setLon] = useState(school.lon === null ? '' : String(school.lon));
  const [type, setType] = useState(school.school_type ?? '');
  const num = (text: string): number | null => (text.trim() === '' ? null : Number(text.replace(',', '.')));
  return (
    <section aria-labelledby="edit-h">
      <h2 id="edit-h">{t('edit_title', { school: school.name })}</h2>
      <form
        class="inline-form"
        onSubmit={(e: TargetedEvent<HTMLFormElement>) => {
          e.preventDefault();
          api
            .send('PATCH', `/api/v1/schools/${encodeURIComponent(school.id)}`, {
              name,
              municipality,
              pupils: Number(pupils),
              address: address.trim() === '' ? null : address.trim(),
              registration_number: number.trim() === '' ? null : number.trim(),
              lat: num(lat),
              lon: num(lon),
              school_type: type === '' ? null : type,
            })
            .then(
              () => props.onDone(t('saved')),
              (err: unknown) => props.onError(err),
            );
        }}
      >
        <TextField label={t('name')} value={name} onInput={setName} required />
        <TextField label={t('municipality')} value={municipality} onInput={setMunicipality} required />
        <TextField label={t('pupils')} value={pupils} onInput={setPupils} required />
        <TextField label={t('registration_number')} value={number} onInput={setNumber} />
        <TextField label={t('address')} value={address} onInput={setAddress} />
        <TextField label={t('lat')} value={lat} onInput={setLat} />
        <TextField label={t('lon')} value={lon} onInput={setLon} />
        <SelectField
          label={t('school_type')}
          value={type}
          allLabel="—"
          options={SCHOOL_TYPES.map((v) => ({ value: v, label: t(`type_${v}`) }))}
          onChange={setType}
        />
        <button type="submit" class="primary">
          {t('save')}
        </button>
        <button type="button" onClick={() => props.onDone(undefined)}>
          {t('cancel')}
        </button>
      </form>
    </section>
  );
}

function Import(props: { t: T; onImported: () => void }) {
  const { t } = props;
  const { lang } = useLang();
  const fileId = useId();
  const hintId = useId();
  const [file, setFile] = useState<File | undefined>(undefined);
  const [report, setReport] = useState<ImportReport | undefined>(undefined);
  const [failure, setFailure] = useState<unknown>(undefined);
  const run = (dryRun: boolean): void => {
    if (!file) return;
    setFailure(undefined);
    const query = `dry_run=${dryRun}&file_name=${encodeURIComponent(file.name)}`;
    api.upload<ImportReport>(`/api/v1/schools/import?${query}`, file).then(
      (r) => {
        setReport(r);
        if (r.applied) props.onImported();
      },
      (err: unknown) => {
        setReport(undefined);
        setFailure(err);
      },
    );
  };
  const problemColumns: Column<ImportReport['problems'][number]>[] = [
    { key: 'row', header: t('row'), cell: (p) => String(p.row), numeric: true, rowHeader: true },
    { key: 'field', header: t('field'), cell: (p) => p.field },
    { key: 'reason', header: t('reason'), cell: (p) => (lang === 'lv' ? p.lv : p.en) },
    { key: 'code', header: t('code'), cell: (p) => <code>{p.code}</code> },
  ];
  return (
    <section aria-labelledby="import-h">
      <h2 id="import-h">{t('import_title')}</h2>
      <form
        class="inline-form"
        onSubmit={(e: TargetedEvent<HTMLFormElement>) => {
          e.preventDefault();
          run(true);
        }}
      >
        <div class="field">
          <label for={fileId}>{t('import_file')}</label>
          <input
            id={fileId}
            type="file"
            accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            aria-describedby={hintId}
            onChange={(e: TargetedEvent<HTMLInputElement>) => {
              setFile(e.currentTarget.files?.[0]);
              setReport(undefined);
            }}
          />
        </div>
        <button type="submit" disabled={!file}>
          {t('dry_run')}
        </button>
        <button
          type="button"
          class="primary"
          disabled={!report || !report.dry_run || report.problems.length > 0}
          onClick={() => run(false)}
        >
          {t('import_now')}
        </button>
      </form>
      <p id={hintId} class="hint">
        {t('import_hint')}
      </p>
      {failure !== undefined && <ErrorNotice error={failure} />}
      {report && (
        <div class={report.problems.length === 0 ? 'report-ok' : 'report-bad'}>
          <p>
            {report.applied
              ? t('report_applied')
              : report.problems.length === 0
                ? t('report_ok')
                : t('report_bad')}
          </p>
          <p>
            {t('report_summary', {
              rows: report.rows,
              create: report.counts.create,
              update: report.counts.update,
              unchanged: report.counts.unchanged,
              bad: report.counts.bad,
            })}
          </p>
          {report.blank_rows.length > 0 && <p>{t('report_blank', { rows: report.blank_rows.join(', ') })}</p>}
          {report.ignored_columns.length > 0 && (
            <p>{t('report_ignored', { columns: report.ignored_columns.join(', ') })}</p>
          )}
          {report.problems.length > 0 && (
            <DataTable
              caption={t('problems_caption')}
              columns={problemColumns}
              rows={report.problems}
              rowKey={(p) => `${p.row}|${p.field}|${p.code}`}
            />
          )}
        </div>
      )}
    </section>
  );
}
