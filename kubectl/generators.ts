// The objects kubectl's generator commands build (create deployment/namespace/
// configmap/secret, run, expose), field for field and in the order Go's structs
// serialize them, so `--dry-run=client -o json` prints what kubectl prints and the
// server receives the same body.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { randomInt } from 'node:crypto';
import type { KubeObject } from '../api/types/meta.js';
import { CliError } from './errors.js';

type Obj = Record<string, unknown>;

/** Labels as Go prints a map: keys sorted. */
function sortedMap(m: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function meta(name: string, namespace: string | undefined, extra: Obj = {}): KubeObject['metadata'] {
  return {
    name,
    ...(namespace ? { namespace } : {}),
    creationTimestamp: null as unknown as string,
    ...extra,
  };
}

// utilrand.String: the alphabet kubernetes uses for generated suffixes (no vowels, no 0/1/3).
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';
export function randomSuffix(n = 5): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ALPHANUMS[randomInt(ALPHANUMS.length)];
  return s;
}

/** The container name `create deployment` derives from an image: "reg/busy_box:1" → "busy-box-xxxxx". */
export function containerNameForImage(image: string): string {
  let name = image.split('/').pop()!;
  if (name.includes(':')) name = name.split(':')[0]!;
  if (name.includes('@')) name = name.split('@')[0]!;
  if (/[_.]/.test(name)) name = `${name.replace(/[_.]/g, '-')}-${randomSuffix()}`;
  return name;
}

export interface DeploymentParams {
  name: string;
  /** Set only with an explicit -n (kubectl's EnforceNamespace). */
  namespace?: string;
  images: string[];
  replicas: number;
  /** -1: none. */
  port: number;
  command: string[];
}

export function deploymentObject(p: DeploymentParams): KubeObject {
  const labels = { app: p.name };
  const containers: Obj[] = p.images.map((image) => ({
    name: containerNameForImage(image),
    image,
    ...(p.command.length ? { command: p.command } : {}),
    resources: {},
  }));
  if (p.port >= 0 && containers.length > 0) {
    const [first] = containers;
    containers[0] = { name: first!.name, image: first!.image, ...(first!.command ? { command: first!.command } : {}), ports: [{ containerPort: p.port }], resources: {} };
  }
  return {
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    metadata: meta(p.name, p.namespace, { labels }),
    spec: {
      replicas: p.replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { creationTimestamp: null, labels },
        spec: { containers },
      },
      strategy: {},
    },
    status: {},
  };
}

export function namespaceObject(name: string): KubeObject {
  return { kind: 'Namespace', apiVersion: 'v1', metadata: meta(name, undefined), spec: {}, status: {} };
}

export interface DataSources {
  fromLiteral: string[];
  fromFile: string[];
  fromEnvFile: string[];
}

/** key → bytes from --from-literal, --from-file and --from-env-file, with kubectl's checks. */
function collectData(src: DataSources, kindName: string, validKey: (k: string) => boolean): Map<string, Buffer> {
  if (src.fromEnvFile.length > 0 && (src.fromFile.length > 0 || src.fromLiteral.length > 0)) {
    throw new CliError('error: from-env-file cannot be combined with from-file or from-literal');
  }
  const data = new Map<string, Buffer>();
  const add = (key: string, value: Buffer): void => {
    if (!validKey(key)) throw new CliError(`error: "${key}" is not a valid key name for a ${kindName.split(' ')[0]}: a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`);
    if (data.has(key)) throw new CliError(`error: cannot add key "${key}", another key by that name already exists in Data for ${kindName}`);
    data.set(key, value);
  };
  for (const lit of src.fromLiteral) {
    const eq = lit.indexOf('=');
    if (eq <= 0) throw new CliError(`error: invalid literal source ${lit}, expected key=value`);
    add(lit.slice(0, eq), Buffer.from(lit.slice(eq + 1)));
  }
  for (const spec of src.fromFile) {
    const parts = spec.split('=');
    if (parts.length > 2) throw new CliError(`error: key names or file paths cannot contain '='`);
    const [key, path] = parts.length === 2 ? [parts[0]!, parts[1]!] : [undefined, parts[0]!];
    if (parts.length === 2 && (key === '' || path === '')) throw new CliError(`error: key names or file paths cannot contain '='`);
    let st;
    try {
      st = statSync(path);
    } catch {
      throw new CliError(`error: error reading ${path}: no such file or directory`);
    }
    if (st.isDirectory()) {
      if (key !== undefined) throw new CliError(`error: cannot give a key name for a directory path`);
      for (const entry of readdirSync(path).sort()) {
        const file = join(path, entry);
        if (statSync(file).isFile()) add(entry, readFileSync(file));
      }
    } else {
      add(key ?? basename(path), readFileSync(path));
    }
  }
  for (const file of src.fromEnvFile) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw new CliError(`error: error reading ${file}: no such file or directory`);
    }
    for (const [k, v] of parseEnvFile(text, file)) {
      // Later files and lines win over earlier ones, as kubectl's env file handling.
      data.delete(k);
      add(k, Buffer.from(v));
    }
  }
  return data;
}

/** KEY=VALUE lines; `#` comments and blank lines skipped; a bare KEY takes the environment's value. */
export function parseEnvFile(text: string, file: string): [string, string][] {
  const out: [string, string][] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const key = eq >= 0 ? line.slice(0, eq) : line;
    if (!/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(key)) {
      throw new CliError(`error: "${key}" is not a valid key name: a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (line ${i + 1} of ${file})`);
    }
    if (eq >= 0) out.push([key, line.slice(eq + 1)]);
    else if (process.env[key] !== undefined) out.push([key, process.env[key]!]);
  });
  return out;
}

const validConfigKey = (k: string): boolean => /^[-._a-zA-Z0-9]+$/.test(k) && k !== '.' && k !== '..' && k.length <= 253;

function isUtf8(b: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
}

export function configMapObject(name: string, namespace: string | undefined, src: DataSources): KubeObject {
  const data = collectData(src, `ConfigMap "${name}"`, validConfigKey);
  const text: Record<string, string> = {};
  const binary: Record<string, string> = {};
  for (const [k, v] of data) {
    if (isUtf8(v)) text[k] = v.toString('utf8');
    else binary[k] = v.toString('base64');
  }
  const obj: KubeObject = { kind: 'ConfigMap', apiVersion: 'v1', metadata: meta(name, namespace) };
  if (Object.keys(text).length) obj.data = sortedMap(text);
  if (Object.keys(binary).length) obj.binaryData = sortedMap(binary);
  return obj;
}

export function secretObject(name: string, namespace: string | undefined, type: string | undefined, src: DataSources): KubeObject {
  const data = collectData(src, `Secret "${name}"`, validConfigKey);
  const obj: KubeObject = { kind: 'Secret', apiVersion: 'v1', metadata: meta(name, namespace) };
  if (data.size) obj.data = sortedMap(Object.fromEntries([...data].map(([k, v]) => [k, v.toString('base64')])));
  if (type) obj.type = type;
  return obj;
}

export interface PodParams {
  name: string;
  namespace?: string;
  image: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  env: string[];
  port?: number;
  restart: 'Always' | 'OnFailure' | 'Never';
  /** With --command the arguments are the command, else the container's args. */
  command: boolean;
  args: string[];
  imagePullPolicy?: string;
  stdin?: boolean;
  tty?: boolean;
}

/** The Pod `kubectl run` makes: label run=NAME unless --labels, one container named NAME. */
export function podObject(p: PodParams): KubeObject {
  const env = p.env.map((e) => {
    const eq = e.indexOf('=');
    if (eq <= 0) throw new CliError(`error: invalid env: ${e}`);
    return { name: e.slice(0, eq), value: e.slice(eq + 1) };
  });
  const container: Obj = { name: p.name, image: p.image };
  if (p.args.length) container[p.command ? 'command' : 'args'] = p.args;
  if (p.port !== undefined && p.port >= 0) container.ports = [{ containerPort: p.port }];
  if (env.length) container.env = env;
  container.resources = {};
  if (p.imagePullPolicy) container.imagePullPolicy = p.imagePullPolicy;
  if (p.stdin) {
    container.stdin = true;
    container.stdinOnce = true;
  }
  if (p.tty) container.tty = true;
  const labels = p.labels && Object.keys(p.labels).length ? p.labels : { run: p.name };
  const extra: Obj = { labels: sortedMap(labels) };
  if (p.annotations && Object.keys(p.annotations).length) extra.annotations = sortedMap(p.annotations);
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: meta(p.name, p.namespace, extra),
    spec: { containers: [container], restartPolicy: p.restart, dnsPolicy: 'ClusterFirst' },
    status: {},
  };
}

export interface ServiceParams {
  name: string;
  namespace?: string;
  selector: Record<string, string>;
  labels?: Record<string, string>;
  /** Port numbers as strings, several for objects exposing several ports. */
  ports: string[];
  /** port → protocols, from the exposed object (ProtocolsForObject). */
  portProtocols?: Map<string, string[]>;
  protocol?: string;
  portName?: string;
  targetPort?: string;
  type?: string;
  externalIP?: string;
  loadBalancerIP?: string;
  sessionAffinity?: string;
  clusterIP?: string;
}

/** The Service `kubectl expose` makes (its createService). */
export function serviceObject(p: ServiceParams): KubeObject {
  const ports: Obj[] = [];
  p.ports.forEach((portString, i) => {
    const port = Number(portString);
    if (!/^\d+$/.test(portString)) throw new CliError(`error: strconv.Atoi: parsing "${portString}": invalid syntax`);
    let name = p.portName;
    if (p.ports.length > 1) name = `port-${i + 1}`;
    let protocol = p.protocol ?? '';
    const map = p.portProtocols;
    if (!protocol) {
      protocol = 'TCP';
      const found = map?.get(portString);
      if (found && found.length === 1) protocol = found[0]!;
      else if (found && found.length > 1) {
        for (const proto of found) ports.push(servicePort(`port-${i + 1}-${proto.toLowerCase()}`, proto, port));
        return;
      }
    }
    ports.push(servicePort(name, protocol, port));
  });
  for (const sp of ports) {
    if (p.targetPort) sp.targetPort = /^\d+$/.test(p.targetPort) ? Number(p.targetPort) : p.targetPort;
    else sp.targetPort = sp.port;
  }
  const spec: Obj = { ports, selector: sortedMap(p.selector) };
  if (p.clusterIP) spec.clusterIP = p.clusterIP;
  if (p.type) spec.type = p.type;
  if (p.externalIP) spec.externalIPs = [p.externalIP];
  if (p.sessionAffinity) {
    if (p.sessionAffinity !== 'None' && p.sessionAffinity !== 'ClientIP') throw new CliError(`error: unknown session affinity: ${p.sessionAffinity}`);
    spec.sessionAffinity = p.sessionAffinity;
  }
  if (p.type === 'LoadBalancer' && p.loadBalancerIP) spec.loadBalancerIP = p.loadBalancerIP;
  const extra: Obj = p.labels && Object.keys(p.labels).length ? { labels: sortedMap(p.labels) } : {};
  return { kind: 'Service', apiVersion: 'v1', metadata: meta(p.name, p.namespace, extra), spec, status: { loadBalancer: {} } };
}

function servicePort(name: string | undefined, protocol: string, port: number): Obj {
  return { ...(name ? { name } : {}), protocol, port };
}

export interface JobParams {
  name: string;
  /** Set only with an explicit -n (kubectl's EnforceNamespace). */
  namespace?: string;
  image: string;
  command: string[];
}

/** `create job NAME --image=I [-- COMMAND]`: one container named after the Job, restartPolicy Never. */
export function jobObject(p: JobParams): KubeObject {
  return {
    kind: 'Job',
    apiVersion: 'batch/v1',
    metadata: meta(p.name, p.namespace),
    spec: {
      template: {
        metadata: { creationTimestamp: null },
        spec: {
          containers: [{ name: p.name, image: p.image, ...(p.command.length ? { command: p.command } : {}), resources: {} }],
          restartPolicy: 'Never',
        },
      },
    },
    status: {},
  };
}

/**
 * `create job NAME --from=cronjob/C`: the CronJob's job template, annotated
 * cronjob.kubernetes.io/instantiate=manual and owned (as controller, without
 * blockOwnerDeletion) by the CronJob.
 */
export function jobFromCronJob(name: string, namespace: string | undefined, cronJob: KubeObject): KubeObject {
  const template = ((cronJob.spec as Obj | undefined)?.jobTemplate ?? {}) as { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: Obj };
  const annotations: Record<string, string> = { 'cronjob.kubernetes.io/instantiate': 'manual', ...(template.metadata?.annotations ?? {}) };
  return {
    kind: 'Job',
    apiVersion: 'batch/v1',
    metadata: meta(name, namespace, {
      ...(template.metadata?.labels ? { labels: sortedMap(template.metadata.labels) } : {}),
      annotations: sortedMap(annotations),
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: cronJob.metadata.name, uid: cronJob.metadata.uid, controller: true }],
    }),
    spec: structuredClone(template.spec ?? {}),
    status: {},
  };
}

export interface CronJobParams extends JobParams {
  schedule: string;
  restart: string;
}

/** `create cronjob NAME --image=I --schedule=S [--restart=R] [-- COMMAND]`. */
export function cronJobObject(p: CronJobParams): KubeObject {
  return {
    kind: 'CronJob',
    apiVersion: 'batch/v1',
    metadata: meta(p.name, p.namespace),
    spec: {
      schedule: p.schedule,
      jobTemplate: {
        metadata: { name: p.name, creationTimestamp: null },
        spec: {
          template: {
            metadata: { creationTimestamp: null },
            spec: {
              containers: [{ name: p.name, image: p.image, ...(p.command.length ? { command: p.command } : {}), resources: {} }],
              restartPolicy: p.restart,
            },
          },
        },
      },
    },
    status: {},
  };
}
