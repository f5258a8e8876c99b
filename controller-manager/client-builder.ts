// Which identity each controller talks to the apiserver with
// (k8s.io/controller-manager/pkg/clientbuilder, chosen by kube-controller-manager's
// createClientBuilders). Without --use-service-account-credentials every controller
// uses the manager's own clients (SimpleControllerClientBuilder). With it, a controller
// whose descriptor names a ServiceAccount gets clients of its own that authenticate as
// kube-system/<that name> (DynamicControllerClientBuilder): the manager's credentials
// are dropped from the config (AnonymousClientConfig: server and CA only) and every
// request carries that account's token (service-account-token.ts), so RBAC grants the
// controller only its role system:controller:<name>. The shared informers and leader
// election stay on the manager's own clients, as in Kubernetes.
import type { Logger } from 'pino';
import type { Clock } from '../client/clock.js';
import type { ClientConfig } from '../client/kubeconfig.js';
import { RestClient } from '../client/rest-client.js';
import type { FlagDef } from './options.js';
import { restServiceAccountTokenClient, ServiceAccountTokenSource } from './service-account-token.js';

export const USE_SERVICE_ACCOUNT_CREDENTIALS_FLAG: FlagDef = {
  name: 'use-service-account-credentials', kind: 'bool', default: 'false',
  description: 'If true, use individual service account credentials for each controller.',
};

/** Where the controllers' ServiceAccounts live (metav1.NamespaceSystem). */
export const CONTROLLER_SERVICE_ACCOUNT_NAMESPACE = 'kube-system';

/** The clients one controller is built with. */
export interface ControllerClients {
  /** Its writes and uncached reads. */
  rest: RestClient;
  /** Its Events: the same identity on connections of their own, so a storm of them never delays the writes. */
  eventRest: RestClient;
  /**
   * Resolves true once the identity can be used (for a ServiceAccount: it exists and a
   * token is in hand), retrying meanwhile; false when signal aborts first. The term
   * starts the controller only after it.
   */
  ready(signal: AbortSignal): Promise<boolean>;
}

/**
 * Hands each controller its clients (the term calls clientsFor once per controller and
 * term). One builder per process: clients and tokens outlive leadership terms.
 */
export interface ControllerClientBuilder {
  /** The clients of the controller acting as ServiceAccount `serviceAccountName` (undefined: the manager's own). */
  clientsFor(serviceAccountName: string | undefined): ControllerClients;
  /** Closes the clients this builder made (not the manager's own). */
  close(): Promise<void>;
}

/** The manager's own clients, as they are. */
export interface RootClients {
  rest: RestClient;
  eventRest: RestClient;
}

/** SimpleControllerClientBuilder: every controller acts as the manager itself. */
export class RootClientBuilder implements ControllerClientBuilder {
  private readonly clients: ControllerClients;

  constructor(root: RootClients) {
    this.clients = { ...root, ready: async (signal) => !signal.aborted };
  }

  /** The manager's clients, whatever the ServiceAccount. */
  clientsFor(_serviceAccountName?: string): ControllerClients {
    return this.clients;
  }

  async close(): Promise<void> {}
}

export interface ServiceAccountClientBuilderOptions {
  /** The manager's client config; the controllers' clients keep its server and CA only. */
  config: ClientConfig;
  /** The manager's own clients: they make the ServiceAccounts and ask for tokens, and serve controllers without a ServiceAccount. */
  root: RootClients;
  /** Defaults to kube-system. */
  namespace?: string;
  /** Prefix of the User-Agent, to which the ServiceAccount's user name is added ("kube-controller-manager"). */
  userAgent: string;
  log: Logger;
  clock?: Clock;
}

/** DynamicControllerClientBuilder: a controller acts as its ServiceAccount, with tokens from the TokenRequest API. */
export class ServiceAccountClientBuilder implements ControllerClientBuilder {
  private readonly byName = new Map<string, ControllerClients>();
  private readonly rootClients: ControllerClients;
  private readonly namespace: string;

  constructor(private readonly o: ServiceAccountClientBuilderOptions) {
    this.namespace = o.namespace ?? CONTROLLER_SERVICE_ACCOUNT_NAMESPACE;
    this.rootClients = new RootClientBuilder(o.root).clientsFor();
  }

  clientsFor(serviceAccountName: string | undefined): ControllerClients {
    if (!serviceAccountName) return this.rootClients;
    let clients = this.byName.get(serviceAccountName);
    if (!clients) {
      const source = new ServiceAccountTokenSource({
        namespace: this.namespace, name: serviceAccountName,
        client: restServiceAccountTokenClient(this.o.root.rest),
        log: this.o.log,
        clock: this.o.clock,
      });
      const config = anonymousClientConfig(this.o.config);
      // client-go's AddUserAgent: "<manager's agent>/system:serviceaccount:<ns>:<name>".
      const userAgent = `${this.o.userAgent}/system:serviceaccount:${this.namespace}:${serviceAccountName}`;
      clients = {
        rest: new RestClient(config, { userAgent, tokenSource: source }),
        eventRest: new RestClient(config, { userAgent, tokenSource: source }),
        ready: (signal) => source.ready(signal),
      };
      this.byName.set(serviceAccountName, clients);
    }
    return clients;
  }

  async close(): Promise<void> {
    await Promise.all([...this.byName.values()].flatMap((c) => [c.rest.close(), c.eventRest.close()]));
  }
}

/** client-go's AnonymousClientConfig: where the server is and how to trust it, no credentials. */
export function anonymousClientConfig(config: ClientConfig): ClientConfig {
  return {
    server: config.server,
    ...(config.ca ? { ca: config.ca } : {}),
    ...(config.insecureSkipTLSVerify !== undefined ? { insecureSkipTLSVerify: config.insecureSkipTLSVerify } : {}),
    ...(config.tlsServerName ? { tlsServerName: config.tlsServerName } : {}),
    namespace: config.namespace,
    ...(config.contextName ? { contextName: config.contextName } : {}),
  };
}
