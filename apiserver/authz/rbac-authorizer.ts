// The RBAC authorizer and rule resolver, backed by the apiserver's watch caches of
// Roles, ClusterRoles, RoleBindings and ClusterRoleBindings (Kubernetes' RBAC authorizer
// reads informer listers the same way). The decisions are apiserver/rbac/rules.ts's.
import type { NonResourceRule, ResourceRule } from '../../api/types/authorization.js';
import type { KubeObject } from '../../api/types/meta.js';
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding } from '../../api/types/rbac.js';
import { authorize, visibleRules, type RuleSources } from '../rbac/rules.js';
import type { User } from '../authn/user.js';
import type { WatchCache } from '../watch-cache.js';
import type { Authorizer, AuthorizerResult } from './authorizer.js';
import type { RequestAttributes } from './request-attributes.js';

export interface RbacCaches {
  roles: WatchCache;
  clusterRoles: WatchCache;
  roleBindings: WatchCache;
  clusterRoleBindings: WatchCache;
}

/** Bindings grouped for lookups; rebuilt when a binding cache changes. */
class BindingIndex {
  private version = -1;
  private clusterBindings: ClusterRoleBinding[] = [];
  private byNamespace = new Map<string, RoleBinding[]>();

  constructor(private readonly caches: RbacCaches) {}

  current(): { clusterRoleBindings: ClusterRoleBinding[]; roleBindings(ns: string): RoleBinding[] } {
    const v = this.caches.roleBindings.version * 1_000_003 + this.caches.clusterRoleBindings.version;
    if (v !== this.version) {
      this.clusterBindings = [...this.caches.clusterRoleBindings.values()] as ClusterRoleBinding[];
      this.clusterBindings.sort(byName);
      const byNs = new Map<string, RoleBinding[]>();
      for (const b of this.caches.roleBindings.values() as IterableIterator<RoleBinding>) {
        const ns = b.metadata.namespace ?? '';
        let list = byNs.get(ns);
        if (!list) byNs.set(ns, list = []);
        list.push(b);
      }
      for (const list of byNs.values()) list.sort(byName);
      this.byNamespace = byNs;
      this.version = v;
    }
    return { clusterRoleBindings: this.clusterBindings, roleBindings: (ns) => this.byNamespace.get(ns) ?? [] };
  }
}

const byName = (a: KubeObject, b: KubeObject): number => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : (a.metadata.name ?? '') > (b.metadata.name ?? '') ? 1 : 0);

export class RbacAuthorizer implements Authorizer {
  private readonly index: BindingIndex;

  constructor(private readonly caches: RbacCaches) {
    this.index = new BindingIndex(caches);
  }

  /** The rule sources for a namespace ("" for cluster scope). */
  sources(namespace: string): RuleSources {
    const idx = this.index.current();
    return {
      clusterRoleBindings: idx.clusterRoleBindings,
      roleBindings: namespace ? idx.roleBindings(namespace) : [],
      roles: {
        role: (ns, name) => this.caches.roles.snapshotOne(`/registry/roles/${ns}/${name}`) as Role | undefined,
        clusterRole: (name) => this.caches.clusterRoles.snapshotOne(`/registry/clusterroles/${name}`) as ClusterRole | undefined,
      },
    };
  }

  authorize(attrs: RequestAttributes): AuthorizerResult {
    const { allowed, reason } = authorize(attrs, this.sources(attrs.namespace ?? ''));
    return { decision: allowed ? 'allow' : 'noOpinion', reason };
  }

  /** Every rule that applies to user in namespace (for SelfSubjectRulesReview and the escalation check). */
  rulesFor(user: User, namespace: string): { rules: PolicyRule[]; errors: string[] } {
    return visibleRules(user, namespace, this.sources(namespace));
  }

  /** The SelfSubjectRulesReview status for user in namespace. */
  rulesReview(user: User, namespace: string): { resourceRules: ResourceRule[]; nonResourceRules: NonResourceRule[]; incomplete: boolean; evaluationError?: string } {
    const { rules, errors } = this.rulesFor(user, namespace);
    const resourceRules: ResourceRule[] = [];
    const nonResourceRules: NonResourceRule[] = [];
    for (const r of rules) {
      if (r.nonResourceURLs?.length) nonResourceRules.push({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs });
      else {
        resourceRules.push({
          verbs: r.verbs,
          ...(r.apiGroups ? { apiGroups: r.apiGroups } : {}),
          ...(r.resources ? { resources: r.resources } : {}),
          ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}),
        });
      }
    }
    return { resourceRules, nonResourceRules, incomplete: errors.length > 0, ...(errors.length ? { evaluationError: errors.join(', ') } : {}) };
  }
}
