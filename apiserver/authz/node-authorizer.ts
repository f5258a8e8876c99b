// The Node authorizer (plugin/pkg/auth/authorizer/node): a kubelet, known by its
// identity system:node:<name> in group system:nodes, may read only the secrets,
// configmaps and claims its pods use, request tokens only for its pods' service
// accounts, touch only its own Lease, read only its own Node and the pods bound to it
// (list and watch with the spec.nodeName field selector, as AuthorizeNodeWithSelectors
// does), get only the persistent volumes bound to those claims (the graph's pv -> pvc
// edge, from the claim's spec.volumeName); for other resources it has the static rules
// of the system:node role. What a
// kubelet may write about its Node and pods is then narrowed by NodeRestriction admission.
import type { PolicyRule } from '../../api/types/rbac.js';
import { nodeIdentity } from '../authn/user.js';
import { rulesAllow } from '../rbac/rules.js';
import type { Authorizer, AuthorizerResult } from './authorizer.js';
import type { NodeGraph, VertexType } from './node-graph.js';
import { fieldEquals, type RequestAttributes } from './request-attributes.js';

const NODE_LEASE_NAMESPACE = 'kube-node-lease';
const NO: AuthorizerResult = { decision: 'noOpinion', reason: '' };
const ALLOW: AuthorizerResult = { decision: 'allow', reason: '' };
const no = (reason: string): AuthorizerResult => ({ decision: 'noOpinion', reason });

export class NodeAuthorizer implements Authorizer {
  /** claimVolume: the spec.volumeName of a stored claim (undefined when none or no claim). */
  constructor(private readonly graph: NodeGraph, private readonly nodeRules: readonly PolicyRule[],
    private readonly claimVolume: (namespace: string, name: string) => string | undefined = () => undefined) {}

  authorize(attrs: RequestAttributes): AuthorizerResult {
    const u = attrs.user;
    const node = nodeIdentity(u);
    if (node === undefined) return NO;
    if (!node) return no(`unknown node for user ${JSON.stringify(u.name)}`);
    if (attrs.resourceRequest) {
      const group = attrs.apiGroup ?? '';
      const resource = attrs.resource ?? '';
      if (group === '') {
        switch (resource) {
          case 'secrets': return this.readNamespaced(node, 'secret', attrs);
          case 'configmaps': return this.readNamespaced(node, 'configmap', attrs);
          case 'persistentvolumeclaims':
            return attrs.subresource === 'status' ? this.statusUpdate(node, 'persistentvolumeclaim', attrs) : this.getOnly(node, 'persistentvolumeclaim', attrs);
          case 'persistentvolumes': return this.volume(node, attrs);
          case 'serviceaccounts': return this.createToken(node, attrs);
          case 'nodes': return this.nodeObject(node, attrs);
          case 'pods': return this.pod(node, attrs);
        }
      } else if (group === 'coordination.k8s.io' && resource === 'leases') {
        return this.lease(node, attrs);
      }
    }
    return rulesAllow(attrs, this.nodeRules) ? ALLOW : NO;
  }

  private related(node: string, type: VertexType, attrs: RequestAttributes): AuthorizerResult {
    if (!attrs.name) return no('No Object name found');
    if (!this.graph.hasPath(node, type, attrs.namespace ?? '', attrs.name)) return no(`no relationship found between node '${node}' and this object`);
    return ALLOW;
  }

  private readNamespaced(node: string, type: VertexType, attrs: RequestAttributes): AuthorizerResult {
    if (!['get', 'list', 'watch'].includes(attrs.verb)) return no('can only read resources of this type');
    if (attrs.subresource) return no('cannot read subresource');
    if (!attrs.namespace) return no('can only read namespaced object of this type');
    return this.related(node, type, attrs);
  }

  private getOnly(node: string, type: VertexType, attrs: RequestAttributes): AuthorizerResult {
    if (attrs.verb !== 'get') return no('can only get individual resources of this type');
    if (attrs.subresource) return no('cannot get subresource');
    return this.related(node, type, attrs);
  }

  private statusUpdate(node: string, type: VertexType, attrs: RequestAttributes): AuthorizerResult {
    if (attrs.verb !== 'update' && attrs.verb !== 'patch') return no('can only get/update/patch this type');
    return this.related(node, type, attrs);
  }

  private volume(node: string, attrs: RequestAttributes): AuthorizerResult {
    if (attrs.verb !== 'get') return no('can only get individual resources of this type');
    if (attrs.subresource) return no('cannot get subresource');
    if (!attrs.name) return no('No Object name found');
    const used = this.graph.claimsOf(node).some((c) => this.claimVolume(c.namespace, c.name) === attrs.name);
    return used ? ALLOW : no(`no relationship found between node '${node}' and this object`);
  }

  private createToken(node: string, attrs: RequestAttributes): AuthorizerResult {
    if (attrs.verb !== 'create' || !attrs.name) return no('can only create tokens for individual service accounts');
    if (attrs.subresource !== 'token') return no('can only create token subresource of serviceaccount');
    return this.related(node, 'serviceaccount', attrs);
  }

  private lease(node: string, attrs: RequestAttributes): AuthorizerResult {
    if (!['get', 'create', 'update', 'patch', 'delete'].includes(attrs.verb)) return no('can only get, create, update, patch, or delete a node lease');
    if (attrs.namespace !== NODE_LEASE_NAMESPACE) return no(`can only access leases in the "${NODE_LEASE_NAMESPACE}" system namespace`);
    // The name of a create is in the body: NodeRestriction checks it.
    if (attrs.verb !== 'create' && attrs.name !== node) return no('can only access node lease with the same name as the requesting node');
    return ALLOW;
  }

  private nodeObject(node: string, attrs: RequestAttributes): AuthorizerResult {
    if (!attrs.subresource) {
      if (['create', 'update', 'patch'].includes(attrs.verb)) return ALLOW;
      if (['get', 'list', 'watch'].includes(attrs.verb)) {
        if (attrs.name === node) return ALLOW;
        if (!attrs.name) return no(`node '${node}' cannot read all nodes, only its own Node object`);
        return no(`node '${node}' cannot read '${attrs.name}', only its own Node object`);
      }
    } else if (attrs.subresource === 'status' && (attrs.verb === 'update' || attrs.verb === 'patch')) {
      return ALLOW;
    }
    return NO;
  }

  private pod(node: string, attrs: RequestAttributes): AuthorizerResult {
    switch (attrs.subresource ?? '') {
      case '':
        if (attrs.verb === 'get') return this.getOnly(node, 'pod', attrs);
        if (attrs.verb === 'list' || attrs.verb === 'watch') {
          if (attrs.fieldSelector !== undefined && fieldEquals(attrs.fieldSelector, 'spec.nodeName') === node) return ALLOW;
          if (attrs.name) return this.related(node, 'pod', attrs);
          return no('can only list/watch pods with spec.nodeName field selector');
        }
        // Mirror pods; NodeRestriction limits them to the node's own.
        if (attrs.verb === 'create' || attrs.verb === 'delete') return ALLOW;
        break;
      case 'status':
        if (attrs.verb === 'update' || attrs.verb === 'patch') return ALLOW;
        break;
      case 'eviction':
        if (attrs.verb === 'create') return ALLOW;
        break;
    }
    return NO;
  }
}
