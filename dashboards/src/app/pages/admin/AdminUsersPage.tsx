import type { TargetedEvent } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../../api/client.js';
import { ROLES, type Role } from '../../api/types.js';
import { useApi } from '../../api/use-api.js';
import { DataTable, type Column } from '../../components/DataTable.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { SelectField } from '../../components/Fields.js';
import { useCommon } from '../../i18n/common.js';
import { useMessages } from '../../i18n/i18n.js';
import '../school/school.css';
import en from './messages.en.js';
import lv from './messages.lv.js';
import { TextField } from './shared.js';

const messages = { lv, en };

/** `GET /api/v1/users` entries. */
interface UserView {
  id: string;
  email: string;
  display_name: string | null;
  role: Role;
  school_id: string | null;
  municipality: string | null;
  vendor: string | null;
  disabled: boolean;
}

/** Which scope each role's account needs (collector/src/auth/roles.ts ROLE_SCOPES). */
const SCOPE_OF: Readonly<Record<Role, 'national' | 'school' | 'municipality' | 'vendor'>> = {
  admin: 'national',
  planner: 'national',
  municipality_planner: 'municipality',
  school_it: 'school',
  vendor: 'vendor',
  support_coordinator: 'school',
  director: 'school',
  municipal_coordinator: 'municipality',
  ikvd: 'national',
};

/**
 * Users, roles and scopes for admins: every account with its role and
 * scope, a role change (with the scope it needs), disabling, and a new
 * account. The account service audits each change.
 */
export function AdminUsersPage() {
  const t = useMessages(messages);
  const common = useCommon();
  const users = useApi(() => api.get<{ users: UserView[] }>('/api/v1/users'), []);
  const schools = useApi(
    () => api.get<{ schools: { id: string; name: string }[] }>('/api/v1/admin/schools'),
    [],
  );
  const [message, setMessage] = useState<string | undefined>(undefined);
  const [failure, setFailure] = useState<unknown>(undefined);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<string>('planner');
  const [scope, setScope] = useState('');
  const [password, setPassword] = useState('');
  const schoolName = new Map((schools.data?.schools ?? []).map((s) => [s.id, s.name]));
  const scopeText = (u: UserView): string =>
    u.school_id !== null
      ? (schoolName.get(u.school_id) ?? u.school_id)
      : (u.municipality ?? u.vendor ?? t('national'));

  const act = async (work: () => Promise<string | undefined>): Promise<void> => {
    setFailure(undefined);
    try {
      setMessage((await work()) ?? t('done'));
      users.reload();
    } catch (e) {
      setMessage(undefined);
      setFailure(e);
    }
  };

  const columns: Column<UserView>[] = [
    { key: 'email', header: t('email'), cell: (u) => u.email, sortValue: (u) => u.email, rowHeader: true },
    {
      key: 'role',
      header: t('role'),
      cell: (u) => (
        <select
          aria-label={t('change_role', { email: u.email })}
          value={u.role}
          onChange={(e: TargetedEvent<HTMLSelectElement>) => {
            const next = e.currentTarget.value as Role;
            void act(async () => {
              // A national role clears the scope; a scoped one keeps the account's.
              const body =
                SCOPE_OF[next] === 'national'
                  ? { role: next, school_id: null, municipality: null, vendor: null }
                  : { role: next };
              await api.send('PATCH', `/api/v1/users/${encodeURIComponent(u.id)}`, body);
              return undefined;
            });
          }}
        >
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {common(`role_${r}`)}
            </option>
          ))}
        </select>
      ),
    },
    { key: 'scope', header: t('scope'), cell: scopeText },
    { key: 'disabled', header: t('disabled'), cell: (u) => (u.disabled ? t('yes') : t('no')) },
    {
      key: 'actions',
      header: t('actions'),
      cell: (u) => (
        <button
          type="button"
          aria-label={`${u.disabled ? t('enable') : t('disable')}: ${u.email}`}
          onClick={() =>
            void act(async () => {
              await api.send('PATCH', `/api/v1/users/${encodeURIComponent(u.id)}`, { disabled: !u.disabled });
              return undefined;
            })
          }
        >
          {u.disabled ? t('enable') : t('disable')}
        </button>
      ),
    },
  ];
  const needs = SCOPE_OF[role as Role];
  return (
    <>
      <h1>{t('users_title')}</h1>
      <div role="status" class="status">
        {message}
      </div>
      {failure !== undefined && <ErrorNotice error={failure} />}
      <section aria-labelledby="new-user-h">
        <h2 id="new-user-h">{t('new_user')}</h2>
        <form
          class="inline-form"
          onSubmit={(e: TargetedEvent<HTMLFormElement>) => {
            e.preventDefault();
            void act(async () => {
              const body: Record<string, string> = { email, role };
              if (password !== '') body['password'] = password;
              if (needs === 'school' && scope !== '') body['school_id'] = scope;
              if (needs === 'municipality' && scope !== '') body['municipality'] = scope;
              if (needs === 'vendor' && scope !== '') body['vendor'] = scope;
              await api.send('POST', '/api/v1/users', body);
              setEmail('');
              setPassword('');
              return t('user_created', { email });
            });
          }}
        >
          <TextField label={t('email')} type="email" value={email} onInput={setEmail} required />
          <SelectField
            label={t('role')}
            value={role}
            options={ROLES.map((r) => ({ value: r, label: common(`role_${r}`) }))}
            onChange={(r) => {
              setRole(r);
              setScope('');
            }}
          />
          {needs === 'school' ? (
            <SelectField
              label={t('school_id')}
              value={scope}
              allLabel={t('none')}
              options={(schools.data?.schools ?? []).map((s) => ({ value: s.id, label: s.name }))}
              onChange={setScope}
            />
          ) : needs === 'national' ? null : (
            <TextField label={t('scope')} value={scope} onInput={setScope} />
          )}
          <TextField
            label={t('password')}
            type="password"
            value={password}
            onInput={setPassword}
            autocomplete="new-password"
          />
          <button type="submit" class="primary">
            {t('create_user')}
          </button>
        </form>
      </section>
      <section aria-labelledby="users-h">
        <h2 id="users-h">{t('users_caption')}</h2>
        {users.error !== undefined && <ErrorNotice error={users.error} onRetry={users.reload} />}
        {users.data === undefined ? (
          <p>{common('loading')}</p>
        ) : (
          <DataTable
            caption={t('users_caption')}
            captionHidden
            columns={columns}
            rows={users.data.users}
            rowKey={(u) => u.id}
          />
        )}
      </section>
    </>
  );
}
