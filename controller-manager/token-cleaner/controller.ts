// The bootstrap token cleaner (pkg/controller/bootstrap/tokencleaner.go): a bootstrap
// token Secret (type bootstrap.kubernetes.io/token) in kube-system is deleted once its
// data.expiration (RFC 3339) has passed. A token not yet expired is queued again for
// the moment it expires, on the injected clock, so it goes then and not at the next
// resync. The delete carries the Secret's uid and resourceVersion as preconditions:
// a Secret recreated under the same name, or updated (a new expiration) since the
// cache read, is left alone; its own event queues it again.
import type { Logger } from 'pino';
import { isConflict, isNotFound } from '../../api/errors.js';
import type { Secret } from '../../api/types/core.js';
import type { Preconditions } from '../../api/types/meta.js';
import { BOOTSTRAP_SECRET_TYPE, tokenExpiration } from '../../apiserver/authn/bootstrap-token.js';

export { tokenExpiration };
import type { Clock } from '../../client/clock.js';
import { keyOf, splitKey, type Informer } from '../../client/informer.js';
import type { WorkQueue } from '../../client/work-queue.js';
import { controllerQueue, runQueue, type Controller } from '../controller.js';
import type { ControllerMetrics } from '../metrics.js';

export const NAME = 'token-cleaner-controller';
/** api.NamespaceSystem: where bootstrap tokens live (DefaultTokenCleanerOptions). */
export const TOKEN_SECRET_NAMESPACE = 'kube-system';
/** bootstrapapi.BootstrapTokenExpirationKey. */

/** The cleaner's one write, behind an interface so unit tests record it. */
export interface TokenCleanerClient {
  deleteSecret(namespace: string, name: string, preconditions: Preconditions): Promise<void>;
}

export interface TokenCleanerOptions {
  secrets: Pick<Informer<Secret>, 'get' | 'addEventHandler'>;
  client: TokenCleanerClient;
  clock: Clock;
  log: Logger;
  metrics?: ControllerMetrics;
}

/** The informer filter: a bootstrap token Secret in the token namespace. */
export const isBootstrapToken = (s: Secret): boolean => s.type === BOOTSTRAP_SECRET_TYPE && s.metadata.namespace === TOKEN_SECRET_NAMESPACE;

export class TokenCleaner implements Controller {
  readonly name = NAME;
  readonly queue: WorkQueue;

  constructor(private readonly o: TokenCleanerOptions) {
    this.queue = controllerQueue({ name: NAME, clock: o.clock, metrics: o.metrics });
    const enqueue = (s: Secret): void => { if (isBootstrapToken(s)) this.queue.add(keyOf(s)); };
    o.secrets.addEventHandler({ add: enqueue, update: (_, s) => enqueue(s) });
  }

  async run(signal: AbortSignal): Promise<void> {
    this.o.log.info({ controller: NAME }, 'starting controller');
    // Kubernetes runs one worker.
    await runQueue(this.queue, (key) => this.syncSecret(key), signal, {
      name: NAME, workers: 1, log: this.o.log, clock: this.o.clock, metrics: this.o.metrics,
    });
    this.o.log.info({ controller: NAME }, 'shutting down controller');
  }

  /** syncFunc + evalSecret: delete an expired token, or come back when it expires. */
  async syncSecret(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const secret = this.o.secrets.get(namespace, name);
    if (!secret || !isBootstrapToken(secret)) return;
    const { ttlMs, expired } = tokenExpiration(secret, this.o.clock.now());
    if (!expired) {
      if (ttlMs > 0) this.queue.addAfter(key, ttlMs);
      return;
    }
    this.o.log.info({ secret: key }, 'deleting expired bootstrap token secret');
    const preconditions: Preconditions = {};
    if (secret.metadata.uid) preconditions.uid = secret.metadata.uid;
    if (secret.metadata.resourceVersion) preconditions.resourceVersion = secret.metadata.resourceVersion;
    try {
      await this.o.client.deleteSecret(namespace, name, preconditions);
    } catch (err) {
      // NotFound: already deleted. Conflict: a precondition failed, so this is not the
      // Secret the cache showed; its event queues it again.
      if (isNotFound(err) || isConflict(err)) return;
      throw err;
    }
  }
}
