// authentication.k8s.io/v1: TokenReview (is this token valid, and whose is it),
// SelfSubjectReview (who am I) and TokenRequest (the serviceaccounts/token subresource).
import type { KubeObject } from './meta.js';

/** The user a request was authenticated as (user.Info in Kubernetes). */
export interface UserInfo {
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

export interface TokenReviewSpec {
  token?: string;
  audiences?: string[];
}

export interface TokenReviewStatus {
  authenticated?: boolean;
  user?: UserInfo;
  audiences?: string[];
  error?: string;
}

export interface TokenReview extends KubeObject {
  spec: TokenReviewSpec;
  status?: TokenReviewStatus;
}

export interface SelfSubjectReview extends KubeObject {
  status?: { userInfo?: UserInfo };
}

export interface BoundObjectReference {
  kind?: 'Pod' | 'Secret' | 'Node' | string;
  apiVersion?: string;
  name?: string;
  uid?: string;
}

export interface TokenRequestSpec {
  audiences?: string[] | null;
  expirationSeconds?: number;
  boundObjectRef?: BoundObjectReference | null;
}

export interface TokenRequestStatus {
  token: string;
  /** RFC 3339. */
  expirationTimestamp: string;
}

export interface TokenRequest extends KubeObject {
  spec: TokenRequestSpec;
  status?: TokenRequestStatus;
}
