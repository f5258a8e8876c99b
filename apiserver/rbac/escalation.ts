// RBAC's escalation prevention (pkg/registry/rbac/*/policybased): nobody may create or
// change a Role or ClusterRole granting rules they do not hold themselves, nor bind a
// role whose rules they do not hold, unless they are explicitly allowed to (the
// "escalate" verb on roles, the "bind" verb on the role referred to) or are in
// system:masters. An aggregated ClusterRole may only be written by whom holds every right.
import { forbiddenObject } from '../../api/errors.js';
import type { ClusterRole, PolicyRule, Role, RoleBinding, RoleRef } from '../../api/types/rbac.js';
import { MASTERS_GROUP, type User } from '../authn/user.js';
import type { AdmissionAttributes, AdmissionPlugin } from '../admission/chain.js';
import type { RbacAuthorizer } from '../authz/rbac-authorizer.js';
import type { Authorizer } from '../authz/authorizer.js';
import { confirmNoEscalation, rulesEqual } from './rules.js';

const RBAC = 'rbac.authorization.k8s.io';
const FULL_AUTHORITY: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

export function rbacEscalation(authorizer: Authorizer, rbac: RbacAuthorizer): AdmissionPlugin {
  /** True when user may `verb` the role (escalate on roles they write, bind on roles they bind). */
  const allowedTo = (user: User, verb: string, namespace: string | undefined, resource: string, name: string): boolean =>
    authorizer.authorize({ user, verb, resourceRequest: true, path: '', namespace, apiGroup: RBAC, apiVersion: 'v1', resource, name }).decision === 'allow';

  const refuse = (a: AdmissionAttributes, message: string): never => {
    throw forbiddenObject({ group: RBAC, resource: a.resource.plural }, a.name, message);
  };

  const check = (a: AdmissionAttributes, user: User, namespace: string, rules: readonly PolicyRule[]): void => {
    const why = confirmNoEscalation(user, namespace, rbac.sources(namespace), rules);
    if (why) refuse(a, why);
  };

  return {
    name: 'RBACEscalation',
    validate(a) {
      const user = a.user;
      if (!user || a.resource.group !== RBAC || a.subresource || a.operation === 'DELETE') return;
      if (user.groups.includes(MASTERS_GROUP)) return;
      const ns = a.namespace ?? '';
      switch (a.resource.plural) {
        case 'roles':
        case 'clusterroles': {
          const role = a.object as Role | ClusterRole;
          const old = a.oldObject as Role | ClusterRole | undefined;
          const aggregated = (role as ClusterRole).aggregationRule !== undefined && (role as ClusterRole).aggregationRule !== null;
          if (aggregated) {
            // An aggregated role's rules come from others: only whom can do anything may create it.
            if (old && rulesEqual(old.rules, role.rules) && JSON.stringify((old as ClusterRole).aggregationRule) === JSON.stringify((role as ClusterRole).aggregationRule)) return;
            check(a, user, ns, FULL_AUTHORITY);
            return;
          }
          if (old && rulesEqual(old.rules, role.rules)) return;
          if (allowedTo(user, 'escalate', a.namespace, a.resource.plural, a.name)) return;
          check(a, user, ns, role.rules ?? []);
          return;
        }
        case 'rolebindings':
        case 'clusterrolebindings': {
          const binding = a.object as RoleBinding;
          const old = a.oldObject as RoleBinding | undefined;
          // Only subjects, labels or annotations changed on a binding it already may hold: still checked, as Kubernetes.
          if (old && JSON.stringify(old.subjects ?? []) === JSON.stringify(binding.subjects ?? []) && sameRef(old.roleRef, binding.roleRef)) return;
          const ref = binding.roleRef;
          const resource = ref.kind === 'Role' ? 'roles' : 'clusterroles';
          // Checked in the binding's namespace: "bind" on a ClusterRole may be granted per namespace.
          if (allowedTo(user, 'bind', a.namespace, resource, ref.name)) return;
          const sources = rbac.sources(ns);
          const role = ref.kind === 'Role' ? sources.roles.role(ns, ref.name) : sources.roles.clusterRole(ref.name);
          if (!role) refuse(a, `${ref.kind === 'Role' ? 'role' : 'clusterrole'}.rbac.authorization.k8s.io "${ref.name}" not found`);
          check(a, user, ns, role?.rules ?? []);
          return;
        }
      }
    },
  };
}

const sameRef = (a: RoleRef | undefined, b: RoleRef | undefined): boolean =>
  a?.apiGroup === b?.apiGroup && a?.kind === b?.kind && a?.name === b?.name;
