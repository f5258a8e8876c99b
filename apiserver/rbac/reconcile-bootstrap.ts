// The "rbac/bootstrap-roles" post-start hook: at every start the apiserver makes sure
// the default ClusterRoles, ClusterRoleBindings and the Roles and RoleBindings of
// kube-system and kube-public exist and hold at least what Kubernetes gives them
// (missing rules and subjects are added; the users' additions are kept; objects
// annotated rbac.authorization.kubernetes.io/autoupdate=false are left alone).
import type { Logger } from 'pino';
import { isAlreadyExists, isConflict, isNotFound } from '../../api/errors.js';
import type { KubeObject } from '../../api/types/meta.js';
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from '../../api/types/rbac.js';
import type { GenericRegistry } from '../registry/generic.js';
import {
  bootstrapClusterRoleBindings, bootstrapClusterRoles, bootstrapNamespaceRoleBindings, bootstrapNamespaceRoles,
  reconcileClusterRole, reconcileClusterRoleBinding, reconcileRole, reconcileRoleBinding, type BindingReconcile,
} from './bootstrap-policy.js';

export interface RbacRegistries {
  clusterRoles: GenericRegistry;
  clusterRoleBindings: GenericRegistry;
  roles: GenericRegistry;
  roleBindings: GenericRegistry;
}

const typed = <T extends KubeObject>(obj: T, kind: string): T => ({ ...obj, apiVersion: 'rbac.authorization.k8s.io/v1', kind });

async function current(reg: GenericRegistry, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
  try {
    return await reg.get(namespace, name);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Writes what reconcile says for one role; true when something was written. */
async function reconcileOne<T extends KubeObject>(reg: GenericRegistry, namespace: string | undefined, wanted: T, kind: string,
  reconcile: (existing: T | undefined, wanted: T) => T | undefined): Promise<boolean> {
  const existing = await current(reg, namespace, wanted.metadata.name as string) as T | undefined;
  const next = reconcile(existing, wanted);
  if (!next) return false;
  if (!existing) await reg.create(namespace, typed(next, kind));
  else await reg.update(namespace, wanted.metadata.name as string, typed({ ...next, metadata: { ...next.metadata, resourceVersion: existing.metadata.resourceVersion } }, kind));
  return true;
}

async function reconcileBindingOne<T extends KubeObject>(reg: GenericRegistry, namespace: string | undefined, wanted: T, kind: string,
  reconcile: (existing: T | undefined, wanted: T) => BindingReconcile<T> | undefined): Promise<boolean> {
  const name = wanted.metadata.name as string;
  const existing = await current(reg, namespace, name) as T | undefined;
  const r = reconcile(existing, wanted);
  if (!r) return false;
  if (r.operation === 'recreate' && existing) await reg.delete(namespace, name, { preconditions: { uid: existing.metadata.uid } });
  if (r.operation === 'update' && existing) {
    await reg.update(namespace, name, typed({ ...r.binding, metadata: { ...r.binding.metadata, resourceVersion: existing.metadata.resourceVersion } }, kind));
  } else {
    await reg.create(namespace, typed(r.binding, kind));
  }
  return true;
}

/** Reconciles every default RBAC object; retries a write that raced another apiserver. */
export async function reconcileBootstrapPolicy(reg: RbacRegistries, log: Logger): Promise<void> {
  let written = 0;
  const retry = async (what: string, fn: () => Promise<boolean>): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      try {
        if (await fn()) written++;
        return;
      } catch (err) {
        if ((isConflict(err) || isAlreadyExists(err)) && attempt < 5) continue;
        log.error({ err, object: what }, 'could not reconcile a default RBAC object');
        throw err;
      }
    }
  };
  for (const role of bootstrapClusterRoles()) {
    await retry(`clusterrole/${role.metadata.name}`, () => reconcileOne<ClusterRole>(reg.clusterRoles, undefined, role, 'ClusterRole', reconcileClusterRole));
  }
  for (const binding of bootstrapClusterRoleBindings()) {
    await retry(`clusterrolebinding/${binding.metadata.name}`, () => reconcileBindingOne<ClusterRoleBinding>(reg.clusterRoleBindings, undefined, binding, 'ClusterRoleBinding', reconcileClusterRoleBinding));
  }
  for (const [ns, roles] of Object.entries(bootstrapNamespaceRoles())) {
    for (const role of roles) await retry(`${ns}/role/${role.metadata.name}`, () => reconcileOne<Role>(reg.roles, ns, role, 'Role', reconcileRole));
  }
  for (const [ns, bindings] of Object.entries(bootstrapNamespaceRoleBindings())) {
    for (const b of bindings) await retry(`${ns}/rolebinding/${b.metadata.name}`, () => reconcileBindingOne<RoleBinding>(reg.roleBindings, ns, b, 'RoleBinding', reconcileRoleBinding));
  }
  log.info({ written }, 'default RBAC roles and bindings reconciled');
}
