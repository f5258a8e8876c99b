// The CSR approving controller (pkg/controller/certificates/approver/sarapprove.go):
// a kubelet's client certificate request (signer kubernetes.io/kube-apiserver-client-
// kubelet, a valid node client request: CN system:node:<name>, O exactly system:nodes,
// digital signature + client auth usages, no subject alternative names) is approved
// when a SubjectAccessReview says its requester may create
// certificatesigningrequests/selfnodeclient (renewal: the CN is the requester's own
// name) or certificatesigningrequests/nodeclient (a new node joining with a bootstrap
// token). kubeadm binds the ClusterRoles granting these to its bootstrap token group and
// to system:nodes. Anything else is left for a person (kubectl certificate approve).
import type { Logger } from 'pino';
import type { SubjectAccessReviewSpec } from '../../api/types/authorization.js';
import type { CertificateSigningRequest } from '../../api/types/certificates.js';
import { KUBE_APISERVER_CLIENT_KUBELET_SIGNER } from '../../api/types/certificates.js';
import { approvalOf, kubeletClientCSRProblem, parseCSR, requestBytes, type ParsedCSR } from '../../api/validation/certificatesigningrequest.js';
import type { Clock } from '../../client/clock.js';
import type { Informer } from '../../client/informer.js';
import type { ControllerMetrics } from '../metrics.js';
import { CertificateController } from './certificate-controller.js';

export const NAME = 'certificatesigningrequest-approving-controller';

/** The approver's two requests to the apiserver, behind an interface so unit tests record them. */
export interface CSRApproverClient {
  /** POST subjectaccessreviews: status.allowed. */
  subjectAccessReview(spec: SubjectAccessReviewSpec): Promise<boolean>;
  /** PUT certificatesigningrequests/<name>/approval with csr (its conditions). */
  updateApproval(csr: CertificateSigningRequest): Promise<void>;
}

/** One kind of request the approver knows, and the access that approves it. */
export interface Recognizer {
  recognize(csr: CertificateSigningRequest, parsed: ParsedCSR): boolean;
  /** The subresource of certificatesigningrequests the requester must be allowed to create. */
  subresource: string;
  successMessage: string;
}

/** isNodeClientCert: the kubelet client signer and a valid node client request. */
export const isNodeClientCert = (csr: CertificateSigningRequest, parsed: ParsedCSR): boolean =>
  csr.spec.signerName === KUBE_APISERVER_CLIENT_KUBELET_SIGNER && kubeletClientCSRProblem(parsed, csr.spec.usages ?? []) === undefined;

/** isSelfNodeClientCert: a node client request for the requester's own name. */
export const isSelfNodeClientCert = (csr: CertificateSigningRequest, parsed: ParsedCSR): boolean =>
  csr.spec.username === parsed.commonName && isNodeClientCert(csr, parsed);

/** recognizers(), in the order they are tried. */
export const RECOGNIZERS: readonly Recognizer[] = [
  { recognize: isSelfNodeClientCert, subresource: 'selfnodeclient', successMessage: 'Auto approving self kubelet client certificate after SubjectAccessReview.' },
  { recognize: isNodeClientCert, subresource: 'nodeclient', successMessage: 'Auto approving kubelet client certificate after SubjectAccessReview.' },
];

/** The SubjectAccessReview asking whether csr's requester may create certificatesigningrequests/<subresource>. */
export function reviewFor(csr: CertificateSigningRequest, subresource: string): SubjectAccessReviewSpec {
  const spec: SubjectAccessReviewSpec = {
    user: csr.spec.username ?? '',
    groups: csr.spec.groups ?? [],
    resourceAttributes: { group: 'certificates.k8s.io', version: '*', resource: 'certificatesigningrequests', subresource, verb: 'create' },
  };
  if (csr.spec.uid) spec.uid = csr.spec.uid;
  if (csr.spec.extra && Object.keys(csr.spec.extra).length) spec.extra = csr.spec.extra;
  return spec;
}

/** Retried with backoff like any failure, but nothing went wrong (certificates.IgnorableError). */
export class NotApprovedYet extends Error {
  override name = 'NotApprovedYet';
}

/**
 * sarApprover.handle: nothing for a request already issued, approved or denied; else
 * each recognizer that matches asks its SubjectAccessReview, and the first allowed one
 * appends the Approved condition (reason AutoApproved) through /approval. A recognized
 * request nobody allowed throws NotApprovedYet, so it is tried again later (RBAC may
 * change); an unrecognized one is left alone.
 */
export async function approve(csr: CertificateSigningRequest, client: CSRApproverClient): Promise<'approved' | 'ignored'> {
  if (csr.status?.certificate) return 'ignored';
  const { approved, denied } = approvalOf(csr.status);
  if (approved || denied) return 'ignored';
  let parsed: ParsedCSR;
  try {
    parsed = parseCSR(requestBytes(csr));
  } catch (err) {
    throw new Error(`unable to parse csr ${JSON.stringify(csr.metadata.name)}: ${(err as Error).message}`);
  }
  const tried: string[] = [];
  for (const r of RECOGNIZERS) {
    if (!r.recognize(csr, parsed)) continue;
    tried.push(r.subresource);
    if (!await client.subjectAccessReview(reviewFor(csr, r.subresource))) continue;
    csr.status = {
      ...(csr.status ?? {}),
      conditions: [...(csr.status?.conditions ?? []), { type: 'Approved', status: 'True', reason: 'AutoApproved', message: r.successMessage }],
    };
    await client.updateApproval(csr);
    return 'approved';
  }
  if (tried.length) {
    throw new NotApprovedYet(`recognized csr ${JSON.stringify(csr.metadata.name)} as [${tried.join(' ')}] but subject access review was not approved`);
  }
  return 'ignored';
}

export interface CSRApprovingOptions {
  csrs: Pick<Informer<CertificateSigningRequest>, 'get' | 'addEventHandler'>;
  client: CSRApproverClient;
  clock: Clock;
  log: Logger;
  metrics?: ControllerMetrics;
}

/** NewCSRApprovingController: the shared certificate loop with approve() as its handler (5 workers). */
export function newCSRApprovingController(o: CSRApprovingOptions): CertificateController {
  return new CertificateController(NAME, {
    csrs: o.csrs, workers: 5, clock: o.clock, log: o.log, metrics: o.metrics,
    handler: async (csr) => {
      if (await approve(csr, o.client) === 'approved') o.log.info({ csr: csr.metadata.name, requestor: csr.spec.username }, 'approved certificate signing request');
    },
  });
}
