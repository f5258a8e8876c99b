// The CSR signing controller as kube-controller-manager registers it (csrsigning,
// service account certificate-controller): it signs with the CA of
// --cluster-signing-cert-file and --cluster-signing-key-file, and is not started
// without them. Kubernetes' per-signer flags (--cluster-signing-kubelet-client-cert-file
// and the like) are not offered: one CA signs for every signer.
import type { CertificateSigningRequest } from '../../api/types/certificates.js';
import { resourceClient } from '../../client/resource-client.js';
import type { RestClient } from '../../client/rest-client.js';
import type { ControllerDescriptor } from '../controllers.js';
import type { ControllerOptions } from '../options.js';
import { NAME, newCSRSigningController, type CSRSignerClient } from './controller.js';
import { loadSigningCA, readCAFiles, type SigningCA } from './signer.js';

export const CERT_FILE_FLAG = 'cluster-signing-cert-file';
export const KEY_FILE_FLAG = 'cluster-signing-key-file';
export const DURATION_FLAG = 'cluster-signing-duration';

export function restCSRSignerClient(rest: RestClient): CSRSignerClient {
  const csrs = resourceClient<CertificateSigningRequest>(rest, 'certificatesigningrequests');
  return {
    updateStatus: async (csr) => { await csrs.updateStatus('', csr); },
  };
}

const files = (options: ControllerOptions): { certFile: string; keyFile: string } =>
  ({ certFile: options.string(CERT_FILE_FLAG), keyFile: options.string(KEY_FILE_FLAG) });

export const csrSigningDescriptor: ControllerDescriptor = {
  name: NAME,
  aliases: ['csrsigning'],
  serviceAccountName: 'certificate-controller',
  flags: [
    {
      name: CERT_FILE_FLAG, kind: 'string', default: '',
      description: 'Filename containing a PEM-encoded X509 CA certificate used to issue cluster-scoped certificates (the kubernetes.io signers: kube-apiserver-client, kube-apiserver-client-kubelet, kubelet-serving). Without it and --cluster-signing-key-file the signing controller does not run.',
    },
    {
      name: KEY_FILE_FLAG, kind: 'string', default: '',
      description: 'Filename containing a PEM-encoded RSA or ECDSA private key used to sign cluster-scoped certificates.',
    },
    {
      name: DURATION_FLAG, kind: 'duration', default: '8760h',
      description: 'The max length of duration signed certificates will be given. Individual CSRs may request shorter certs by setting spec.expirationSeconds.',
    },
  ],
  validate(options) {
    const { certFile, keyFile } = files(options);
    if (certFile && keyFile) readCAFiles(certFile, keyFile);
  },
  create(ctx) {
    const log = ctx.log.child({ controller: NAME });
    const { certFile, keyFile } = files(ctx.options);
    if (!certFile || !keyFile) {
      log.info('Skipping CSR signer controller because no csr cert/key was specified (--cluster-signing-cert-file and --cluster-signing-key-file)');
      return undefined;
    }
    let pair: ReturnType<typeof readCAFiles>;
    try {
      pair = readCAFiles(certFile, keyFile);
    } catch (err) {
      // validate() read the files at start; unreadable since then, this term goes without.
      log.error({ err }, 'not starting the CSR signer controller');
      return undefined;
    }
    let ca: Promise<SigningCA> | undefined;
    log.info({ certFile, keyFile }, 'signing certificates with the cluster CA');
    return newCSRSigningController({
      csrs: ctx.informers.informer<CertificateSigningRequest>('certificatesigningrequests'),
      client: restCSRSignerClient(ctx.rest),
      ca: () => (ca ??= loadSigningCA(pair.certPem, pair.keyPem)),
      certTTLMs: ctx.options.duration(DURATION_FLAG),
      clock: ctx.clock,
      log,
      metrics: ctx.metrics,
    });
  },
};
