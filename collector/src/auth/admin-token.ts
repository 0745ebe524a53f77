import type { Store } from '../storage/store.js';
import { generateSecret, sha256Hex } from '../security/secrets.js';

/** Meta key holding the SHA-256 (hex) of the admin token. The token itself is never stored. */
export const ADMIN_TOKEN_META_KEY = 'admin_token_sha256';

/**
 * Creates the admin token on first start. Returns the plain token only
 * when it was just created, so it is shown exactly once; afterwards
 * returns undefined.
 */
export async function ensureAdminToken(store: Store): Promise<string | undefined> {
  if ((await store.getMeta(ADMIN_TOKEN_META_KEY)) !== undefined) return undefined;
  return resetAdminToken(store);
}

/** Issues a new admin token, invalidating the old one; returns it in plain once. */
export async function resetAdminToken(store: Store): Promise<string> {
  const token = generateSecret();
  await store.setMeta(ADMIN_TOKEN_META_KEY, sha256Hex(token));
  return token;
}
