// pods/log: finds the pod's node and streams the kubelet's
// /containerLogs/<ns>/<pod>/<container> back to the client.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { request } from 'undici';
import { badRequest, serviceUnavailable, StatusError, makeStatus } from '../api/errors.js';
import type { KubeObject } from '../api/types/meta.js';
import type { GenericRegistry } from './registry/generic.js';
import { param, type Query } from './http/list-options.js';

interface PodLike extends KubeObject { spec?: { nodeName?: string; containers?: { name: string }[]; initContainers?: { name: string }[] } }
interface NodeLike extends KubeObject {
  status?: { addresses?: { type: string; address: string }[]; daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } };
}

const PASS_THROUGH = ['follow', 'tailLines', 'previous', 'timestamps', 'sinceSeconds', 'sinceTime', 'limitBytes'];

export async function proxyPodLogs(req: FastifyRequest, reply: FastifyReply, obj: KubeObject, nodes: GenericRegistry): Promise<void> {
  const pod = obj as PodLike;
  const q = (req.query ?? {}) as Query;
  const name = pod.metadata.name as string;
  const names = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].map((c) => c.name);
  let container = param(q, 'container');
  if (!container) {
    if ((pod.spec?.containers ?? []).length !== 1) {
      throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]`);
    }
    container = pod.spec?.containers?.[0].name as string;
  } else if (!names.includes(container)) {
    throw badRequest(`container ${container} is not valid for pod ${name}`);
  }
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
  const node = await nodes.get(undefined, nodeName) as NodeLike;
  const ip = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 10250;
  if (!ip) throw serviceUnavailable(`node ${nodeName} has no InternalIP address to reach its kubelet`);
  const search = new URLSearchParams();
  for (const k of PASS_THROUGH) {
    const v = param(q, k);
    if (v !== undefined) search.set(k, v);
  }
  const url = `http://${ip}:${port}/containerLogs/${encodeURIComponent(pod.metadata.namespace as string)}/${encodeURIComponent(name)}/${encodeURIComponent(container)}?${search}`;
  let res;
  try {
    res = await request(url, { method: 'GET', headersTimeout: 10_000, bodyTimeout: 0 });
  } catch (err) {
    throw serviceUnavailable(`cannot reach the kubelet of node ${nodeName} at ${ip}:${port}: ${(err as Error).message}`);
  }
  if (res.statusCode >= 400) {
    const text = await res.body.text();
    throw new StatusError(makeStatus(res.statusCode === 404 ? 404 : 400, res.statusCode === 404 ? 'NotFound' : 'BadRequest', text.trim() || `kubelet answered ${res.statusCode}`));
  }
  reply.hijack();
  reply.raw.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
  reply.raw.on('close', () => res.body.destroy());
  res.body.on('error', () => reply.raw.end());
  res.body.pipe(reply.raw);
}
