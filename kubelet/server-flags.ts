// The kubelet server's flags (the kubelet's names and, where kubeadm's kubelet
// configuration differs from the flag's default, kubeadm's value: anonymous-auth off,
// webhook authentication and authorization on), and the server options they make.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { Logger } from 'pino';
import { parseDurationFlag } from '../api/duration.js';
import type { RestClient } from '../client/rest-client.js';
import { apiserverReviews, WebhookAuthorizer, WebhookTokenAuthenticator } from './auth-webhook.js';
import type { ServerOptions } from './server.js';
import { alwaysAllow, type KubeletAuthorizer } from './server-auth.js';
import { loadOrCreateServingCertificate } from './serving-cert.js';

export const DEFAULT_HEALTHZ_PORT = 10248;

/** Adds the server's TLS, authentication, authorization and healthz flags. */
export function addServerFlags(program: Command): Command {
  return program
    .option('--tls-cert-file <file>', 'serving certificate (PEM, with its chain); with neither this nor --tls-private-key-file, a self-signed one is generated into --cert-dir')
    .option('--tls-private-key-file <file>', 'serving key (PEM)')
    .option('--cert-dir <dir>', 'where the generated kubelet.crt and kubelet.key are kept (default: <root-dir>/pki)')
    .option('--client-ca-file <file>', 'CA bundle client certificates are verified against: CN is the user, O the groups (without it client certificates are not accepted; kubeadm gives the cluster CA)')
    .option('--anonymous-auth [bool]', 'requests without credentials are served as system:anonymous (still authorized) instead of 401', 'false')
    .option('--authentication-token-webhook [bool]', 'bearer tokens are checked with a TokenReview through the apiserver', 'true')
    .option('--authentication-token-webhook-cache-ttl <duration>', 'how long a TokenReview answer is cached', '2m')
    .option('--authorization-mode <mode>', 'Webhook (each request checked with a SubjectAccessReview through the apiserver) or AlwaysAllow', 'Webhook')
    .option('--authorization-webhook-cache-authorized-ttl <duration>', 'how long an allowed SubjectAccessReview answer is cached', '5m')
    .option('--authorization-webhook-cache-unauthorized-ttl <duration>', 'how long a denied SubjectAccessReview answer is cached', '30s')
    .option('--streaming-connection-idle-timeout <duration>', 'an exec, attach or port-forward connection with no traffic for this long is closed (0 never)', '4h0m0s')
    .option('--healthz-port <port>', 'port of the plain-HTTP /healthz (0 disables it)', String(DEFAULT_HEALTHZ_PORT))
    .option('--healthz-bind-address <ip>', 'address of the plain-HTTP /healthz', '127.0.0.1')
    .option('--feature-gates <gates>', 'comma-separated name=bool; known: KubeletFineGrainedAuthz (default false, as in 1.32)');
}

/** A bool flag's value as pflag parses it (strconv.ParseBool); a flag given alone is true. */
export function parseBoolFlag(name: string, v: unknown): boolean {
  if (v === true) return true;
  if (v === false) return false;
  const s = String(v);
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  throw new Error(`invalid argument ${JSON.stringify(s)} for "--${name}" flag: strconv.ParseBool: parsing ${JSON.stringify(s)}: invalid syntax`);
}

const FEATURE_GATES: Record<string, boolean> = { KubeletFineGrainedAuthz: false };

/** --feature-gates parsed; an unknown gate is refused, as the kubelet refuses it. */
export function parseFeatureGates(v: string | undefined): Record<string, boolean> {
  const gates = { ...FEATURE_GATES };
  for (const item of (v ?? '').split(',').map((x) => x.trim()).filter(Boolean)) {
    const [name, value = ''] = item.split('=', 2);
    if (!(name in FEATURE_GATES)) throw new Error(`unrecognized feature gate: ${name}`);
    gates[name] = parseBoolFlag(`feature-gates ${name}`, value.trim());
  }
  return gates;
}

export interface ServerFlagContext {
  nodeName: string;
  nodeIP: string;
  rootDir: string;
  /** The kubelet's own client: it sends the reviews. */
  rest: RestClient;
  log: Logger;
}

/** What startKubeletServer needs besides address, port, logs and log; and where /healthz is served, if at all. */
export async function serverOptionsFromFlags(o: Record<string, unknown>, c: ServerFlagContext): Promise<{
  tls: NonNullable<ServerOptions['tls']>; auth: NonNullable<ServerOptions['auth']>; healthz?: { address: string; port: number };
  streamingIdleTimeoutMs: number;
}> {
  const str = (k: string): string | undefined => (o[k] === undefined ? undefined : String(o[k]));
  const mode = str('authorizationMode');
  if (mode !== 'Webhook' && mode !== 'AlwaysAllow') throw new Error(`--authorization-mode: unsupported authorization mode ${JSON.stringify(mode)} (supported: Webhook, AlwaysAllow)`);
  const gates = parseFeatureGates(str('featureGates'));
  const certDir = str('certDir') ?? join(c.rootDir, 'pki');
  const serving = await loadOrCreateServingCertificate({
    certFile: str('tlsCertFile'), keyFile: str('tlsPrivateKeyFile'), certDir, nodeName: c.nodeName, ips: [c.nodeIP],
  });
  if (serving.generated) c.log.info({ certDir }, 'generated a self-signed serving certificate');
  const clientCAFile = str('clientCaFile');
  const clientCA = clientCAFile ? await readFile(clientCAFile, 'utf8') : undefined;
  const reviews = apiserverReviews(c.rest);
  const authorizer: KubeletAuthorizer = mode === 'AlwaysAllow' ? alwaysAllow : new WebhookAuthorizer({
    review: reviews.reviewAccess,
    authorizedTtlMs: parseDurationFlag(String(str('authorizationWebhookCacheAuthorizedTtl'))),
    unauthorizedTtlMs: parseDurationFlag(String(str('authorizationWebhookCacheUnauthorizedTtl'))),
  });
  const tokens = parseBoolFlag('authentication-token-webhook', o.authenticationTokenWebhook)
    ? new WebhookTokenAuthenticator({ review: reviews.reviewToken, cacheTtlMs: parseDurationFlag(String(str('authenticationTokenWebhookCacheTtl'))) })
    : undefined;
  const healthzPort = Number(str('healthzPort'));
  return {
    tls: { cert: serving.cert, key: serving.key, ...(clientCA ? { clientCA } : {}) },
    auth: {
      nodeName: c.nodeName, anonymous: parseBoolFlag('anonymous-auth', o.anonymousAuth), tokens, authorizer,
      fineGrained: gates.KubeletFineGrainedAuthz, log: c.log.child({ component: 'server-auth' }),
    },
    streamingIdleTimeoutMs: parseDurationFlag(String(str('streamingConnectionIdleTimeout'))),
    healthz: healthzPort > 0 ? { address: String(str('healthzBindAddress')), port: healthzPort } : undefined,
  };
}
