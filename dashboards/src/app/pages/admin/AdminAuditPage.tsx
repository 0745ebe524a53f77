import type { TargetedEvent } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../../api/client.js';
import { useApi } from '../../api/use-api.js';
import { DataTable, type Column } from '../../components/DataTable.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { useCommon } from '../../i18n/common.js';
import { useLang, useMessages } from '../../i18n/i18n.js';
import { useQuery } from '../../router.js';
import '../school/school.css';
import en from './messages.en.js';
import lv from './messages.lv.js';
import { TextField } from './shared.js';

const messages = { lv, en };

/** `GET /api/v1/audit` entries. */
interface AuditView {
  id: string;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
}

/** Entries per page. */
const PAGE_SIZE = 50;

/**
 * The audit log for admins, newest first, filtered by action, actor and
 * date and paged with the log's cursor; the filters and the page live in
 * the URL so a view can be shared.
 */
export function AdminAuditPage() {
  const t = useMessages(messages);
  const common = useCommon();
  const { fmt } = useLang();
  const [query, setQuery] = useQuery();
  const action = query.get('action') ?? '';
  const actor = query.get('actor') ?? '';
  const since = query.get('since') ?? '';
  const before = query.get('before') ?? '';
  const [draft, setDraft] = useState({ action, actor, since });
  const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (action) params.set('action', action);
  if (actor) params.set('actor', actor);
  if (since) params.set('since', new Date(`${since}T00:00:00`).toISOString());
  if (before) params.set('before', before);
  const audit = useApi(
    () => api.get<{ entries: AuditView[]; next_before: string | null }>(`/api/v1/audit?${params.toString()}`),
    [params.toString()],
  );
  const columns: Column<AuditView>[] = [
    { key: 'at', header: t('at'), cell: (e) => fmt.dateTime(e.at), rowHeader: true },
    { key: 'actor', header: t('actor'), cell: (e) => e.actor },
    { key: 'action', header: t('action'), cell: (e) => <code>{e.action}</code> },
    { key: 'target', header: t('target'), cell: (e) => e.target ?? '—' },
    {
      key: 'details',
      header: t('details'),
      cell: (e) =>
        Object.entries(e.details)
          .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
          .join('; ') || '—',
    },
  ];
  return (
    <>
      <h1>{t('audit_title')}</h1>
      <form
        class="inline-form"
        onSubmit={(e: TargetedEvent<HTMLFormElement>) => {
          e.preventDefault();
          setQuery({
            action: draft.action.trim(),
            actor: draft.actor.trim(),
            since: draft.since,
            before: null,
          });
        }}
      >
        <TextField
          label={t('filter_action')}
          value={draft.action}
          onInput={(v) => setDraft({ ...draft, action: v })}
        />
        <TextField
          label={t('filter_actor')}
          value={draft.actor}
          onInput={(v) => setDraft({ ...draft, actor: v })}
        />
        <TextField
          label={t('filter_since')}
          type="date"
          value={draft.since}
          onInput={(v) => setDraft({ ...draft, since: v })}
        />
        <button type="submit">{t('apply')}</button>
      </form>
      {audit.error !== undefined && <ErrorNotice error={audit.error} onRetry={audit.reload} />}
      {audit.data === undefined ? (
        <p>{common('loading')}</p>
      ) : (
        <DataTable
          caption={t('audit_caption')}
          columns={columns}
          rows={audit.data.entries}
          rowKey={(e) => e.id}
        />
      )}
      <p class="actions">
        {before && (
          <button type="button" onClick={() => setQuery({ before: null })}>
            {t('first_page')}
          </button>
        )}
        {audit.data?.next_before && (
          <button type="button" onClick={() => setQuery({ before: audit.data?.next_before ?? null })}>
            {t('next_page')}
          </button>
        )}
      </p>
    </>
  );
}
