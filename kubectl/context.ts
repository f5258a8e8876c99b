// What every command gets: the global flags, the kubeconfig and a RestClient built
// lazily from them (so `config` and `version --client` work without a server), the
// namespace to use, resource type resolution, and the output streams.
import { existsSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { RESOURCES, resolveResource, type ResourceInfo } from '../api/registry.js';
import type { APIGroupList, APIResourceList, KubeObject } from '../api/types/meta.js';
import { clientConfigOrInCluster, loadKubeconfig, type ClientConfig, type Kubeconfig } from '../client/kubeconfig.js';
import { RestClient } from '../client/rest-client.js';
import { ResourceClient } from '../client/resource-client.js';
import { CliError } from './errors.js';
import type { GlobalFlags } from './global-flags.js';
import { resourceInfoOf } from '../client/discovery.js';
import { klogLine, verboseTrace } from './verbose-log.js';

export class Cli {
  private kc?: Kubeconfig;
  private cfg?: ClientConfig;
  private restClient?: RestClient;
  private discovered?: ResourceInfo[];

  constructor(
    readonly flags: GlobalFlags,
    readonly out: Writable = process.stdout,
    readonly err: Writable = process.stderr,
    readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** The merged kubeconfig (--kubeconfig, else KUBECONFIG, else ~/.kube/config). */
  kubeconfig(): Kubeconfig {
    if (!this.kc) {
      this.kc = loadKubeconfig({ kubeconfig: this.flags.kubeconfig, env: this.env });
      if ((this.flags.verbosity ?? 0) >= 6) {
        for (const file of this.kc.files.filter((f) => existsSync(f))) this.err.write(klogLine('loader.go:402', `Config loaded from file:  ${file}`));
      }
    }
    return this.kc;
  }

  /** The kubeconfig's context with the flags applied; in a pod without a kubeconfig, the in-cluster config (as kubectl). */
  clientConfig(): ClientConfig {
    this.cfg ??= clientConfigOrInCluster(this.kubeconfig(), this.flags, { env: this.env });
    return this.cfg;
  }

  rest(): RestClient {
    this.restClient ??= new RestClient(this.clientConfig(), {
      userAgent: 'tskubectl',
      timeoutMs: this.flags.requestTimeoutMs || 60_000,
      ...((this.flags.verbosity ?? 0) >= 6 ? { trace: verboseTrace(this.flags.verbosity!, this.err) } : {}),
    });
    return this.restClient;
  }

  /** -n, else the context's namespace, else "default". */
  namespace(): string {
    return this.flags.namespace ?? this.clientConfig().namespace ?? 'default';
  }

  /** True when -n was given explicitly (kubectl's "enforceNamespace"). */
  namespaceExplicit(): boolean {
    return this.flags.namespace !== undefined;
  }

  /**
   * Resolves a type as a person types it (po, pods, deployment.apps, Deployment,
   * websites.v1beta1.example.com) to a resource, as kubectl's RESTMapper: our registry
   * of built-in kinds first (so a custom resource's short name that collides with a
   * built-in one loses, as the built-in groups come first in kubectl's priority), then
   * the server's discovery documents (asked each time: a CRD may have been created a
   * moment ago).
   */
  async resource(type: string): Promise<ResourceInfo> {
    const found = await this.resourceIfServed(type);
    // kubectl names the resource part alone (websites.nope.example.com → "websites").
    if (!found) throw new CliError(`error: the server doesn't have a resource type "${type.split('.')[0]}"`);
    return found;
  }

  /** resource(), or undefined when neither our registry nor the server knows the type. */
  async resourceIfServed(type: string): Promise<ResourceInfo | undefined> {
    // resource.version.group first (kubectl's ParseResourceArg tries it when there are
    // at least three parts), then resource.group.
    const parts = type.split('.');
    if (parts.length >= 3) {
      const [resource, version, ...group] = parts as [string, string, ...string[]];
      const versioned = await this.versionedResource(resource, version, group.join('.'));
      if (versioned) return versioned;
    }
    const known = resolveResource(type);
    const found = known ?? (await this.discovery()).find((ri) => matches(ri, type));
    if (found) await this.warnAmbiguousShortName(type, found);
    return found;
  }

  /**
   * A short name that more resources claim picks the first (the built-in kind, else
   * the first in discovery order); kubectl's shortcut expander warns about the others.
   */
  async warnAmbiguousShortName(type: string, chosen: ResourceInfo): Promise<void> {
    const [base, ...g] = type.toLowerCase().split('.');
    const group = g.join('.');
    if (!chosen.shortNames.includes(base!) || chosen.plural === base || chosen.singular === base) return;
    let served: ResourceInfo[];
    try {
      served = await this.discovery();
    } catch {
      return;
    }
    const warned = new Set<string>();
    for (const ri of served) {
      if (group && ri.group !== group) continue;
      if (!ri.shortNames.includes(base!) || (ri.group === chosen.group && ri.plural === chosen.plural)) continue;
      const gr = ri.group ? `${ri.plural}.${ri.group}` : ri.plural;
      if (warned.has(gr)) continue;
      warned.add(gr);
      this.warn(`Warning: short name "${base}" could also match lower priority resource ${gr}`);
    }
  }

  /**
   * Every resource a bare name (po, pods, website) may mean, highest priority first as
   * kubectl's RESTMapper orders them: the built-in kind, then what discovery lists.
   */
  async resourcesFor(name: string): Promise<ResourceInfo[]> {
    const known = resolveResource(name);
    const served = (await this.discovery()).filter((ri) => matches(ri, name) && !(known && ri.group === known.group && ri.plural === known.plural));
    return known ? [known, ...served] : served;
  }

  /** A resource of one group/version, also a version that is not the group's preferred one. */
  private async versionedResource(resource: string, version: string, group: string): Promise<ResourceInfo | undefined> {
    const builtIn = RESOURCES.find((ri) => ri.group === group && ri.version === version && matches(ri, resource));
    if (builtIn) return builtIn;
    let list: APIResourceList;
    try {
      list = await this.rest().request<APIResourceList>({ path: group ? `/apis/${group}/${version}` : `/api/${version}` });
    } catch {
      return undefined;
    }
    if (!Array.isArray(list.resources)) return undefined;
    const r = list.resources.find((x) => !x.name.includes('/') && matches(resourceInfoOf(list, x), resource));
    return r && resourceInfoOf(list, r);
  }

  /** The resource an object's apiVersion/kind names (for -f manifests). */
  async resourceForObject(obj: KubeObject): Promise<ResourceInfo> {
    const apiVersion = obj.apiVersion ?? '';
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') as [string, string] : ['', apiVersion];
    const hit = RESOURCES.find((ri) => ri.group === group && ri.version === version && ri.kind === obj.kind)
      ?? (await this.discovery()).find((ri) => ri.group === group && ri.version === version && ri.kind === obj.kind);
    if (!hit) {
      throw new CliError(`error: resource mapping not found for name: "${obj.metadata?.name ?? ''}" namespace: "${obj.metadata?.namespace ?? ''}" from "${obj.kind ?? ''}": no matches for kind "${obj.kind ?? ''}" in version "${apiVersion}"\nensure CRDs are installed first`);
    }
    return hit;
  }

  client<T extends KubeObject = KubeObject>(ri: ResourceInfo): ResourceClient<T> {
    return new ResourceClient<T>(this.rest(), ri);
  }

  /** Every resource the server serves (not subresources), from /api and /apis. */
  async discovery(): Promise<ResourceInfo[]> {
    if (this.discovered) return this.discovered;
    const rest = this.rest();
    const lists: APIResourceList[] = [await rest.request<APIResourceList>({ path: '/api/v1' })];
    const groups = await rest.request<APIGroupList>({ path: '/apis' });
    for (const g of groups.groups ?? []) {
      const gv = g.preferredVersion?.groupVersion ?? g.versions[0]?.groupVersion;
      if (gv) lists.push(await rest.request<APIResourceList>({ path: `/apis/${gv}` }));
    }
    this.discovered = lists.flatMap((l) => l.resources.filter((r) => !r.name.includes('/')).map((r) => resourceInfoOf(l, r)));
    return this.discovered;
  }

  print(text: string): void {
    this.out.write(text.endsWith('\n') || text === '' ? text : `${text}\n`);
  }

  warn(text: string): void {
    this.err.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  async close(): Promise<void> {
    await this.restClient?.destroy();
  }
}

function matches(ri: ResourceInfo, type: string): boolean {
  const lower = type.toLowerCase();
  const [base, ...g] = lower.split('.');
  const group = g.join('.');
  if (group && ri.group !== group) return false;
  return ri.plural === base || ri.singular === base || ri.kind.toLowerCase() === base || ri.shortNames.includes(base!);
}
