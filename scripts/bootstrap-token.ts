// `kubeadm token create` and kubeadm's join RBAC, for nodes that join with a bootstrap
// token (kubelet --bootstrap-kubeconfig, kubelet/bootstrap.ts):
//   - createBootstrapToken writes the kube-system Secret bootstrap-token-<id> as kubeadm
//     writes it (token-id, token-secret, expiration, usages, auth-extra-groups) and
//     answers the token "<id>.<secret>": the apiserver (--enable-bootstrap-token-auth)
//     takes it as user system:bootstrap:<id> in system:bootstrappers and those groups,
//     until it expires (the token cleaner then deletes the Secret);
//   - joinRbac are kubeadm's ClusterRoleBindings: the default node token group may create
//     CertificateSigningRequests and have node client certificates approved
//     (csrapproving's nodeclient check), and nodes may renew their own (selfnodeclient).
// As a script: node dist/scripts/bootstrap-token.js --kubeconfig admin.conf [--ttl 24h]
// makes sure of the bindings, creates a token and prints it.
import { randomInt } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { parseDurationFlag } from '../api/duration.js';
import { isAlreadyExists } from '../api/errors.js';
import { rfc3339 } from '../api/helpers/time.js';
import type { Secret } from '../api/types/core.js';
import type { ClusterRoleBinding } from '../api/types/rbac.js';
import { BOOTSTRAP_SECRET_PREFIX, BOOTSTRAP_SECRET_TYPE, BOOTSTRAPPERS_GROUP } from '../apiserver/authn/bootstrap-token.js';
import { loadClientConfig } from '../client/kubeconfig.js';
import { resourceClient } from '../client/resource-client.js';
import { RestClient } from '../client/rest-client.js';

/** kubeadm's group for the tokens nodes join with (NodeBootstrapTokenAuthGroup). */
export const DEFAULT_NODE_TOKEN_GROUP = `${BOOTSTRAPPERS_GROUP}:kubeadm:default-node-token`;
const RBAC = 'rbac.authorization.k8s.io';
const EXTRA_GROUP = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export interface BootstrapTokenOptions {
  /** Lifetime from now: kubeadm's default 24 h when absent, 0 never expires (kubeadm's --ttl 0). */
  ttlSeconds?: number;
  description?: string;
  /** auth-extra-groups (default: system:bootstrappers:kubeadm:default-node-token). */
  groups?: string[];
}

export interface BootstrapToken {
  /** "<id>.<secret>", what a bootstrap kubeconfig carries. */
  token: string;
  id: string;
  secret: string;
  /** RFC 3339, or undefined for a token that never expires. */
  expiration?: string;
  /** The Secret as created. */
  object: Secret;
}

const random = (n: number): string => Array.from({ length: n }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');

/** The Secret kubeadm writes for a token (its data base64); no expiration: the token never expires. */
export function bootstrapTokenSecret(id: string, secret: string, o: { expiration?: string; description?: string; groups: string[] }): Secret {
  const data: Record<string, string> = { 'token-id': id, 'token-secret': secret };
  if (o.description) data.description = o.description;
  if (o.expiration) data.expiration = o.expiration;
  data['usage-bootstrap-authentication'] = 'true';
  data['usage-bootstrap-signing'] = 'true';
  if (o.groups.length) data['auth-extra-groups'] = o.groups.join(',');
  return {
    apiVersion: 'v1', kind: 'Secret',
    metadata: { name: `${BOOTSTRAP_SECRET_PREFIX}${id}`, namespace: 'kube-system' },
    type: BOOTSTRAP_SECRET_TYPE,
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  };
}

/**
 * `kubeadm token create`: a random token (id [a-z0-9]{6}, secret [a-z0-9]{16}) stored as
 * its kube-system Secret with rest (an admin's client). ttlSeconds: lifetime from now
 * (kubeadm's default 24 h when absent; 0 never expires, as kubeadm's --ttl 0).
 */
export async function createBootstrapToken(rest: RestClient, o: BootstrapTokenOptions = {}): Promise<BootstrapToken> {
  const groups = o.groups ?? [DEFAULT_NODE_TOKEN_GROUP];
  for (const g of groups) {
    if (!EXTRA_GROUP.test(g)) throw new Error(`bootstrap token group ${JSON.stringify(g)} is invalid: it must match ${EXTRA_GROUP.source}`);
  }
  const ttl = o.ttlSeconds ?? 24 * 3600;
  const expiration = ttl === 0 ? undefined : rfc3339(Date.now() + ttl * 1000);
  const secrets = resourceClient<Secret>(rest, 'secrets');
  // A taken id (1 in 2 billion) is drawn again.
  for (let attempt = 0; ; attempt++) {
    const id = random(6);
    const secret = random(16);
    try {
      const object = await secrets.create('kube-system', bootstrapTokenSecret(id, secret, { expiration, description: o.description, groups }));
      return { token: `${id}.${secret}`, id, secret, expiration, object };
    } catch (err) {
      if (!isAlreadyExists(err) || attempt >= 3) throw err;
    }
  }
}

const groupBinding = (name: string, role: string, group: string): ClusterRoleBinding => ({
  apiVersion: `${RBAC}/v1`, kind: 'ClusterRoleBinding',
  metadata: { name },
  roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role },
  subjects: [{ apiGroup: RBAC, kind: 'Group', name: group }],
});

/**
 * kubeadm's bootstrap token RBAC (phases/bootstraptoken/node): the default node token
 * group may create CSRs (system:node-bootstrapper) and have its node client CSRs
 * auto-approved (nodeclient); nodes have their renewals auto-approved (selfnodeclient).
 */
export function joinRbac(): ClusterRoleBinding[] {
  return [
    groupBinding('kubeadm:kubelet-bootstrap', 'system:node-bootstrapper', DEFAULT_NODE_TOKEN_GROUP),
    groupBinding('kubeadm:node-autoapprove-bootstrap', 'system:certificates.k8s.io:certificatesigningrequests:nodeclient', DEFAULT_NODE_TOKEN_GROUP),
    groupBinding('kubeadm:node-autoapprove-certificate-rotation', 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', 'system:nodes'),
  ];
}

/** Creates joinRbac()'s bindings that are missing (an existing one is left as it is); answers the names created. */
export async function ensureJoinRbac(rest: RestClient): Promise<string[]> {
  const bindings = resourceClient<ClusterRoleBinding>(rest, 'clusterrolebindings');
  const created: string[] = [];
  for (const b of joinRbac()) {
    try {
      await bindings.create('', b);
      created.push(b.metadata.name ?? '');
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }
  return created;
}

// Run as a script: node dist/scripts/bootstrap-token.js --kubeconfig admin.conf [--ttl 24h]
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const o = new Command('bootstrap-token')
    .description('Create a bootstrap token for joining a node (kubeadm token create), after making sure of kubeadm\'s join RBAC; prints the token')
    .requiredOption('--kubeconfig <file>', 'an admin kubeconfig')
    .option('--ttl <duration>', 'lifetime of the token (0: never expires)', '24h')
    .option('--description <text>', 'a human-friendly description of the token')
    .option('--groups <groups>', 'extra groups the token authenticates as (comma-separated)', DEFAULT_NODE_TOKEN_GROUP)
    .parse()
    .opts<{ kubeconfig: string; ttl: string; description?: string; groups: string }>();
  const rest = new RestClient(loadClientConfig({ kubeconfig: o.kubeconfig }), { userAgent: 'tskube-bootstrap-token' });
  (async () => {
    await ensureJoinRbac(rest);
    const t = await createBootstrapToken(rest, {
      ttlSeconds: Math.round(parseDurationFlag(o.ttl) / 1000), description: o.description,
      groups: o.groups.split(',').map((g) => g.trim()).filter(Boolean),
    });
    console.log(t.token);
  })()
    .then(() => rest.close())
    .catch((err: Error) => {
      console.error(`bootstrap-token: ${err.message}`);
      process.exit(1);
    });
}
