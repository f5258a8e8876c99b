// apiregistration.k8s.io/v1 APIService: a group version served by the apiserver itself
// (spec.service absent: "Local") or by another server behind a Service, to which the
// apiserver's aggregator proxies the group version's paths.
import type { KubeObject } from './meta.js';

export const APIREGISTRATION_GROUP = 'apiregistration.k8s.io';

/** Where an aggregated API server is reached: a Service and its port (443 when unset). */
export interface ServiceReference {
  namespace?: string;
  name?: string;
  port?: number;
}

export interface APIServiceSpec {
  /** Absent for group versions the apiserver serves itself. */
  service?: ServiceReference | null;
  group?: string;
  version?: string;
  insecureSkipTLSVerify?: boolean;
  /** PEM bundle (base64 in JSON) the server's serving certificate must chain to. */
  caBundle?: string;
  groupPriorityMinimum?: number;
  versionPriority?: number;
}

export interface APIServiceCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown' | string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface APIServiceStatus {
  conditions?: APIServiceCondition[];
}

export interface APIService extends KubeObject {
  spec?: APIServiceSpec;
  status?: APIServiceStatus;
}

/** The Available condition of an APIService, when it has one. */
export function availableCondition(s: APIService): APIServiceCondition | undefined {
  return s.status?.conditions?.find((c) => c.type === 'Available');
}
