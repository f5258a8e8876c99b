// The REST dispatcher: maps an HTTP method on a resource path to a registry verb or to
// one of the registry's subresources (status is an update of the main registry; scale,
// binding, finalize and log are the registry's own). It decodes bodies and query
// parameters and encodes answers; the rules live in the registries.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { goYaml } from '../../api/go-yaml.js';
import { badRequest, makeStatus, methodNotAllowed, notAcceptable, StatusError } from '../../api/errors.js';
import type { DeleteOptions, KubeObject, List } from '../../api/types/meta.js';
import { unknownFields } from '../../api/schemas/index.js';
import type { GenericRegistry } from '../registry/generic.js';
import { toTable } from '../tables.js';
import { checkShape, undecodable } from '../../api/schemas/shape.js';
import { APPLY_PATCH, decodeObject, decodePatch, encodeJSON, warningHeaders } from './body.js';
import { managerName } from '../../api/managed-fields/index.js';
import { deleteOptionsFromQuery, includeObject, param, parseListQuery, parseWriteQuery, prettyPrint, queryBool, validateDeleteOptions, type Query } from './list-options.js';
import type { RequestInfo } from './request-info.js';
import { proxyStream } from './proxy-stream.js';
import { serveWatch, watchStart } from './watch.js';
import type { User } from '../authn/user.js';

export interface RestContext {
  registry(info: RequestInfo): GenericRegistry;
  bookmarkIntervalMs: number;
  signal: AbortSignal;
  log: Logger;
  onWatchStart(resource: string): void;
  /** A watch ended after ms; hijacked replies skip fastify's onResponse, so this logs it. */
  onWatchEnd(resource: string, req: FastifyRequest, ms: number): void;
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

/** user: who asks (admission reads it; reviews answer about it). */
export async function handleResource(ctx: RestContext, info: RequestInfo, req: FastifyRequest, reply: FastifyReply, user: User | undefined): Promise<void> {
  const query = (req.query ?? {}) as Query;
  const reg = ctx.registry(info);
  const { namespace, name, subresource } = info;
  const format = negotiate(req.headers.accept);
  const body = req.body as Buffer | undefined;
  const method = req.method;
  const optionsKind = method === 'POST' ? 'CreateOptions' : method === 'PUT' ? 'UpdateOptions' : method === 'PATCH' ? 'PatchOptions' : undefined;
  const isApply = method === 'PATCH' && (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase() === APPLY_PATCH;
  const writeQuery = optionsKind ? parseWriteQuery(optionsKind, query, isApply) : undefined;
  // managerOrUserAgent: who the write is recorded for in managedFields.
  const manager = writeQuery ? managerName(writeQuery.fieldManager, req.headers['user-agent']) : undefined;
  const dryRun = writeQuery?.dryRun ?? false;
  const pretty = prettyPrint(query, req.headers['user-agent']);

  // Warnings from field validation and admission, sent with the answer.
  const warnings: string[] = [];
  if (reg.ri.custom?.deprecationWarning) warnings.push(reg.ri.custom.deprecationWarning);
  const send = (code: number, obj: unknown): void => {
    if (warnings.length) void reply.header('Warning', warningHeaders(warnings));
    if (format === 'table' && obj && typeof obj === 'object' && 'metadata' in obj) {
      obj = asTable(reg, obj as KubeObject | List, query);
    }
    if (format === 'yaml') void reply.code(code).type('application/yaml').send(goYaml(obj));
    else void reply.code(code).type('application/json').send(encodeJSON(obj, pretty));
  };

  const checkFields = fieldValidator(reg, writeQuery?.fieldValidation, warnings);
  const who = { user, warnings, manager };

  // Subresources other than status are the registry's own (scale, binding, log, finalize).
  const sub = subresource === undefined ? undefined : reg.subresources.get(subresource);
  if (sub) {
    if (!sub.methods.includes(method)) throw methodNotAllowed(`${method} is not allowed on ${reg.ri.plural}/${subresource}`);
    const result = await sub.serve({
      method, namespace, name: name as string, dryRun, ...who,
      param: (p) => param(query, p),
      object: (kind) => {
        const obj = decodeObject(req.headers['content-type'], body, kind.kind);
        checkShape(kind, obj);
        return obj;
      },
      patch: () => decodePatch(req.headers['content-type'], body),
    });
    if ('proxy' in result) return proxyStream(reply, result.proxy, ctx.log);
    return send(result.code, result.body);
  }

  // Resources that serve only some verbs (the reviews: create only).
  if (reg.ri.verbs && !reg.ri.verbs.includes(verbOf(method, info, query))) {
    throw new StatusError(makeStatus(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {}));
  }
  if (reg.createHandler && method === 'POST' && !name) {
    const obj = decodeObject(req.headers['content-type'], body, reg.ri.kind) as KubeObject;
    reg.checkTypeAndNamespace(obj, namespace);
    checkShape(reg.ri, obj);
    return send(201, reg.withType(await reg.createHandler({ namespace, body: obj, user })));
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
      return send(201, await reg.create(namespace, obj, { dryRun, owned: true, shapeChecked: true, ...who }));
    }
    case 'PUT': {
      if (!name) throw methodNotAllowed(`PUT needs the name of the ${reg.ri.singular} in the path`);
      const obj = decodeObject(req.headers['content-type'], body, reg.ri.kind) as KubeObject;
      checkShape(reg.ri, obj);
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw badRequest('the request body must be a JSON object');
      checkFields(obj);
      return send(200, await reg.update(namespace, name, obj, { dryRun, subresource, owned: true, shapeChecked: true, ...who }));
    }
    case 'PATCH': {
      if (!name) throw methodNotAllowed(`PATCH needs the name of the ${reg.ri.singular} in the path`);
      const { type, patch } = decodePatch(req.headers['content-type'], body);
      if (type === APPLY_PATCH) {
        const res = await reg.apply(namespace, name, patch as Record<string, unknown>, {
          dryRun, subresource, checkFields, ...who, manager: writeQuery?.fieldManager as string, force: writeQuery?.force === true,
        });
        return send(res.created ? 201 : 200, res.obj);
      }
      return send(200, await reg.patch(namespace, name, type, patch, { dryRun, subresource, checkFields, ...who }));
    }
    case 'DELETE': {
      const opts = deleteOptions(query, body, req.headers['content-type']);
      // kubectl delete --dry-run=server asks in the DeleteOptions body, not the query.
      const dry = Array.isArray(opts.dryRun) && opts.dryRun.length > 0;
      if (!name) {
        const lq = parseListQuery(reg.ri, query);
        return send(200, await reg.deleteCollection({ namespace, matches: lq.matches }, opts, { dryRun: dry, ...who }));
      }
      const res = await reg.delete(namespace, name, opts, { dryRun: dry, ...who });
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
function fieldValidator(reg: GenericRegistry, mode: string | undefined, warnings: string[]): (obj: unknown) => void {
  const m = mode ?? 'Warn';
  if (!['Strict', 'Warn', 'Ignore'].includes(m)) {
    throw badRequest(`fieldValidation parameter unsupported: ${m}; use Ignore, Warn or Strict`);
  }
  if (m === 'Ignore') return () => undefined;
  return (obj) => {
    const unknown = reg.strategy.unknownFields ? reg.strategy.unknownFields(obj as KubeObject) : unknownFields(reg.ri.group, reg.ri.version, reg.ri.kind, obj);
    if (!unknown.length) return;
    if (m === 'Strict') throw undecodable(reg.ri, `strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(', ')}`);
    warnings.push(...unknown.map((f) => `unknown field "${f}"`));
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
