import { useState } from 'preact/hooks';
import { api } from '../../api/client.js';
import { useApi } from '../../api/use-api.js';
import { DataTable, type Column, type SortState } from '../../components/DataTable.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { LiveStatus } from '../../components/LiveStatus.js';
import { useCommon } from '../../i18n/common.js';
import { useLang, useMessages } from '../../i18n/i18n.js';
import { Link } from '../../router.js';
import { useSession } from '../../session.js';
import en from './messages.en.js';
import lv from './messages.lv.js';
import type { Contract } from './types.js';

const messages = { lv, en };

/**
 * A vendor's contracts (a planner's or an admin's: every one), each with
 * its school, contracted speeds, status and latest campaign; a vendor
 * marks an open contract complete here, which starts its acceptance
 * campaign (`POST /api/v1/contracts/:id/complete`).
 */
export function ContractsPage() {
  const t = useMessages(messages);
  const common = useCommon();
  const { fmt } = useLang();
  const { session } = useSession();
  const [said, setSaid] = useState('');
  const [failure, setFailure] = useState<unknown>(undefined);
  const [sort, setSort] = useState<SortState | undefined>(undefined);
  const contracts = useApi(() => api.get<{ contracts: Contract[] }>('/api/v1/contracts'), []);
  const schools = useApi(() => api.schools(), []);
  const names = new Map((schools.data ?? []).map((s) => [s.id, s.name]));
  const mayComplete = session?.user.role === 'vendor' || session?.user.role === 'admin';

  const complete = async (contract: Contract): Promise<void> => {
    setFailure(undefined);
    try {
      await api.send('POST', `/api/v1/contracts/${encodeURIComponent(contract.id)}/complete`);
      setSaid(t('started'));
      contracts.reload();
    } catch (err) {
      setFailure(err);
    }
  };

  const columns: Column<Contract>[] = [
    {
      key: 'school',
      header: t('school'),
      rowHeader: true,
      cell: (c) => (
        <Link href={`/schools/${encodeURIComponent(c.school_id)}`}>
          {names.get(c.school_id) ?? c.school_id}
        </Link>
      ),
      sortValue: (c) => names.get(c.school_id) ?? c.school_id,
    },
    {
      key: 'reference',
      header: t('reference'),
      cell: (c) => c.reference ?? '–',
      sortValue: (c) => c.reference,
    },
    { key: 'kind', header: t('kind'), cell: (c) => t(`kind_${c.kind}`) },
    {
      key: 'speeds',
      header: t('speeds'),
      numeric: true,
      cell: (c) =>
        t('speeds_value', { down: fmt.number(c.download_max_mbps, 1), up: fmt.number(c.upload_max_mbps, 1) }),
      sortValue: (c) => c.download_max_mbps,
    },
    {
      key: 'completion',
      header: t('completion'),
      cell: (c) => fmt.date(c.completion_date),
      sortValue: (c) => c.completion_date,
    },
    { key: 'status', header: t('status'), cell: (c) => t(`status_${c.status}`), sortValue: (c) => c.status },
    {
      key: 'campaign',
      header: t('campaign'),
      cell: (c) => {
        const latest = c.campaigns[c.campaigns.length - 1];
        if (latest !== undefined) {
          return (
            <Link href={`/vendor/campaigns/${encodeURIComponent(latest.id)}`}>
              {t('open_campaign', { status: t(`run_${latest.status}`) })}
            </Link>
          );
        }
        if (c.status === 'open' && mayComplete) {
          return (
            <button
              type="button"
              aria-label={t('mark_complete_label', { reference: c.reference ?? c.id })}
              onClick={() => void complete(c)}
            >
              {t('mark_complete')}
            </button>
          );
        }
        return <span class="muted">{t('no_campaign')}</span>;
      },
    },
  ];

  return (
    <>
      <h1>{t('title')}</h1>
      <p class="lead">{t('intro')}</p>
      <LiveStatus message={said} />
      {failure !== undefined && <ErrorNotice error={failure} />}
      {contracts.error !== undefined && <ErrorNotice error={contracts.error} onRetry={contracts.reload} />}
      {contracts.data === undefined ? (
        contracts.error === undefined && <p>{common('loading')}</p>
      ) : contracts.data.contracts.length === 0 ? (
        <p>{t('no_contracts')}</p>
      ) : (
        <DataTable
          caption={t('contracts_caption')}
          columns={columns}
          rows={contracts.data.contracts}
          rowKey={(c) => c.id}
          sort={sort}
          onSort={setSort}
        />
      )}
    </>
  );
}
