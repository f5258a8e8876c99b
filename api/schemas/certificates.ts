// certificates.k8s.io/v1 definitions: CertificateSigningRequest, how a client (a joining
// kubelet) asks a signer for a certificate. The request and the issued certificate are
// bytes (base64 in JSON), atomic lists as Kubernetes publishes them.
import { M, METADATA, listKind } from './meta.js';
import {
  API_VERSION, KIND, bytes, gvk, int32, kind, listOf, map, object, ref, str, strings, type Definitions, type JSONSchemaProps,
} from './schema.js';

export const CE = 'io.k8s.api.certificates.v1.';

const GROUP = 'certificates.k8s.io';
const ATOMIC = { listType: 'atomic' } as const;
const atomicBytes = (description: string): JSONSchemaProps => ({ ...bytes(description), 'x-kubernetes-list-type': 'atomic' });

export const CERTIFICATES_DEFINITIONS: Definitions = {
  [`${CE}CertificateSigningRequestSpec`]: object('The certificate request and what the signer is asked to do with it.', {
    expirationSeconds: int32('The requested lifetime of the certificate in seconds; at least 600 (10 minutes). The signer may issue a certificate with a different lifetime; the kube-controller-manager honours it up to --cluster-signing-duration.'),
    extra: map({ type: 'array', items: { type: 'string' } }, 'Extra attributes of the user who created the request. Set by the API server on creation and immutable.'),
    groups: strings('The groups of the user who created the request. Set by the API server on creation and immutable.', ATOMIC),
    request: atomicBytes('A PEM-encoded x509 certificate signing request (a "CERTIFICATE REQUEST" PEM block), base64-encoded in JSON. Immutable.'),
    signerName: str('The signer the request is for, a qualified name such as "kubernetes.io/kube-apiserver-client-kubelet" (client certificates of kubelets), "kubernetes.io/kube-apiserver-client" (client certificates the API server honours) or "kubernetes.io/kubelet-serving" (kubelet serving certificates). Immutable.'),
    uid: str('The uid of the user who created the request. Set by the API server on creation and immutable.'),
    usages: strings('The key usages requested for the certificate: "digital signature", "key encipherment", "client auth", "server auth" and the others x509 defines. Immutable.', ATOMIC),
    username: str('The name of the user who created the request. Set by the API server on creation and immutable.'),
  }, ['request', 'signerName']),

  [`${CE}CertificateSigningRequestCondition`]: object('A condition of a certificate request: Approved, Denied or Failed.', {
    lastTransitionTime: ref(`${M}Time`, 'When the condition last changed from one status to another. Set by the server when empty.'),
    lastUpdateTime: ref(`${M}Time`, 'When the condition was last updated. Set by the server when empty.'),
    message: str('A human readable message with details about the request state.'),
    reason: str('A brief reason for the request state.'),
    status: str('The status of the condition: True, False or Unknown. Approved, Denied and Failed conditions may only be True.'),
    type: str('The type of the condition: Approved and Denied (set through the /approval subresource, mutually exclusive), Failed (set by the signer through /status).'),
  }, ['type', 'status']),

  [`${CE}CertificateSigningRequestStatus`]: object('What became of the request: its conditions and, once issued, the certificate.', {
    certificate: atomicBytes('The issued certificate: PEM CERTIFICATE blocks, base64-encoded in JSON. Set by the signer through the /status subresource once the request is approved; it cannot be changed afterwards.'),
    conditions: listOf(`${CE}CertificateSigningRequestCondition`, 'Conditions of the request: Approved, Denied, Failed.', { listType: 'map', mapKeys: ['type'] }),
  }),

  [`${CE}CertificateSigningRequest`]: kind(gvk(GROUP, 'v1', 'CertificateSigningRequest'), 'A request for a certificate from a signer. Approved or denied through the /approval subresource, then issued by the signer through /status.', {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: METADATA,
    spec: ref(`${CE}CertificateSigningRequestSpec`, 'The certificate request. Immutable once created.'),
    status: ref(`${CE}CertificateSigningRequestStatus`, 'Whether the request is approved or denied, and the issued certificate.'),
  }, ['spec']),

  [`${CE}CertificateSigningRequestList`]: listKind(GROUP, 'v1', 'CertificateSigningRequestList', `${CE}CertificateSigningRequest`, 'certificate signing requests'),
};
