// RBAC's escalation prevention (pkg/registry/rbac/*/policybased): nobody may create or
// change a Role or ClusterRole granting rules they do not hold themselves, nor bind a
// role whose rules they do not hold, unless they are explicitly allowed to (the
// "escalate" verb on roles, the "bind" verb on the role referred to) or are in
// system:masters. An aggregated ClusterRole may only be written by whom holds every right.
import { forbiddenObject, notFound } from '../../api/errors.js';
import type { KubeObject } from '../../api/types/meta.js';
import { deepEqual } from '../registry/deep-equal.js';
import type { ClusterRole, PolicyRule, Role, RoleBinding } from '../../api/types/rbac.js';
import { MASTERS_GROUP, type User } from '../authn/user.js';
import type { AdmissionAttributes, AdmissionPlugin } from '../admission/chain.js';
import type { RbacAuthorizer } from '../authz/rbac-authorizer.js';
import type { Authorizer } from '../authz/authorizer.js';
import { confirmNoEscalation } from './rules.js';

const RBAC = 'rbac.authorization.k8s.io';
const FULL_AUTHORITY: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

export function rbacEscalation(authorizer: Authorizer, rbac: RbacAuthorizer): AdmissionPlugin {
  /** True when user may `verb` the object (escalate on roles they write, bind on roles they bind), in namespace. */
  const allowedTo = (user: User, verb: string, namespace: string | undefined, resource: string, name: string): boolean =>
    authorizer.authorize({ user, verb, resourceRequest: true, path: '', namespace, apiGroup: RBAC, apiVersion: 'v1', resource, name }).decision === 'allow';

  const refuse = (a: AdmissionAttributes, message: string): never => {
    throw forbiddenObject({ group: RBAC, resource: a.resource.plural }, a.name, message);
  };

  const check = (a: AdmissionAttributes, user: User, namespace: string, rules: readonly PolicyRule[], message?: string): void => {
    const why = confirmNoEscalation(user, namespace, rbac.sources(namespace), rules);
    if (why) refuse(a, message ?? why);
  };

  return {
    name: 'RBACEscalation',
    validate(a) {
      const user = a.user;
      if (!user || a.resource.group !== RBAC || a.subresource || a.operation === 'DELETE') return;
      if (user.groups.includes(MASTERS_GROUP)) return;
      // What the garbage collector changes (owner references, finalizers) needs no rights over the rules.
      if (a.oldObject && a.object && onlyGCFieldsChanged(a.object, a.oldObject)) return;
      const ns = a.namespace ?? '';
      switch (a.resource.plural) {
        case 'roles':
        case 'clusterroles': {
          if (allowedTo(user, 'escalate', a.namespace, a.resource.plural, a.name)) return;
          const role = a.object as Role | ClusterRole;
          check(a, user, ns, role.rules ?? []);
          // An aggregation rule gathers anything (and keeps a role from being tightened): only whom may do everything sets it.
          if (hasAggregation(role) || (a.oldObject && hasAggregation(a.oldObject as ClusterRole))) {
            check(a, user, ns, FULL_AUTHORITY, 'must have cluster-admin privileges to use the aggregationRule');
          }
          return;
        }
        case 'rolebindings':
        case 'clusterrolebindings': {
          const ref = (a.object as RoleBinding).roleRef;
          const resource = ref.kind === 'Role' ? 'roles' : 'clusterroles';
          // Checked in the binding's namespace: "bind" on a ClusterRole may be granted per namespace.
          if (allowedTo(user, 'bind', a.namespace, resource, ref.name)) return;
          const sources = rbac.sources(ns);
          const role = ref.kind === 'Role' ? sources.roles.role(ns, ref.name) : sources.roles.clusterRole(ref.name);
          if (!role) throw notFound({ group: RBAC, resource }, ref.name);
          check(a, user, ns, role.rules ?? []);
          return;
        }
      }
    },
  };
}

const hasAggregation = (r: ClusterRole): boolean => r.aggregationRule !== undefined && r.aggregationRule !== null;

/** IsOnlyMutatingGCFields: obj equals old once its owner references and finalizers are old's. */
function onlyGCFieldsChanged(obj: KubeObject, old: KubeObject): boolean {
  const strip = (o: KubeObject): unknown => {
    const { ownerReferences: _o, finalizers: _f, resourceVersion: _r, managedFields: _m, generation: _g, ...meta } = o.metadata;
    return { ...o, metadata: meta };
  };
  return deepEqual(strip(obj), strip(old));
}
