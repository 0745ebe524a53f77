import type { TargetedEvent } from 'preact';
import { useId, useState } from 'preact/hooks';
import { ApiError, api } from '../../api/client.js';
import { useApi } from '../../api/use-api.js';
import { DataTable, type Column } from '../../components/DataTable.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { SelectField } from '../../components/Fields.js';
import { useCommon } from '../../i18n/common.js';
import { useLang, useMessages, type Translate } from '../../i18n/i18n.js';
import { Link } from '../../router.js';
import type { PageProps } from '../page.js';
import type { AgentView, SchoolDetailView } from '../school/types.js';
import '../school/school.css';
import { campaignCell } from './agent-campaign.js';
import en from './messages.en.js';
import lv from './messages.lv.js';

const messages = { lv, en };
type T = Translate<typeof lv>;

/** `GET /api/v1/schools/:id/enrollment-codes` entries. */
interface CodeView {
  id: string;
  role: string | null;
  created_at: string | null;
  expires_at: string;
  used_at: string | null;
  status: 'active' | 'used' | 'expired' | 'revoked';
}

/**
 * The roles an enrollment code may fix, as shared/src/constants.ts
 * `AGENT_ROLES` lists them (the shared package's entry also carries
 * Node-only code, so the browser keeps its own copy).
 */
const AGENT_ROLES = ['school_server', 'lab_pc', 'issued_laptop', 'router_poller'] as const;

/** Default lifetime offered for a new code, hours: the collector's default (72 h). */
const DEFAULT_CODE_HOURS = 72;

/**
 * The school IT page: the school's enrollment codes (create, end, revoke),
 * its agents (rename, retire, status, outbox, last error, duplicate
 * hardware) and configuration pushed to all of them. The API scopes every
 * call to the person's school; another school's page answers 403.
 */
export function SchoolItPage(props: PageProps) {
  const t = useMessages(messages);
  const common = useCommon();
  const id = props.params.id ?? '';
  const enc = encodeURIComponent(id);
  const school = useApi(() => api.get<SchoolDetailView>(`/api/v1/schools/${enc}`), [id]);
  const [message, setMessage] = useState<string | undefined>(undefined);
  const [failure, setFailure] = useState<unknown>(undefined);
  const err = school.error instanceof ApiError ? school.error : undefined;
  if (err?.status === 403 || err?.status === 404) {
    return (
      <>
        <h1>{t('title')}</h1>
        <p>{err.message}</p>
      </>
    );
  }
  /** Runs a write, then shows its outcome in one status line (announced once). */
  const act = async (work: () => Promise<string | undefined>): Promise<void> => {
    setFailure(undefined);
    try {
      setMessage((await work()) ?? t('done'));
    } catch (e) {
      setMessage(undefined);
      setFailure(e);
    }
  };
  return (
    <>
      <h1>{t('heading', { school: school.data?.name ?? '…' })}</h1>
      <p>
        <Link href={`/schools/${enc}`}>{t('back_to_school')}</Link>
      </p>
      {school.error !== undefined && <ErrorNotice error={school.error} onRetry={school.reload} />}
      <div role="status" class="status">
        {message}
      </div>
      {failure !== undefined && <ErrorNotice error={failure} />}
      {school.data === undefined ? <p>{common('loading')}</p> : <Body id={id} t={t} act={act} />}
    </>
  );
}

function Body(props: { id: string; t: T; act: (work: () => Promise<string | undefined>) => Promise<void> }) {
  const { t, act } = props;
  const { fmt } = useLang();
  const enc = encodeURIComponent(props.id);
  const codes = useApi(
    () => api.get<{ codes: CodeView[] }>(`/api/v1/schools/${enc}/enrollment-codes`),
    [props.id],
  );
  const agents = useApi(() => api.get<{ agents: AgentView[] }>(`/api/v1/schools/${enc}/agents`), [props.id]);
  const [role, setRole] = useState('');
  const [hours, setHours] = useState(String(DEFAULT_CODE_HOURS));
  const [renaming, setRenaming] = useState<string | undefined>(undefined);
  const [newName, setNewName] = useState('');
  const [config, setConfig] = useState('{}');
  const hoursId = useId();
  const renameId = useId();
  const configId = useId();
  const configHintId = useId();

  const codeColumns: Column<CodeView>[] = [
    { key: 'id', header: t('code_id'), cell: (c) => <code>{c.id}</code>, rowHeader: true },
    { key: 'role', header: t('role'), cell: (c) => c.role ?? t('any_role') },
    { key: 'issued', header: t('issued'), cell: (c) => (c.created_at ? fmt.dateTime(c.created_at) : '—') },
    { key: 'expires', header: t('expires'), cell: (c) => fmt.dateTime(c.expires_at) },
    { key: 'status', header: t('status'), cell: (c) => t(`code_${c.status}`) },
    {
      key: 'actions',
      header: t('actions'),
      cell: (c) =>
        c.status === 'active' ? (
          <span class="actions">
            {(['expire', 'revoke'] as const).map((how) => (
              <button
                key={how}
                type="button"
                aria-label={`${t(how)} ${c.id}`}
                onClick={() =>
                  void act(async () => {
                    await api.send('POST', `/api/v1/schools/${enc}/enrollment-codes/${c.id}/${how}`);
                    codes.reload();
                    return undefined;
                  })
                }
              >
                {t(how)}
              </button>
            ))}
          </span>
        ) : (
          '—'
        ),
    },
  ];

  const agentColumns: Column<AgentView>[] = [
    { key: 'name', header: t('name'), cell: (a) => a.display_name ?? a.hostname, rowHeader: true },
    { key: 'hostname', header: t('hostname'), cell: (a) => a.hostname },
    { key: 'role', header: t('role'), cell: (a) => a.role },
    { key: 'status', header: t('status'), cell: (a) => t(`status_${a.status}`) },
    {
      key: 'seen',
      header: t('last_seen'),
      cell: (a) => (a.last_seen_at ? fmt.dateTime(a.last_seen_at) : t('never')),
    },
    {
      key: 'outbox',
      header: t('outbox'),
      cell: (a) => (a.outbox ? fmt.number(a.outbox.depth) : '—'),
      numeric: true,
    },
    { key: 'error', header: t('last_error'), cell: (a) => a.last_error ?? '—' },
    { key: 'dup', header: t('duplicate'), cell: (a) => (a.duplicate_hardware ? t('yes') : t('no')) },
    { key: 'campaign', header: t('campaign'), cell: (a) => campaignCell(a, t) },
    {
      key: 'actions',
      header: t('actions'),
      cell: (a) =>
        a.status === 'revoked' ? (
          '—'
        ) : (
          <span class="actions">
            <button
              type="button"
              aria-label={`${t('rename')} ${a.display_name ?? a.hostname}`}
              onClick={() => {
                setRenaming(a.id);
                setNewName(a.display_name ?? a.hostname);
              }}
            >
              {t('rename')}
            </button>
            <button
              type="button"
              aria-label={`${t('retire')} ${a.display_name ?? a.hostname}`}
              onClick={() =>
                void act(async () => {
                  await api.send('POST', `/api/v1/agents/${encodeURIComponent(a.id)}/revoke`);
                  agents.reload();
                  return undefined;
                })
              }
            >
              {t('retire')}
            </button>
          </span>
        ),
    },
  ];
  const renamed = agents.data?.agents.find((a) => a.id === renaming);

  return (
    <>
      <section aria-labelledby="codes-h">
        <h2 id="codes-h">{t('codes_title')}</h2>
        {codes.error !== undefined && <ErrorNotice error={codes.error} onRetry={codes.reload} />}
        <DataTable
          caption={t('codes_caption')}
          columns={codeColumns}
          rows={codes.data?.codes ?? []}
          rowKey={(c) => c.id}
        />
        <form
          class="inline-form"
          aria-label={t('new_code')}
          onSubmit={(e: TargetedEvent<HTMLFormElement>) => {
            e.preventDefault();
            void act(async () => {
              const issued = await api.send<{ code: string; expires_at: string }>(
                'POST',
                `/api/v1/schools/${enc}/enrollment-codes`,
                { ttl_hours: Number(hours), ...(role === '' ? {} : { role }) },
              );
              codes.reload();
              return t('created_code', { code: issued.code, expires: fmt.dateTime(issued.expires_at) });
            });
          }}
        >
          <SelectField
            label={t('role')}
            value={role}
            allLabel={t('any_role')}
            options={AGENT_ROLES.map((r) => ({ value: r, label: r }))}
            onChange={setRole}
          />
          <div class="field">
            <label for={hoursId}>{t('hours')}</label>
            <input
              id={hoursId}
              type="number"
              min={1}
              value={hours}
              onInput={(e: TargetedEvent<HTMLInputElement>) => setHours(e.currentTarget.value)}
            />
          </div>
          <button type="submit" class="primary">
            {t('create_code')}
          </button>
        </form>
      </section>

      <section aria-labelledby="agents-h">
        <h2 id="agents-h">{t('agents_title')}</h2>
        {agents.error !== undefined && <ErrorNotice error={agents.error} onRetry={agents.reload} />}
        <DataTable
          caption={t('agents_caption')}
          columns={agentColumns}
          rows={agents.data?.agents ?? []}
          rowKey={(a) => a.id}
        />
        {renamed && (
          <form
            class="inline-form"
            onSubmit={(e: TargetedEvent<HTMLFormElement>) => {
              e.preventDefault();
              void act(async () => {
                await api.send('PATCH', `/api/v1/agents/${encodeURIComponent(renamed.id)}`, {
                  display_name: newName.trim() === '' ? null : newName.trim(),
                });
                setRenaming(undefined);
                agents.reload();
                return undefined;
              });
            }}
          >
            <div class="field">
              <label for={renameId}>{t('rename_label', { agent: renamed.hostname })}</label>
              <input
                id={renameId}
                value={newName}
                maxLength={100}
                onInput={(e: TargetedEvent<HTMLInputElement>) => setNewName(e.currentTarget.value)}
              />
            </div>
            <button type="submit" class="primary">
              {t('save')}
            </button>
            <button type="button" onClick={() => setRenaming(undefined)}>
              {t('cancel')}
            </button>
          </form>
        )}
      </section>

      <section aria-labelledby="config-h">
        <h2 id="config-h">{t('config_title')}</h2>
        <form
          onSubmit={(e: TargetedEvent<HTMLFormElement>) => {
            e.preventDefault();
            void act(async () => {
              let body: unknown;
              try {
                body = JSON.parse(config);
              } catch {
                return t('config_invalid');
              }
              const result = await api.send<{ changed: { pushed: boolean }[] }>(
                'PUT',
                `/api/v1/schools/${enc}/agent-config`,
                body,
              );
              agents.reload();
              return t('config_pushed', {
                changed: result.changed.length,
                pushed: result.changed.filter((c) => c.pushed).length,
              });
            });
          }}
        >
          <div class="field">
            <label for={configId}>{t('config_label')}</label>
            <textarea
              id={configId}
              rows={4}
              cols={60}
              aria-describedby={configHintId}
              value={config}
              onInput={(e: TargetedEvent<HTMLTextAreaElement>) => setConfig(e.currentTarget.value)}
            />
            <p id={configHintId} class="hint">
              {t('config_hint')}
            </p>
          </div>
          <button type="submit">{t('push_config')}</button>
        </form>
      </section>

      <section aria-labelledby="wifi-h">
        <h2 id="wifi-h">{t('wifi_title')}</h2>
        <p>
          <Link href={`/schools/${enc}#wifi`}>{t('wifi_link')}</Link>
        </p>
      </section>
    </>
  );
}
