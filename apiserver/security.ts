// Assembles who-may-do-what for the apiserver from its options: the authentication
// chain (client certificates, --token-auth-file, bootstrap tokens, service-account
// JWTs), the authorizers (--authorization-mode, Node,RBAC by default), the admission
// plugins (--enable/--disable-admission-plugins), and the API objects that answer
// about them (TokenReview, access reviews, serviceaccounts/token).
import { PRIORITY_PLUGIN, priorityAdmission } from './admission/priority.js';
import { cachedServiceLookup } from './aggregator/resolve.js';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { PersistentVolumeClaim, Secret } from '../api/types/core.js';
import type { KubeObject } from '../api/types/meta.js';
import { AdmissionChain, type AdmissionPlugin } from './admission/chain.js';
import {
  certificateApproval, certificateRequestUser, certificateSigning, certificateSubjectRestriction,
} from './admission/certificate-request.js';
import { nodeRestriction } from './admission/node-restriction.js';
import { podSecurityAdmission } from './admission/pod-security-plugin.js';
import { defaultStorageClassAdmission, storageObjectInUseProtection } from './admission/storage.js';
import { serviceAccountAdmission } from './admission/service-account.js';
import { MUTATING_ADMISSION_WEBHOOK, mutatingAdmissionWebhook } from './admission/mutating-webhook.js';
import { VALIDATING_ADMISSION_WEBHOOK, validatingAdmissionWebhook } from './admission/validating-webhook.js';
import { VALIDATING_ADMISSION_POLICY, validatingAdmissionPolicy } from './admission/validating-admission-policy.js';
import { WebhookClient } from './admission/webhook/client.js';
import type { WebhookDeps } from './admission/webhook/dispatch.js';
import { WebhookSource } from './admission/webhook/source.js';
import type { MutatingWebhook, ValidatingWebhook } from '../api/types/admissionregistration.js';
import { Authenticator } from './authn/authenticator.js';
import { ensureSigningKey, ServiceAccountTokens } from './authn/service-account-token.js';
import { loadTokenFile } from './authn/token-file.js';
import { AuthorizerChain, type Authorizer } from './authz/authorizer.js';
import { NodeAuthorizer } from './authz/node-authorizer.js';
import { NodeGraph } from './authz/node-graph.js';
import { RbacAuthorizer } from './authz/rbac-authorizer.js';
import { bootstrapClusterRoles } from './rbac/bootstrap-policy.js';
import { rbacEscalation } from './rbac/escalation.js';
import type { Registries } from './registries.js';
import type { GenericRegistry } from './registry/generic.js';
import { reviewHandlers } from './registry/reviews.js';
import { tokenSubresource } from './registry/service-account-token.js';

export interface SecurityOptions {
  certDir: string;
  /** --token-auth-file */
  tokenAuthFile?: string;
  /** --enable-bootstrap-token-auth */
  enableBootstrapTokenAuth?: boolean;
  /** --service-account-issuer (the first is written into tokens). */
  serviceAccountIssuers?: string[];
  /** --service-account-signing-key-file (generated into certDir as sa.key when absent). */
  serviceAccountSigningKeyFile?: string;
  /** --service-account-key-file: more public keys that verify tokens. */
  serviceAccountKeyFiles?: string[];
  /** --api-audiences (the issuer by default). */
  apiAudiences?: string[];
  /** --service-account-max-token-expiration in seconds (0: no limit). */
  serviceAccountMaxTokenExpirationSeconds?: number;
  /** --authorization-mode: Node, RBAC, AlwaysAllow (default Node,RBAC). */
  authorizationModes?: string[];
  /** --enable-admission-plugins and --disable-admission-plugins. */
  enableAdmissionPlugins?: string[];
  disableAdmissionPlugins?: string[];
  /** --enable-aggregator-routing: admission webhooks named by a Service are called at one of its endpoints instead of its ClusterIP. */
  enableAggregatorRouting?: boolean;
}

export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
export const DEFAULT_AUTHORIZATION_MODES = ['Node', 'RBAC'];
/** The plugins this apiserver has, in the order kube-apiserver runs them; all on by default. */
export const ADMISSION_PLUGINS = [
  'ServiceAccount', 'NodeRestriction', 'DefaultStorageClass', 'StorageObjectInUseProtection', 'PodSecurity', PRIORITY_PLUGIN, 'CertificateApproval', 'CertificateSigning',
  'CertificateSubjectRestriction', MUTATING_ADMISSION_WEBHOOK, VALIDATING_ADMISSION_POLICY, VALIDATING_ADMISSION_WEBHOOK,
];
/** Plugins that run after RBAC's escalation check, as kube-apiserver's webhooks and policies run last. */
const LAST_PLUGINS = new Set([MUTATING_ADMISSION_WEBHOOK, VALIDATING_ADMISSION_POLICY, VALIDATING_ADMISSION_WEBHOOK]);

export interface Security {
  authenticator: Authenticator;
  authorizer: Authorizer;
  rbac: RbacAuthorizer;
  tokens: ServiceAccountTokens;
  admission: AdmissionChain;
  /** Ends the connections to admission webhooks. */
  close(): Promise<void>;
}

/** Builds the security pieces and attaches the reviews, the token subresource and admission to the registries. */
export async function setUpSecurity(opts: SecurityOptions, registries: Registries, log: Logger): Promise<Security> {
  const cached = async (reg: GenericRegistry, namespace: string | undefined, name: string): Promise<KubeObject | undefined> => {
    const hit = reg.cache.snapshotOne(reg.key(namespace, name));
    if (hit) return hit;
    // A miss may be an object too new for the cache: ask storage.
    return reg.get(namespace, name).catch(() => undefined);
  };
  const issuers = opts.serviceAccountIssuers?.length ? opts.serviceAccountIssuers : [DEFAULT_ISSUER];
  const apiAudiences = opts.apiAudiences?.length ? opts.apiAudiences : [issuers[0]];
  const signingKeyFile = opts.serviceAccountSigningKeyFile ?? join(opts.certDir, 'sa.key');
  if (!opts.serviceAccountSigningKeyFile) await ensureSigningKey(signingKeyFile);
  const tokens = await ServiceAccountTokens.load({ signingKeyFile, publicKeyFiles: opts.serviceAccountKeyFiles }, issuers, apiAudiences, {
    serviceAccount: (ns, name) => cached(registries.get('serviceaccounts'), ns, name),
    pod: (ns, name) => cached(registries.get('pods'), ns, name),
    secret: (ns, name) => cached(registries.get('secrets'), ns, name),
    node: (name) => cached(registries.get('nodes'), undefined, name),
  });
  const authenticator = new Authenticator({
    staticTokens: opts.tokenAuthFile ? await loadTokenFile(opts.tokenAuthFile) : undefined,
    serviceAccounts: tokens,
    bootstrapSecret: opts.enableBootstrapTokenAuth ? async (name) => await cached(registries.get('secrets'), 'kube-system', name) as Secret | undefined : undefined,
    log: log.child({ component: 'authentication' }),
  });

  const rbac = new RbacAuthorizer({
    roles: registries.get('roles').cache, clusterRoles: registries.get('clusterroles').cache,
    roleBindings: registries.get('rolebindings').cache, clusterRoleBindings: registries.get('clusterrolebindings').cache,
  });
  const authorizer = new AuthorizerChain(authorizers(opts.authorizationModes ?? DEFAULT_AUTHORIZATION_MODES, rbac, registries));

  registries.get('serviceaccounts').subresources.set('token', tokenSubresource({
    tokens, serviceAccounts: registries.get('serviceaccounts'), pods: registries.get('pods'),
    secrets: registries.get('secrets'), nodes: registries.get('nodes'),
    maxExpirationSeconds: opts.serviceAccountMaxTokenExpirationSeconds ?? 0,
  }));
  const reviews = reviewHandlers({ authenticator, authorizer, rules: { rulesFor: (u, ns) => rbac.rulesReview(u, ns) }, apiAudiences });
  for (const [plural, handler] of Object.entries(reviews)) registries.get(plural).createHandler = handler;

  const webhookClient = new WebhookClient();
  const plugins = admissionPlugins(opts, registries, cached, authorizer, webhookDeps(opts, registries, webhookClient, log));
  const admission = new AdmissionChain([
    // Not a plugin in Kubernetes (the CSR strategy records who asked), so never disabled.
    certificateRequestUser,
    ...plugins.filter((p) => !LAST_PLUGINS.has(p.name)),
    // Not a plugin in Kubernetes (the RBAC storage does it), so never disabled.
    rbacEscalation(authorizer, rbac),
    ...plugins.filter((p) => LAST_PLUGINS.has(p.name)),
  ]);
  registries.setAdmission(admission);
  return { authenticator, authorizer, rbac, tokens, admission, close: () => webhookClient.close() };
}

function authorizers(modes: string[], rbac: RbacAuthorizer, registries: Registries): Authorizer[] {
  return modes.map((mode) => {
    switch (mode) {
      case 'RBAC': return rbac;
      case 'Node': {
        const nodeRules = bootstrapClusterRoles().find((r) => r.metadata.name === 'system:node')?.rules ?? [];
        const claims = registries.get('persistentvolumeclaims');
        const claimVolume = (ns: string, name: string): string | undefined =>
          (claims.cache.snapshotOne(claims.key(ns, name)) as PersistentVolumeClaim | undefined)?.spec?.volumeName || undefined;
        return new NodeAuthorizer(new NodeGraph(registries.get('pods').cache), nodeRules, claimVolume);
      }
      case 'AlwaysAllow': return { authorize: () => ({ decision: 'allow' as const, reason: '' }) };
      case 'AlwaysDeny': return { authorize: () => ({ decision: 'deny' as const, reason: '' }) };
      default: throw new Error(`--authorization-mode: unknown authorization mode ${JSON.stringify(mode)} (supported: Node, RBAC, AlwaysAllow, AlwaysDeny)`);
    }
  });
}

/** What the admission webhook plugins read: Services and endpoints to call, namespaces' labels to match. */
function webhookDeps(opts: SecurityOptions, registries: Registries, client: WebhookClient, log: Logger): WebhookDeps {
  const namespaces = registries.get('namespaces');
  return {
    client,
    services: cachedServiceLookup(registries.get('services'), registries.get('endpointslices')),
    routing: opts.enableAggregatorRouting ? 'endpoints' : 'cluster-ip',
    // The cache, else storage (a namespace too new for the cache); NotFound is the request's answer.
    namespaceLabels: async (name) => (namespaces.cache.snapshotOne(namespaces.key(undefined, name)) ?? await namespaces.get(undefined, name)).metadata.labels,
    log: log.child({ component: 'admission-webhook' }),
  };
}

function admissionPlugins(opts: SecurityOptions, registries: Registries,
  cached: (reg: GenericRegistry, namespace: string | undefined, name: string) => Promise<KubeObject | undefined>, authorizer: Authorizer,
  webhooks: WebhookDeps): AdmissionPlugin[] {
  for (const name of [...(opts.enableAdmissionPlugins ?? []), ...(opts.disableAdmissionPlugins ?? [])]) {
    if (!ADMISSION_PLUGINS.includes(name) && name !== 'DefaultTolerationSeconds' && name !== 'NamespaceLifecycle') {
      throw new Error(`--enable-admission-plugins/--disable-admission-plugins: unknown admission plugin ${JSON.stringify(name)} (supported: ${ADMISSION_PLUGINS.join(', ')})`);
    }
  }
  const disabled = new Set(opts.disableAdmissionPlugins ?? []);
  const all: Record<string, () => AdmissionPlugin> = {
    ServiceAccount: () => serviceAccountAdmission((ns, name) => cached(registries.get('serviceaccounts'), ns, name)),
    NodeRestriction: () => nodeRestriction,
    DefaultStorageClass: () => defaultStorageClassAdmission(() => registries.get('storageclasses').cache.values()),
    StorageObjectInUseProtection: () => storageObjectInUseProtection,
    PodSecurity: () => podSecurityAdmission({ namespaces: registries.get('namespaces').cache, pods: registries.get('pods').cache }),
    [PRIORITY_PLUGIN]: () => priorityAdmission({
      list: () => registries.get('priorityclasses').cache.values(),
      get: (name) => cached(registries.get('priorityclasses'), undefined, name),
    }),
    CertificateApproval: () => certificateApproval(authorizer),
    CertificateSigning: () => certificateSigning(authorizer),
    CertificateSubjectRestriction: () => certificateSubjectRestriction,
    [MUTATING_ADMISSION_WEBHOOK]: () => mutatingAdmissionWebhook(new WebhookSource<MutatingWebhook>(registries.get('mutatingwebhookconfigurations').cache), webhooks),
    [VALIDATING_ADMISSION_POLICY]: () => validatingAdmissionPolicy({
      policies: registries.get('validatingadmissionpolicies').cache, bindings: registries.get('validatingadmissionpolicybindings').cache,
      cacheOf: (ri) => registries.for(ri)?.cache,
      namespace: async (name) => registries.get('namespaces').cache.snapshotOne(`/registry/namespaces/${name}`) ?? await registries.get('namespaces').get(undefined, name),
      log: webhooks.log,
    }),
    [VALIDATING_ADMISSION_WEBHOOK]: () => validatingAdmissionWebhook(new WebhookSource<ValidatingWebhook>(registries.get('validatingwebhookconfigurations').cache), webhooks),
  };
  return ADMISSION_PLUGINS.filter((n) => !disabled.has(n)).map((n) => all[n]());
}
