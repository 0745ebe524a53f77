import fp from 'fastify-plugin';
import type { Store } from '../storage/store.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The collector's storage (storagePlugin). */
    store: Store;
  }
}

/** Options of {@link storagePlugin}. */
export interface StoragePluginOptions {
  /** An open store; the app owns it from now on and closes it when it closes. */
  store: Store;
}

/** Decorates the instance with `store` and closes it when the app closes. */
export const storagePlugin = fp<StoragePluginOptions>(
  (app, options, done) => {
    app.decorate('store', options.store);
    app.addHook('onClose', async () => {
      await options.store.close();
    });
    done();
  },
  { name: 'skolnet-storage', fastify: '5.x', dependencies: ['skolnet-config'] },
);
