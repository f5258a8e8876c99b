// discovery.k8s.io/v1 EndpointSlice: the endpoints of a service, in slices of at most
// 1000, found by the kubernetes.io/service-name label.
import type { ObjectReference } from './core.js';
import type { KubeObject } from './meta.js';

/** The label naming the service an EndpointSlice belongs to. */
export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';

export type AddressType = 'IPv4' | 'IPv6' | 'FQDN';

/** Unset means unknown: consumers read ready and serving as true, terminating as false. */
export interface EndpointConditions {
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
}

export interface ForZone {
  name: string;
}

export interface EndpointHints {
  forZones?: ForZone[];
}

export interface Endpoint {
  /** At least one, at most 100; kube-proxy reads the first. */
  addresses: string[];
  /** Always present in what the apiserver returns (a Go struct), possibly {}. */
  conditions?: EndpointConditions;
  hostname?: string;
  targetRef?: ObjectReference;
  /** Written only by the v1beta1 API; v1 writes drop it. */
  deprecatedTopology?: Record<string, string>;
  nodeName?: string;
  zone?: string;
  hints?: EndpointHints;
}

export interface EndpointPort {
  /** Defaults to "". */
  name?: string;
  /** Defaults to TCP. */
  protocol?: 'TCP' | 'UDP' | 'SCTP' | string;
  /** Unset means all ports. */
  port?: number;
  appProtocol?: string;
}

export interface EndpointSlice extends KubeObject {
  addressType: AddressType | string;
  /** At most 1000; null in what the apiserver returns when there are none (Go's nil slice without omitempty). */
  endpoints?: Endpoint[] | null;
  /** At most 20000, each with a unique name; null like endpoints when there are none. */
  ports?: EndpointPort[] | null;
}
