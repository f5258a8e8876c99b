// The root CA certificate publisher as kube-controller-manager registers it: the CA
// bundle is --root-ca-file when given (it must hold PEM certificates, else the process
// does not start), else the CA the controller manager itself trusts the apiserver with
// (its kubeconfig's certificate-authority-data or certificate-authority, as Kubernetes
// takes the client config's CAData). Without either the controller is not started.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ConfigMap, Namespace } from '../../api/types/core.js';
import { resourceClient } from '../../client/resource-client.js';
import type { ControllerDescriptor } from '../controllers.js';
import type { ControllerOptions } from '../options.js';
import { NAME, RootCACertPublisher } from './controller.js';

export const ROOT_CA_FILE_FLAG = 'root-ca-file';

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;

/**
 * certutil.ParseCertsPEM's check: every CERTIFICATE block parses as X.509 and there is
 * at least one; other blocks are skipped. Throws Kubernetes' message otherwise.
 */
export function checkCertsPEM(pem: string): void {
  let found = 0;
  for (const m of pem.matchAll(PEM_BLOCK)) {
    if (m[1] !== 'CERTIFICATE') continue;
    new X509Certificate(m[0]);
    found++;
  }
  if (found === 0) throw new Error('data does not contain any valid RSA or ECDSA certificates');
}

/** readCA: the file's bytes once they are known to hold certificates. */
export function readCA(file: string): string {
  try {
    const pem = readFileSync(file, 'utf8');
    checkCertsPEM(pem);
    return pem;
  } catch (err) {
    throw new Error(`error parsing root-ca-file at ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The bundle to publish and where it came from; undefined when there is none. */
export function rootCAFor(options: ControllerOptions, kubeconfigCA: Buffer | undefined): { pem: string; source: string } | undefined {
  const file = options.string(ROOT_CA_FILE_FLAG);
  if (file) return { pem: readCA(file), source: file };
  if (kubeconfigCA && kubeconfigCA.length > 0) return { pem: kubeconfigCA.toString('utf8'), source: 'kubeconfig' };
  return undefined;
}

export const rootCACertPublisherDescriptor: ControllerDescriptor = {
  name: NAME,
  aliases: ['root-ca-cert-publisher'],
  serviceAccountName: 'root-ca-cert-publisher',
  flags: [
    {
      name: ROOT_CA_FILE_FLAG, kind: 'string', default: '',
      description: 'If set, this root certificate authority is published to every namespace in the ConfigMap kube-root-ca.crt (Kubernetes also puts it in service account token secrets). This must be a valid PEM-encoded CA bundle. Unset: the certificate authority of --kubeconfig.',
    },
  ],
  validate(options) {
    const file = options.string(ROOT_CA_FILE_FLAG);
    if (file) readCA(file);
  },
  create(ctx) {
    const log = ctx.log.child({ controller: NAME });
    let ca: ReturnType<typeof rootCAFor>;
    try {
      ca = rootCAFor(ctx.options, ctx.rest.config.ca);
    } catch (err) {
      // validate() read the file at start; unreadable since then, this term goes without.
      log.error({ err }, 'not starting the root CA certificate publisher');
      return undefined;
    }
    if (!ca) {
      log.info('no CA to publish: neither --root-ca-file nor a certificate authority in the kubeconfig; not starting the root CA certificate publisher');
      return undefined;
    }
    log.info({ source: ca.source }, 'publishing the root CA bundle');
    return new RootCACertPublisher({
      namespaces: ctx.informers.informer<Namespace>('namespaces'),
      configMaps: ctx.informers.informer<ConfigMap>('configmaps'),
      client: resourceClient<ConfigMap>(ctx.rest, 'configmaps'),
      rootCA: ca.pem,
      clock: ctx.clock,
      log,
      metrics: ctx.metrics,
    });
  },
};
