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

/** How a reconciliation finds the object as it is now: from a list read up front, or by a GET. */
type Lookup = (reg: GenericRegistry, namespace: string | undefined, name: string) => Promise<KubeObject | undefined>;

const fetched: Lookup = async (reg, namespace, name) => {
  try {
    return await reg.get(namespace, name);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
};

/** A Lookup answering from one consistent list of reg (one read for all its defaults, not a GET each). */
async function listed(reg: GenericRegistry): Promise<Lookup> {
  const byName = new Map((await reg.list({})).items.map((o) => [`${o.metadata.namespace ?? ''}/${o.metadata.name}`, o]));
  return async (_reg, namespace, name) => byName.get(`${namespace ?? ''}/${name}`);
}

/** Writes what reconcile says for one role; true when something was written. */
async function reconcileOne<T extends KubeObject>(reg: GenericRegistry, namespace: string | undefined, wanted: T, kind: string,
  reconcile: (existing: T | undefined, wanted: T) => T | undefined, lookup: Lookup): Promise<boolean> {
  const existing = await lookup(reg, namespace, wanted.metadata.name as string) as T | undefined;
  const next = reconcile(existing, wanted);
  if (!next) return false;
  if (!existing) await reg.create(namespace, typed(next, kind));
  else await reg.update(namespace, wanted.metadata.name as string, typed({ ...next, metadata: { ...next.metadata, resourceVersion: existing.metadata.resourceVersion } }, kind));
  return true;
}

async function reconcileBindingOne<T extends KubeObject>(reg: GenericRegistry, namespace: string | undefined, wanted: T, kind: string,
  reconcile: (existing: T | undefined, wanted: T) => BindingReconcile<T> | undefined, lookup: Lookup): Promise<boolean> {
  const name = wanted.metadata.name as string;
  const existing = await lookup(reg, namespace, name) as T | undefined;
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

/**
 * Reconciles every default RBAC object. Each kind is read once, then its objects are
 * reconciled at once (roles before bindings, as kube-apiserver orders them); a write that
 * raced another apiserver is retried with the object read again.
 */
export async function reconcileBootstrapPolicy(reg: RbacRegistries, log: Logger): Promise<void> {
  let written = 0;
  const retry = async (what: string, fn: (lookup: Lookup) => Promise<boolean>, first: Lookup): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      try {
        if (await fn(attempt === 0 ? first : fetched)) written++;
        return;
      } catch (err) {
        if ((isConflict(err) || isAlreadyExists(err)) && attempt < 5) continue;
        log.error({ err, object: what }, 'could not reconcile a default RBAC object');
        throw err;
      }
    }
  };
  const clusterRoles = await listed(reg.clusterRoles);
  await Promise.all(bootstrapClusterRoles().map((role) =>
    retry(`clusterrole/${role.metadata.name}`, (l) => reconcileOne<ClusterRole>(reg.clusterRoles, undefined, role, 'ClusterRole', reconcileClusterRole, l), clusterRoles)));
  const clusterRoleBindings = await listed(reg.clusterRoleBindings);
  await Promise.all(bootstrapClusterRoleBindings().map((binding) =>
    retry(`clusterrolebinding/${binding.metadata.name}`, (l) => reconcileBindingOne<ClusterRoleBinding>(reg.clusterRoleBindings, undefined, binding, 'ClusterRoleBinding', reconcileClusterRoleBinding, l), clusterRoleBindings)));
  const roles = await listed(reg.roles);
  await Promise.all(Object.entries(bootstrapNamespaceRoles()).flatMap(([ns, list]) => list.map((role) =>
    retry(`${ns}/role/${role.metadata.name}`, (l) => reconcileOne<Role>(reg.roles, ns, role, 'Role', reconcileRole, l), roles))));
  const roleBindings = await listed(reg.roleBindings);
  await Promise.all(Object.entries(bootstrapNamespaceRoleBindings()).flatMap(([ns, list]) => list.map((b) =>
    retry(`${ns}/rolebinding/${b.metadata.name}`, (l) => reconcileBindingOne<RoleBinding>(reg.roleBindings, ns, b, 'RoleBinding', reconcileRoleBinding, l), roleBindings))));
  log.info({ written }, 'default RBAC roles and bindings reconciled');
}
