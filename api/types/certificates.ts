// certificates.k8s.io/v1 CertificateSigningRequest: a request for a certificate from a
// signer (kubelets ask for their client certificates this way when they join with a
// bootstrap token), approved or denied through /approval and issued through /status.
import type { KubeObject } from './meta.js';

/** The signers Kubernetes defines (certificates/v1 well-known signer names). */
export const KUBE_APISERVER_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client';
export const KUBE_APISERVER_CLIENT_KUBELET_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
export const KUBELET_SERVING_SIGNER = 'kubernetes.io/kubelet-serving';
/** Only the v1beta1 API accepted it; v1 refuses it on create. */
export const LEGACY_UNKNOWN_SIGNER = 'kubernetes.io/legacy-unknown';

/** Condition types: Approved and Denied come through /approval, Failed from the signer. */
export type RequestConditionType = 'Approved' | 'Denied' | 'Failed' | (string & {});

/** Key usages as the API spells them ("digital signature", "client auth", ...). */
export type KeyUsage = string;

export interface CertificateSigningRequestSpec {
  /** Base64 of a PEM "CERTIFICATE REQUEST" block (PKCS#10). */
  request: string;
  /** e.g. kubernetes.io/kube-apiserver-client-kubelet. */
  signerName: string;
  /** The requested lifetime; the signer may issue a shorter one. At least 600. */
  expirationSeconds?: number;
  usages?: KeyUsage[];
  /** Set by the apiserver from the requesting user; what clients send is replaced. */
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

export interface CertificateSigningRequestCondition {
  type: RequestConditionType;
  /** True, False or Unknown (Approved, Denied and Failed: True only). */
  status: string;
  reason?: string;
  message?: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
}

export interface CertificateSigningRequestStatus {
  conditions?: CertificateSigningRequestCondition[];
  /** Base64 of the issued certificate (PEM CERTIFICATE blocks). */
  certificate?: string;
}

export interface CertificateSigningRequest extends KubeObject {
  spec: CertificateSigningRequestSpec;
  status?: CertificateSigningRequestStatus;
}
