// The REST dispatcher: maps an HTTP method on a resource path to a registry verb,
// including the subresources (status, scale, binding, finalize, log).
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { stringify as toYaml } from 'yaml';
import { badRequest, invalid, methodNotAllowed, notAcceptable, conflict, StatusError } from '../../api/errors.js';
import type { DeleteOptions, KubeObject, List, Status } from '../../api/types/meta.js';
import { applyPatch } from '../../api/patch/index.js';
import { unknownFields } from '../../api/schemas/index.js';
import type { GenericRegistry } from '../registry/generic.js';
import { bindPod } from '../registry/pods.js';
import { toTable } from '../tables.js';
import { checkShape, undecodable } from '../../api/schemas/shape.js';
import { decodeObject, decodePatch, encodeJSON } from './body.js';
import { deleteOptionsFromQuery, includeObject, param, parseListQuery, parseWriteQuery, prettyPrint, queryBool, validateDeleteOptions, type Query } from './list-options.js';
import type { RequestInfo } from './request-info.js';
import { serveWatch, watchStart } from './watch.js';

export interface RestContext {
  registry(info: RequestInfo): GenericRegistry;
  bookmarkIntervalMs: number;
  signal: AbortSignal;
  log: Logger;
  onWatchStart(resource: string): void;
  /** A watch ended after ms; hijacked replies skip fastify's onResponse, so this logs it. */
  onWatchEnd(resource: string, req: FastifyRequest, ms: number): void;
  /** Proxies pods/log to the pod's kubelet. */
  podLogs(req: FastifyRequest, reply: FastifyReply, pod: KubeObject): Promise<void>;
}

type Format = 'json' | 'yaml' | 'table';

/** What the client accepts: JSON, YAML, or a meta.k8s.io Table. */
function negotiate(accept: string | undefined): Format {
  if (!accept) return 'json';
  const types = accept.split(',').map((t) => t.trim().toLowerCase());
  for (const t of types) {
    const [mt, ...params] = t.split(';').map((p) => p.trim());
    if (params.includes('as=table')) {
      if (params.includes('g=meta.k8s.io') && (params.includes('v=v1') || params.includes('v=v1beta1'))) return 'table';
      continue;
    }
    if (mt === 'application/json' || mt === '*/*' || mt === 'application/*') return 'json';
    if (mt === 'application/yaml') return 'yaml';
  }
  throw notAcceptable(`only the following media types are accepted: application/json, application/yaml, application/json;as=Table;v=v1;g=meta.k8s.io (got ${JSON.stringify(accept)})`);
}

/** Maps the HTTP request to the Kubernetes verb, for metrics and logs. */
export function verbOf(method: string, info: RequestInfo, query: Query): string {
  switch (method) {
    case 'GET': case 'HEAD':
      if (info.name) return 'get';
      return queryBool(param(query, 'watch')) ? 'watch' : 'list';
    case 'POST': return 'create';
    case 'PUT': return 'update';
    case 'PATCH': return 'patch';
    case 'DELETE': return info.name ? 'delete' : 'deletecollection';
    default: return method.toLowerCase();
  }
}

export async function handleResource(ctx: RestContext, info: RequestInfo, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const query = (req.query ?? {}) as Query;
  const reg = ctx.registry(info);
  const { namespace, name, subresource } = info;
  const format = negotiate(req.headers.accept);
  const body = req.body as Buffer | undefined;
  const method = req.method;
  const optionsKind = method === 'POST' ? 'CreateOptions' : method === 'PUT' ? 'UpdateOptions' : method === 'PATCH' ? 'PatchOptions' : undefined;
  const writeQuery = optionsKind ? parseWriteQuery(optionsKind, query) : undefined;
  const dryRun = writeQuery?.dryRun ?? false;
  const pretty = prettyPrint(query, req.headers['user-agent']);

  const send = (code: number, obj: unknown): void => {
    if (format === 'table' && obj && typeof obj === 'object' && 'metadata' in obj) {
      obj = asTable(reg, obj as KubeObject | List, query);
    }
    if (format === 'yaml') void reply.code(code).type('application/yaml').send(toYaml(obj));
    else void reply.code(code).type('application/json').send(encodeJSON(obj, pretty));
  };

  const checkFields = fieldValidator(reg, writeQuery?.fieldValidation, reply);

  if (subresource === 'scale') return scale(reg, info, req, send, dryRun);
  if (subresource === 'binding') {
    if (method !== 'POST') throw methodNotAllowed(`${method} is not allowed on pods/binding`);
    const binding = decodeObject(req.headers['content-type'], body, 'Binding') as KubeObject;
    checkShape({ group: '', version: 'v1', kind: 'Binding' }, binding);
    return bind(reg, info, binding, send);
  }
  if (subresource === 'log') {
    if (method !== 'GET') throw methodNotAllowed(`${method} is not allowed on pods/log`);
    const pod = await reg.get(namespace, name as string);
    return ctx.podLogs(req, reply, pod);
  }
  if (subresource === 'finalize') {
    if (method !== 'PUT') throw methodNotAllowed(`${method} is not allowed on namespaces/finalize`);
    const obj = decodeObject(req.headers['content-type'], body, reg.ri.kind) as KubeObject & { spec?: { finalizers?: string[] } };
    checkShape(reg.ri, obj);
    const out = await reg.guaranteedUpdate(undefined, name as string, (cur) => {
      (cur as { spec?: unknown }).spec = { ...((cur as { spec?: object }).spec ?? {}), finalizers: obj?.spec?.finalizers ?? [] };
      return cur;
    }, { subresource: 'finalize', precondition: obj?.metadata?.resourceVersion || undefined });
    return send(200, out);
  }

  switch (method) {
    case 'GET':
    case 'HEAD': {
      if (name) return send(200, await reg.get(namespace, name));
      const lq = parseListQuery(reg.ri, query);
      if (lq.watch) {
        // A watch from a revision the cache has not reached waits for it (504 after 3 s),
        // before the 200, so the client can retry (kube-apiserver's waitUntilFreshAndBlock).
        const fromRev = watchStart(lq);
        if (fromRev !== undefined) await reg.cache.waitFresh(fromRev);
        reply.hijack();
        ctx.onWatchStart(reg.ri.plural);
        const started = Date.now();
        serveWatch(reg, reply.raw, {
          namespace, query: lq, bookmarkIntervalMs: ctx.bookmarkIntervalMs, signal: ctx.signal, log: ctx.log,
          transform: format === 'table' ? (o) => asTable(reg, o, query) : undefined,
          onEnd: () => ctx.onWatchEnd(reg.ri.plural, req, Date.now() - started),
        });
        return;
      }
      return send(200, await reg.list({ namespace, ...lq }));
    }
    case 'POST': {
      if (name) throw methodNotAllowed(`POST is not allowed on a named ${reg.ri.singular}; use PUT or PATCH`);
      const obj = decodeObject(req.headers['content-type'], body, reg.ri.kind) as KubeObject;
      checkShape(reg.ri, obj);
      checkFields(obj);
      return send(201, await reg.create(namespace, obj, { dryRun, owned: true }));
    }
    case 'PUT': {
      if (!name) throw methodNotAllowed(`PUT needs the name of the ${reg.ri.singular} in the path`);
      const obj = decodeObject(req.headers['content-type'], body, reg.ri.kind) as KubeObject;
      checkShape(reg.ri, obj);
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw badRequest('the request body must be a JSON object');
      checkFields(obj);
      return send(200, await reg.update(namespace, name, obj, { dryRun, subresource }));
    }
    case 'PATCH': {
      if (!name) throw methodNotAllowed(`PATCH needs the name of the ${reg.ri.singular} in the path`);
      const { type, patch } = decodePatch(req.headers['content-type'], body);
      return send(200, await reg.patch(namespace, name, type, patch, { dryRun, subresource, checkFields }));
    }
    case 'DELETE': {
      const opts = deleteOptions(query, body, req.headers['content-type']);
      // kubectl delete --dry-run=server asks in the DeleteOptions body, not the query.
      const dry = Array.isArray(opts.dryRun) && opts.dryRun.length > 0;
      if (!name) {
        const lq = parseListQuery(reg.ri, query);
        return send(200, await reg.deleteCollection({ namespace, matches: lq.matches }, opts, { dryRun: dry }));
      }
      const res = await reg.delete(namespace, name, opts, { dryRun: dry });
      if (!res.deleted) return send(202, res.obj);
      return send(200, reg.strategy.returnDeletedObject ? res.obj : reg.deletedStatus(res.obj));
    }
    default:
      throw methodNotAllowed(`${method} is not supported`);
  }
}

/**
 * ?fieldValidation: Strict rejects fields the schema does not know (400, as
 * Kubernetes' strict decoding), Warn (the default) answers with Warning headers,
 * Ignore does nothing.
 */
function fieldValidator(reg: GenericRegistry, mode: string | undefined, reply: FastifyReply): (obj: unknown) => void {
  const m = mode ?? 'Warn';
  if (!['Strict', 'Warn', 'Ignore'].includes(m)) {
    throw badRequest(`fieldValidation parameter unsupported: ${m}; use Ignore, Warn or Strict`);
  }
  if (m === 'Ignore') return () => undefined;
  return (obj) => {
    const unknown = unknownFields(reg.ri.group, reg.ri.version, reg.ri.kind, obj);
    if (!unknown.length) return;
    if (m === 'Strict') throw undecodable(reg.ri, `strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(', ')}`);
    void reply.header('Warning', unknown.map((f) => `299 - "unknown field \"${f}\""`).join(', '));
  };
}

/**
 * DeleteOptions come from the body (kubectl, client-go) or, when there is none, from the
 * query (curl), as kube-apiserver reads them; then they are validated as it does. A
 * dryRun in the query counts with a body too (our client sends it there), since a dry
 * run never writes.
 */
function deleteOptions(query: Query, body: Buffer | undefined, contentType: string | undefined): DeleteOptions {
  let opts: DeleteOptions;
  if (body && body.length) {
    opts = decodeObject(contentType, body, 'DeleteOptions') as DeleteOptions;
    checkShape({ group: '', version: 'v1', kind: 'DeleteOptions' }, opts);
    const queryDryRun = deleteOptionsFromQuery({ dryRun: query.dryRun }).dryRun;
    if (queryDryRun !== undefined && opts.dryRun === undefined) opts.dryRun = queryDryRun as string[];
  } else {
    opts = deleteOptionsFromQuery(query) as DeleteOptions;
  }
  validateDeleteOptions(opts);
  return opts;
}

function asTable(reg: GenericRegistry, obj: KubeObject | List, query: Query): unknown {
  const include = includeObject(query);
  if ('items' in obj && Array.isArray(obj.items)) {
    return toTable(reg.ri, obj.items, { includeObject: include, listMeta: obj.metadata });
  }
  if ((obj as KubeObject).kind === 'Status') return obj;
  return toTable(reg.ri, [reg.withType(obj as KubeObject)], { includeObject: include, listMeta: { resourceVersion: (obj as KubeObject).metadata.resourceVersion } });
}

interface ScaleObj extends KubeObject { spec?: { replicas?: number }; status?: { replicas?: number; selector?: string } }
interface Selector { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] }
interface Scalable extends KubeObject {
  spec?: { replicas?: number; selector?: Selector };
  status?: { replicas?: number };
}

/** The autoscaling/v1 Scale view of a Deployment or ReplicaSet. */
function toScale(obj: Scalable): ScaleObj {
  const m = obj.metadata;
  return {
    kind: 'Scale', apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: obj.spec?.replicas ?? 0 },
    status: { replicas: obj.status?.replicas ?? 0, selector: selectorString(obj.spec?.selector) },
  };
}

function selectorString(sel: Selector | undefined): string {
  if (!sel) return '';
  const parts = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) {
    if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
    else parts.push(`${e.key} ${e.operator.toLowerCase()} (${(e.values ?? []).join(',')})`);
  }
  return parts.join(',');
}

/**
 * GET, PUT and PATCH of the scale subresource. A write changes spec.replicas through
 * guaranteedUpdate, so it is retried against the fresh object on a conflict unless the
 * client sent a resourceVersion (then a stale one is a 409).
 */
async function scale(reg: GenericRegistry, info: RequestInfo, req: FastifyRequest, send: (code: number, obj: unknown) => void, dryRun: boolean): Promise<void> {
  const { namespace } = info;
  const name = info.name as string;
  const checkReplicas = (replicas: unknown): number => {
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      throw invalid('Scale', 'autoscaling', name, [{ reason: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0` }]);
    }
    return replicas;
  };
  const stale = (): StatusError => conflict(reg.qualified, name, 'the object has been modified; please apply your changes to the latest version and try again');
  /** Writes the replicas the Scale computed from the current object says. */
  const update = async (scaled: (cur: ScaleObj) => ScaleObj): Promise<void> => {
    const out = await reg.guaranteedUpdate(namespace, name, (cur) => {
      const wanted = scaled(toScale(cur as Scalable));
      const replicas = checkReplicas(wanted?.spec?.replicas);
      const rv = wanted?.metadata?.resourceVersion;
      if (rv && rv !== cur.metadata.resourceVersion) throw stale();
      (cur as Scalable).spec = { ...((cur as Scalable).spec ?? {}), replicas };
      return cur;
    }, { subresource: 'scale', dryRun });
    send(200, toScale(out as Scalable));
  };
  switch (req.method) {
    case 'GET':
      return send(200, toScale(await reg.get(namespace, name) as Scalable));
    case 'PUT': {
      const body = decodeObject(req.headers['content-type'], req.body as Buffer, 'Scale') as ScaleObj;
      checkShape({ group: 'autoscaling', version: 'v1', kind: 'Scale' }, body);
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the request body must be a Scale object');
      if (body.metadata?.name && body.metadata.name !== name) throw badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`);
      checkReplicas(body.spec?.replicas);
      return update((cur) => ({ ...cur, metadata: { ...cur.metadata, resourceVersion: body.metadata?.resourceVersion || undefined }, spec: { replicas: body.spec?.replicas } }));
    }
    case 'PATCH': {
      const { type, patch } = decodePatch(req.headers['content-type'], req.body as Buffer);
      // Scale has no lists, so a strategic merge patch is a merge patch.
      const t = type === 'application/strategic-merge-patch+json' ? 'application/merge-patch+json' : type;
      return update((cur) => {
        let patched: ScaleObj;
        try {
          patched = applyPatch(t, cur, patch, 'Scale') as ScaleObj;
        } catch (err) {
          throw invalid('Scale', 'autoscaling', name, [{ reason: 'FieldValueInvalid', field: '', message: `the patch could not be applied: ${(err as Error).message}` }]);
        }
        if (!patched || typeof patched !== 'object' || Array.isArray(patched)) throw badRequest('the patch must produce a Scale object');
        return patched;
      });
    }
    default:
      throw methodNotAllowed(`${req.method} is not allowed on the scale subresource`);
  }
}

interface BindingObj extends KubeObject { target?: { kind?: string; name?: string; apiVersion?: string } }

async function bind(reg: GenericRegistry, info: RequestInfo, binding: BindingObj, send: (code: number, obj: unknown) => void): Promise<void> {
  const name = info.name as string;
  if (!binding || typeof binding !== 'object') throw badRequest('the request body must be a Binding');
  if (binding.metadata?.name && binding.metadata.name !== name) {
    throw badRequest(`the name of the object (${binding.metadata.name}) does not match the name on the URL (${name})`);
  }
  const node = binding.target?.name;
  if (!node) throw invalid('Binding', '', name, [{ reason: 'FieldValueRequired', field: 'target.name', message: 'Required value' }]);
  if (binding.target?.kind && binding.target.kind !== 'Node') {
    throw invalid('Binding', '', name, [{ reason: 'FieldValueNotSupported', field: 'target.kind', message: `Unsupported value: "${binding.target.kind}": supported values: "Node"` }]);
  }
  const q = { group: '', resource: 'pods/binding' };
  await reg.guaranteedUpdate(info.namespace, name, (pod) => {
    const spec = (pod as { spec?: { nodeName?: string } }).spec;
    if (pod.metadata.deletionTimestamp) throw conflict(q, name, `pod ${name} is being deleted, cannot be assigned to a host`);
    if (spec?.nodeName) throw conflict(q, name, `pod ${name} is already assigned to node "${spec.nodeName}"`);
    return bindPod(pod, node);
  }, { subresource: 'binding' });
  const ok: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
  send(201, ok);
}
