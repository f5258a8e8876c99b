// The data model every part of kube-proxy shares, shaped like Kubernetes'
// pkg/proxy: a ServicePortName names one port of one Service; the service change
// tracker turns Services into ServicePort records, the endpoints change tracker turns
// EndpointSlices into Endpoint records per ServicePortName, and a Proxier makes the
// node's data path (userspace sockets or nftables) match a ProxyState.

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

/** One port of one Service: namespace/name:port (port is the port's name, '' when unnamed). */
export interface ServicePortName {
  namespace: string;
  name: string;
  /** The ServicePort's name ('' for a single unnamed port). */
  port: string;
  protocol: Protocol;
}

/**
 * The key of a ServicePortName, as Kubernetes' ServicePortName.String():
 * "ns/name:port" ("ns/name" when the port is unnamed) ... plus "/PROTOCOL", so a
 * TCP and a UDP port of the same name never collide.
 */
export function servicePortKey(n: ServicePortName): string {
  return `${n.namespace}/${n.name}${n.port ? `:${n.port}` : ''}/${n.protocol}`;
}

export type SessionAffinity = { type: 'None' } | { type: 'ClientIP'; timeoutSeconds: number };

/** What a proxier needs of one Service port (Kubernetes' BaseServicePortInfo). */
export interface ServicePort {
  /** servicePortKey(name). */
  key: string;
  name: ServicePortName;
  /** The Service's type (ClusterIP, NodePort, LoadBalancer). */
  type: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  /** The IPv4 ClusterIP; ports of headless or ExternalName services are never tracked. */
  clusterIP: string;
  port: number;
  protocol: Protocol;
  /** 0 when the port has none. */
  nodePort: number;
  sessionAffinity: SessionAffinity;
  /** spec.externalIPs. */
  externalIPs: string[];
  /** The IPs of status.loadBalancer.ingress (ipMode VIP or unset). */
  loadBalancerIPs: string[];
  /** externalTrafficPolicy Local (NodePort and LoadBalancer services only). */
  externalPolicyLocal: boolean;
  /** internalTrafficPolicy Local. */
  internalPolicyLocal: boolean;
  /** spec.healthCheckNodePort (0 when none). */
  healthCheckNodePort: number;
}

/** One endpoint of one service port (Kubernetes' BaseEndpointInfo). */
export interface Endpoint {
  ip: string;
  port: number;
  /** "ip:port". */
  key: string;
  /** EndpointSlice conditions, unset read as Kubernetes reads them (ready/serving true, terminating false). */
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  /** The endpoint runs on this proxy's node. */
  isLocal: boolean;
  nodeName?: string;
  zone?: string;
}

/** Everything a proxier makes the node's data path match. */
export interface ProxyState {
  /** Every tracked service port, by key. */
  services: ReadonlyMap<string, ServicePort>;
  /** The endpoints of each service port (by the same key), deduplicated, sorted by key. */
  endpoints: ReadonlyMap<string, readonly Endpoint[]>;
}

/**
 * What the load balancer or the ruleset may send traffic to for one service port,
 * after the readiness and traffic-policy rules (Kubernetes' CategorizeEndpoints).
 */
export interface UsableEndpoints {
  /** For traffic subject to the Cluster policy. */
  cluster: readonly Endpoint[];
  /** For traffic subject to the Local policy (only this node's endpoints). */
  local: readonly Endpoint[];
  /** Endpoints for ClusterIP traffic: `local` when internalPolicyLocal, else `cluster`. */
  internal: readonly Endpoint[];
  /** Endpoints for nodePort, externalIP and load-balancer traffic: `local` when externalPolicyLocal, else `cluster`. */
  external: readonly Endpoint[];
}

/** One mode of proxying (userspace, nftables) behind one interface. */
export interface Proxier {
  readonly mode: 'userspace' | 'nftables';
  /**
   * Makes the data path match state: listeners or rules for every service port,
   * removed for ports that are gone. Called by the sync runner, never concurrently.
   * Throws when the node could not be changed (the runner retries).
   */
  sync(state: ProxyState): Promise<void>;
  /** Removes everything this proxier added to the node (clean shutdown). */
  cleanup(): Promise<void>;
}
