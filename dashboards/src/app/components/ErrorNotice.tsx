import { ApiError } from '../api/client.js';
import { useCommon } from '../i18n/common.js';

/** Says why data could not be loaded, with a retry button. */
export function ErrorNotice(props: { error: unknown; onRetry?: () => void }) {
  const t = useCommon();
  const network = props.error instanceof ApiError && props.error.status === 0;
  const message = props.error instanceof Error ? props.error.message : String(props.error);
  return (
    <div class="notice notice-error">
      <p>{network ? t('error_network') : t('error_generic', { message })}</p>
      {props.onRetry && (
        <button type="button" onClick={props.onRetry}>
          {t('retry')}
        </button>
      )}
    </div>
  );
}
