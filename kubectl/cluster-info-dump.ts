// `tskubectl cluster-info dump`, as kubectl's clusterinfo_dump.go: the nodes, then per
// namespace (kube-system and the current one, --namespaces, or -A: all) the events,
// replication controllers, services, daemon sets, deployments, replica sets and pods as
// lists (JSON by default, -o yaml), and each container's log between START/END lines, a
// failed log request printed in its place. To stdout, or with --output-directory as
// kubectl lays it out: nodes.json, <ns>/events.json, ..., <ns>/<pod>/logs.txt.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Pod } from '../api/types/core.js';
import type { KubeObject, List } from '../api/types/meta.js';
import type { Cli } from './context.js';
import { CliError } from './errors.js';
import { omitManagedFields, toYaml } from './printers/object.js';

export interface DumpOptions {
  outputDirectory?: string;
  namespaces?: string[];
  allNamespaces?: boolean;
  output?: string;
}

/** What each namespace's lists are, in kubectl's order: file name, list path, list kind. */
const NAMESPACED: { file: string; group: string; plural: string; kind: string }[] = [
  { file: 'events', group: '', plural: 'events', kind: 'EventList' },
  { file: 'replication-controllers', group: '', plural: 'replicationcontrollers', kind: 'ReplicationControllerList' },
  { file: 'services', group: '', plural: 'services', kind: 'ServiceList' },
  { file: 'daemonsets', group: 'apps', plural: 'daemonsets', kind: 'DaemonSetList' },
  { file: 'deployments', group: 'apps', plural: 'deployments', kind: 'DeploymentList' },
  { file: 'replicasets', group: 'apps', plural: 'replicasets', kind: 'ReplicaSetList' },
  { file: 'pods', group: '', plural: 'pods', kind: 'PodList' },
];

/**
 * client-go's NewGenericServerResponse message for a raw request that failed with a body
 * that is not plain text (the apiserver's Status JSON included): what kubectl prints as
 * "Request log error: ..." for a pod whose logs cannot be read.
 */
export function genericResponseMessage(code: number, textBody: string | undefined, verb: string, resource: string, name: string): string {
  const serverMessage = textBody ?? 'unknown';
  const fixed: Record<number, string> = {
    400: 'the server rejected our request for an unknown reason',
    401: 'the server has asked for the client to provide credentials',
    403: serverMessage,
    404: 'the server could not find the requested resource',
    405: 'the server does not allow this method on the requested resource',
    406: 'the server was unable to respond with a content type that the client supports',
    409: 'the server reported a conflict',
    415: 'the server was unable to respond with a content type that the client supports',
    422: 'the server rejected our request due to an error in our request',
    429: 'the server has received too many requests and has asked us to try again later',
    503: 'the server is currently unable to handle the request',
    504: 'the server was unable to return a response in the time allotted, but may still be processing the request',
  };
  const message = fixed[code] ?? (code >= 500
    ? `an error on the server (${JSON.stringify(serverMessage)}) has prevented the request from succeeding`
    : `the server responded with the status code ${code} but did not return more information`);
  return `${message} (${verb} ${resource}${name ? ` ${name}` : ''})`;
}

/** A list as kubectl's typed printer shows it: kind, apiVersion, metadata, then items with their kind. */
function typedList(list: List<KubeObject>, kind: string, apiVersion: string): Record<string, unknown> {
  const itemKind = kind.replace(/List$/, '');
  return {
    kind, apiVersion, metadata: list.metadata ?? {},
    items: (list.items ?? []).map((o) => {
      const { metadata, ...rest } = omitManagedFields(o);
      return { kind: itemKind, apiVersion, metadata: goOrder(metadata as Record<string, unknown>, OBJECT_META_FIELDS), ...rest };
    }),
  };
}

/** ObjectMeta's fields in the Go struct's order (what kubectl's typed JSON shows). */
const OBJECT_META_FIELDS = ['name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp',
  'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers', 'managedFields'];

function goOrder(o: Record<string, unknown>, fields: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of [...fields, ...Object.keys(o)]) if (k in o && !(k in out)) out[k] = o[k];
  return out;
}

function render(obj: unknown, yaml: boolean): string {
  if (yaml) return toYaml(obj);
  return `${JSON.stringify(obj, null, 4).replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`)}\n`;
}

export async function clusterInfoDump(cli: Cli, o: DumpOptions): Promise<void> {
  const format = (o.output ?? 'json').replace(/^=/, '');
  if (format !== 'json' && format !== 'yaml') {
    throw new CliError(`error: unable to match a printer suitable for the output format "${format}", allowed formats are: json,yaml`);
  }
  const ext = `.${format}`;
  const dir = o.outputDirectory && o.outputDirectory !== '-' ? o.outputDirectory : undefined;
  const emit = (file: string, fileExt: string, text: string): void => {
    if (!dir) {
      cli.out.write(text);
      return;
    }
    const full = join(dir, file) + fileExt;
    mkdirSync(dirname(full), { recursive: true, mode: 0o755 });
    writeFileSync(full, text);
  };
  const rest = cli.rest();
  const list = (group: string, ns: string | undefined, plural: string): Promise<List<KubeObject>> => rest.request<List<KubeObject>>({
    path: `${group ? `/apis/${group}/v1` : '/api/v1'}${ns !== undefined ? `/namespaces/${encodeURIComponent(ns)}` : ''}/${plural}`,
  });
  emit('nodes', ext, render(typedList(await list('', undefined, 'nodes'), 'NodeList', 'v1'), format === 'yaml'));

  let namespaces: string[];
  if (o.allNamespaces) namespaces = (await list('', undefined, 'namespaces')).items.map((n) => n.metadata.name ?? '');
  else if (o.namespaces?.length) namespaces = o.namespaces;
  else namespaces = ['kube-system', cli.namespace()];

  for (const ns of namespaces) {
    let pods: Pod[] = [];
    for (const l of NAMESPACED) {
      const got = await list(l.group, ns, l.plural);
      if (l.plural === 'pods') pods = got.items as Pod[];
      emit(join(ns, l.file), ext, render(typedList(got, l.kind, l.group ? `${l.group}/v1` : 'v1'), format === 'yaml'));
    }
    for (const pod of pods) {
      let text = '';
      for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
        const who = `container ${c.name} of pod ${pod.metadata.namespace ?? ns}/${pod.metadata.name}`;
        text += `==== START logs for ${who} ====\n${await containerLog(cli, ns, pod.metadata.name ?? '', c.name)}==== END logs for ${who} ====\n`;
      }
      emit(join(ns, pod.metadata.name ?? '', 'logs'), '.txt', text);
    }
  }
  if (dir) cli.print(`Cluster info dumped to ${o.outputDirectory}`);
}

/** A container's whole log, or kubectl's "Request log error: ..." line when the server refuses it. */
async function containerLog(cli: Cli, ns: string, pod: string, container: string): Promise<string> {
  const res = await cli.rest().forward({
    method: 'GET', headers: { accept: 'application/json, */*' },
    path: `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(pod)}/log?container=${encodeURIComponent(container)}`,
  });
  const body = await streamText(res.body);
  if (res.statusCode >= 200 && res.statusCode < 300) return body;
  const type = String(res.headers['content-type'] ?? '');
  const text = type.startsWith('text/plain') ? body.trim() : undefined;
  return `Request log error: ${genericResponseMessage(res.statusCode, text, 'get', 'pods', pod)}\n`;
}

async function streamText(body: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks).toString('utf8');
}
