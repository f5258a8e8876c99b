// A container's environment as the kubelet computes it (makeEnvironmentVariables):
// service links for the namespace's services (unless enableServiceLinks is false) and,
// always, for the kubernetes service (default/kubernetes), then envFrom, then env in
// order, where valueFrom reads pod fields, resources, configMap and secret keys, and
// $(VAR) refers to what is already defined. A missing source is an EnvError (the
// container's CreateContainerConfigError).
import { parseQuantityExact } from '../api/quantity.js';
import type { ConfigMap, Container, Pod, Secret, Service } from '../api/types/core.js';

export interface EnvSources {
  getConfigMap(namespace: string, name: string): Promise<ConfigMap | undefined>;
  getSecret(namespace: string, name: string): Promise<Secret | undefined>;
  /** Services whose links the pod gets: its namespace's, and default/kubernetes. */
  services?(namespace: string): Promise<Service[]>;
}

/** The reason the container cannot be configured (CreateContainerConfigError's message). */
export class EnvError extends Error {
  override name = 'EnvError';
}

/** Node facts resourceFieldRef falls back to when a container sets no limit. */
export interface NodeAllocatable {
  cpu?: string;
  memory?: string;
  'ephemeral-storage'?: string;
}

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** Environment variables of one container, as NAME → value. */
export async function containerEnv(pod: Pod, container: Container, sources: EnvSources, node: NodeAllocatable = {}): Promise<Record<string, string>> {
  const ns = pod.metadata.namespace ?? 'default';
  const env: Record<string, string> = {};
  if (sources.services) {
    Object.assign(env, serviceLinks(await sources.services(ns), ns, pod.spec?.enableServiceLinks !== false));
  }
  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    if (from.configMapRef) {
      const name = from.configMapRef.name ?? '';
      const cm = await sources.getConfigMap(ns, name);
      if (!cm) {
        if (from.configMapRef.optional) continue;
        throw new EnvError(`configmap "${name}" not found`);
      }
      for (const [k, v] of Object.entries(cm.data ?? {})) if (ENV_NAME.test(prefix + k)) env[prefix + k] = v;
    } else if (from.secretRef) {
      const name = from.secretRef.name ?? '';
      const secret = await sources.getSecret(ns, name);
      if (!secret) {
        if (from.secretRef.optional) continue;
        throw new EnvError(`secret "${name}" not found`);
      }
      for (const [k, v] of Object.entries(secret.data ?? {})) if (ENV_NAME.test(prefix + k)) env[prefix + k] = Buffer.from(v, 'base64').toString('utf8');
    }
  }
  for (const e of container.env ?? []) {
    if (e.valueFrom === undefined) {
      env[e.name] = expand(e.value ?? '', env);
      continue;
    }
    const value = await valueFrom(pod, container, e.name, e.valueFrom, sources, node, ns);
    if (value !== undefined) env[e.name] = value;
  }
  return env;
}

async function valueFrom(pod: Pod, container: Container, name: string, src: NonNullable<NonNullable<Container['env']>[number]['valueFrom']>,
  sources: EnvSources, node: NodeAllocatable, ns: string): Promise<string | undefined> {
  if (src.fieldRef) return podField(pod, src.fieldRef.fieldPath);
  if (src.resourceFieldRef) return resourceField(pod, container, src.resourceFieldRef.resource, src.resourceFieldRef.containerName, src.resourceFieldRef.divisor as string | undefined, node);
  if (src.configMapKeyRef) {
    const { name: cmName = '', key, optional } = src.configMapKeyRef;
    const cm = await sources.getConfigMap(ns, cmName);
    if (!cm) {
      if (optional) return undefined;
      throw new EnvError(`configmap "${cmName}" not found`);
    }
    const v = cm.data?.[key];
    if (v === undefined) {
      if (optional) return undefined;
      throw new EnvError(`couldn't find key ${key} in ConfigMap ${ns}/${cmName}`);
    }
    return v;
  }
  if (src.secretKeyRef) {
    const { name: sName = '', key, optional } = src.secretKeyRef;
    const secret = await sources.getSecret(ns, sName);
    if (!secret) {
      if (optional) return undefined;
      throw new EnvError(`secret "${sName}" not found`);
    }
    const v = secret.data?.[key];
    if (v === undefined) {
      if (optional) return undefined;
      throw new EnvError(`couldn't find key ${key} in Secret ${ns}/${sName}`);
    }
    return Buffer.from(v, 'base64').toString('utf8');
  }
  throw new EnvError(`env var "${name}": valueFrom has no source`);
}

/** The pod fields fieldRef may name (podFieldSelectorRuntimeValue and the downward API). */
export function podField(pod: Pod, fieldPath: string): string {
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (m) return (m[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations)?.[m[2]!] ?? '';
  switch (fieldPath) {
    case 'metadata.name': return pod.metadata.name ?? '';
    case 'metadata.namespace': return pod.metadata.namespace ?? '';
    case 'metadata.uid': return pod.metadata.uid ?? '';
    case 'metadata.labels': return formatMap(pod.metadata.labels);
    case 'metadata.annotations': return formatMap(pod.metadata.annotations);
    case 'spec.nodeName': return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName': return pod.spec?.serviceAccountName ?? '';
    case 'status.hostIP': return pod.status?.hostIP ?? '';
    case 'status.hostIPs': return (pod.status?.hostIPs ?? []).map((i) => i.ip).join(',');
    case 'status.podIP': return pod.status?.podIP ?? '';
    case 'status.podIPs': return (pod.status?.podIPs ?? []).map((i) => i.ip).join(',');
    default: throw new EnvError(`unsupported fieldPath: ${fieldPath}`);
  }
}

const formatMap = (m: Record<string, string> | undefined): string =>
  Object.keys(m ?? {}).sort().map((k) => `${k}="${m![k]}"`).join('\n');

/** The value of a resourceFieldRef (env and the downward API volume), rounded up as Kubernetes does. */
export function resourceField(pod: Pod, container: Container, resource: string, containerName: string | undefined, divisor: string | undefined, node: NodeAllocatable): string {
  const c = containerName ? pod.spec?.containers.find((x) => x.name === containerName) ?? container : container;
  const [kind, res] = resource.split('.') as ['limits' | 'requests', 'cpu' | 'memory' | 'ephemeral-storage'];
  const set = kind === 'limits' ? c.resources?.limits : c.resources?.requests;
  let raw = set?.[res];
  // No limit: the node's allocatable; no cpu request: 0 (then rounded up to 1 below).
  if (raw === undefined && kind === 'limits') raw = node[res];
  const value = raw === undefined ? 0 : toNumber(String(raw));
  const div = divisor === undefined || divisor === '' ? 1 : toNumber(divisor);
  if (div === 0) throw new EnvError(`resourceFieldRef ${resource}: divisor must not be zero`);
  // Kubernetes rounds up (cpu with divisor 1 gives at least 1).
  return String(Math.max(res === 'cpu' ? 1 : 0, Math.ceil(value / div)));
}

function toNumber(q: string): number {
  const parsed = parseQuantityExact(q);
  return Number(parsed.nanos) / 1e9;
}

/** Kubernetes' $(VAR) expansion: defined names are replaced, $$ is a literal $, the rest stays. */
export function expand(input: string, env: Record<string, string>): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (ch !== '$' || i + 1 >= input.length) {
      out += ch;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) {
        out += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, close);
      out += Object.hasOwn(env, name) ? env[name] : `$(${name})`;
      i = close;
    } else {
      out += ch;
    }
  }
  return out;
}

/**
 * Docker-links-style variables for services (FOO_SERVICE_HOST, FOO_PORT_80_TCP, ...):
 * those of the namespace's services when enableServiceLinks (the default), and always
 * those of the master service default/kubernetes, so in-cluster clients find the
 * apiserver (getServiceEnvVarMap).
 */
export function serviceLinks(services: Service[], namespace: string, enableServiceLinks = true): Record<string, string> {
  const env: Record<string, string> = {};
  const byName = new Map<string, Service>();
  for (const svc of services) {
    const ip = svc.spec?.clusterIP;
    if (!ip || ip === 'None') continue;
    const svcName = svc.metadata.name ?? '';
    if (svc.metadata.namespace === 'default' && svcName === 'kubernetes') {
      if (!byName.has(svcName)) byName.set(svcName, svc);
    } else if (svc.metadata.namespace === namespace && enableServiceLinks) {
      // A service of the pod's own namespace wins over the kubernetes service from default.
      byName.set(svcName, svc);
    }
  }
  for (const svc of byName.values()) {
    const ip = svc.spec!.clusterIP!;
    const name = (svc.metadata.name ?? '').toUpperCase().replace(/-/g, '_');
    const ports = svc.spec?.ports ?? [];
    if (ports.length === 0) continue;
    env[`${name}_SERVICE_HOST`] = ip;
    env[`${name}_SERVICE_PORT`] = String(ports[0]!.port);
    for (const p of ports) if (p.name) env[`${name}_SERVICE_PORT_${p.name.toUpperCase().replace(/-/g, '_')}`] = String(p.port);
    const first = ports[0]!;
    const proto = (first.protocol ?? 'TCP').toLowerCase();
    env[`${name}_PORT`] = `${proto}://${ip}:${first.port}`;
    for (const p of ports) {
      const pr = (p.protocol ?? 'TCP');
      const prefix = `${name}_PORT_${p.port}_${pr.toUpperCase()}`;
      env[prefix] = `${pr.toLowerCase()}://${ip}:${p.port}`;
      env[`${prefix}_PROTO`] = pr.toLowerCase();
      env[`${prefix}_PORT`] = String(p.port);
      env[`${prefix}_ADDR`] = ip;
    }
  }
  return env;
}
