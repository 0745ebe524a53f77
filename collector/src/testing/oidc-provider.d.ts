/**
 * The little of `oidc-provider` (a test-only dependency without bundled
 * types) the OpenID Connect test uses.
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  interface ProviderAccount {
    accountId: string;
    claims: () => Record<string, unknown>;
  }
  interface ProviderConfiguration {
    clients: Record<string, unknown>[];
    cookies?: { keys: string[] };
    claims?: Record<string, string[]>;
    findAccount: (ctx: unknown, id: string) => ProviderAccount | Promise<ProviderAccount>;
  }
  export default class Provider {
    constructor(issuer: string, configuration: ProviderConfiguration);
    callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  }
}
