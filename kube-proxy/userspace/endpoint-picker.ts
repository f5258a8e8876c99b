// What a listener asks of the load balancer: the endpoint for a new connection or
// flow, and "that one failed". A listener holds one picker; the proxier points it at
// the balancer entry of the listener's kind of traffic (ClusterIP traffic uses the
// service port's internal endpoints, nodePort / load-balancer / external IP traffic
// its external ones), and may repoint it on a sync.
import type { LoadBalancer } from '../load-balancer.js';
import type { Endpoint } from '../types.js';

export class EndpointPicker {
  /** The port has ClientIP affinity: next() needs the client's address (else any string does). */
  sticky = false;

  constructor(private readonly lb: LoadBalancer, public lbKey: string) {}

  /** The endpoint for a new connection from clientIP, skipping tried endpoint keys; undefined when none is left. */
  next(clientIP: string, tried?: ReadonlySet<string>): Endpoint | undefined {
    return this.lb.next(this.lbKey, clientIP, tried);
  }

  /** A connect from clientIP to endpointKey failed: its affinity pin goes. */
  failed(clientIP: string, endpointKey: string): void {
    this.lb.failed(this.lbKey, clientIP, endpointKey);
  }

  hasEndpoints(): boolean {
    return this.lb.hasEndpoints(this.lbKey);
  }
}
