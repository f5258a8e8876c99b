// The CSR signing controller (pkg/controller/certificates/signer): an approved request
// (not denied, not failed) for one of the kubernetes.io signers it runs is checked
// against that signer's rules; one that breaks them gets a Failed condition
// (SignerValidationFailure) and one that keeps them the certificate, both through
// /status. Requests for other signers are left to their own signers.
import type { Logger } from 'pino';
import { isNotFound } from '../../api/errors.js';
import { rfc3339Now } from '../../api/helpers/time.js';
import type { CertificateSigningRequest } from '../../api/types/certificates.js';
import { hasTrueCondition, isApproved, parseCSR, requestBytes } from '../../api/validation/certificatesigningrequest.js';
import type { Clock } from '../../client/clock.js';
import type { Informer } from '../../client/informer.js';
import type { ControllerMetrics } from '../metrics.js';
import { CertificateController } from '../csr-approving/certificate-controller.js';
import { certificateLifetime, signCertificate, signerVerdict, SIGNERS, type SigningCA } from './signer.js';

export const NAME = 'certificatesigningrequest-signing-controller';

/** The signer's one write, behind an interface so unit tests record it. */
export interface CSRSignerClient {
  /** PUT certificatesigningrequests/<name>/status with csr. */
  updateStatus(csr: CertificateSigningRequest): Promise<void>;
}

export interface SignOptions {
  /** The cluster CA (loaded once, on first use). */
  ca: () => Promise<SigningCA>;
  /** --cluster-signing-duration in ms: the longest lifetime issued. */
  certTTLMs: number;
  client: CSRSignerClient;
  now: () => number;
}

/**
 * signer.handle: what becomes of one request without a certificate. 'ignored': not
 * approved, denied, failed, or not for a signer run here; 'failed': the signer's rules
 * refuse it (a Failed condition was written); 'signed': the certificate was written.
 */
export async function signRequest(csr: CertificateSigningRequest, o: SignOptions): Promise<'ignored' | 'failed' | 'signed'> {
  if (!isApproved(csr) || hasTrueCondition(csr, 'Failed')) return 'ignored';
  if (!SIGNERS.includes(csr.spec.signerName)) return 'ignored';
  let parsed;
  try {
    parsed = parseCSR(requestBytes(csr));
  } catch (err) {
    throw new Error(`unable to parse csr ${JSON.stringify(csr.metadata.name)}: ${(err as Error).message}`);
  }
  const usages = csr.spec.usages ?? [];
  const { recognized, problem } = signerVerdict(csr.spec.signerName, parsed, usages);
  if (!recognized) return 'ignored';
  if (problem) {
    csr.status = {
      ...(csr.status ?? {}),
      conditions: [...(csr.status?.conditions ?? []), {
        type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: problem, lastUpdateTime: rfc3339Now(),
      }],
    };
    await writeStatus(o.client, csr, 'error adding failure condition for csr');
    return 'failed';
  }
  let pem: string;
  try {
    pem = await signCertificate(await o.ca(), parsed, usages, certificateLifetime(csr.spec.expirationSeconds, o.certTTLMs), o.now());
  } catch (err) {
    throw new Error(`error auto signing csr: ${(err as Error).message}`);
  }
  csr.status = { ...(csr.status ?? {}), certificate: Buffer.from(pem).toString('base64') };
  await writeStatus(o.client, csr, 'error updating signature for csr');
  return 'signed';
}

/** A request deleted meanwhile needs nothing more. */
async function writeStatus(client: CSRSignerClient, csr: CertificateSigningRequest, what: string): Promise<void> {
  try {
    await client.updateStatus(csr);
  } catch (err) {
    if (isNotFound(err)) return;
    throw Object.assign(err as Error, { message: `${what}: ${(err as Error).message}` });
  }
}

export interface CSRSigningOptions {
  csrs: Pick<Informer<CertificateSigningRequest>, 'get' | 'addEventHandler'>;
  client: CSRSignerClient;
  ca: () => Promise<SigningCA>;
  certTTLMs: number;
  clock: Clock;
  log: Logger;
  metrics?: ControllerMetrics;
}

/** NewCSRSigningController: the shared certificate loop with signRequest() as its handler (5 workers). */
export function newCSRSigningController(o: CSRSigningOptions): CertificateController {
  return new CertificateController(NAME, {
    csrs: o.csrs, workers: 5, clock: o.clock, log: o.log, metrics: o.metrics,
    handler: async (csr) => {
      const outcome = await signRequest(csr, { ca: o.ca, certTTLMs: o.certTTLMs, client: o.client, now: () => o.clock.now() });
      if (outcome === 'signed') o.log.info({ csr: csr.metadata.name, signerName: csr.spec.signerName }, 'issued certificate');
      else if (outcome === 'failed') o.log.info({ csr: csr.metadata.name, signerName: csr.spec.signerName }, 'refused certificate signing request: signer validation failed');
    },
  });
}
