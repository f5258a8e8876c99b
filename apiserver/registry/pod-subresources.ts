// The pods' binding, log and ephemeralcontainers subresources (Kubernetes' BindingREST,
// LogREST and EphemeralContainersREST).
// binding sets spec.nodeName once and the PodScheduled condition; log finds the
// container and the kubelet serving it, and hands the HTTP layer the URL to stream
// and the connections to kubelets to stream it through (HTTPS, the apiserver's client
// certificate: the kubelet authorizes that identity for nodes/proxy).
import type { Dispatcher } from 'undici';
import { badRequest, conflict, invalid } from '../../api/errors.js';
import type { KubeObject, Status } from '../../api/types/meta.js';
import { parsePodLogOptions } from '../http/list-options.js';
import { APPLY_PATCH } from '../http/body.js';
import type { ProxyTarget } from '../http/proxy-stream.js';
import type { GenericRegistry } from './generic.js';
import { kubeletOf, podContainer, type PodLike } from './kubelet-location.js';
import { bindPod } from './pods.js';
import type { Subresource, SubresourceRequest, SubresourceResult } from './subresource.js';

interface BindingObj extends KubeObject { target?: { kind?: string; name?: string; apiVersion?: string } }

const BINDING_KIND = { group: '', version: 'v1', kind: 'Binding' };

/** POST pods/<name>/binding: assigns the pod to a node, once. */
export function bindingSubresource(pods: GenericRegistry): Subresource {
  return {
    methods: ['POST'],
    async serve(req: SubresourceRequest): Promise<SubresourceResult> {
      const { name } = req;
      const binding = req.object(BINDING_KIND) as BindingObj;
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
      await pods.guaranteedUpdate(req.namespace, name, (pod) => {
        const spec = (pod as { spec?: { nodeName?: string } }).spec;
        if (pod.metadata.deletionTimestamp) throw conflict(q, name, `pod ${name} is being deleted, cannot be assigned to a host`);
        if (spec?.nodeName) throw conflict(q, name, `pod ${name} is already assigned to node "${spec.nodeName}"`);
        return bindPod(pod, node);
      }, { subresource: 'binding', dryRun: req.dryRun, user: req.user, warnings: req.warnings });
      const ok: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
      return { code: 201, body: ok };
    },
  };
}


/** Query parameters of pods/log the kubelet reads. */
const LOG_OPTIONS = ['container', 'follow', 'tailLines', 'previous', 'timestamps', 'sinceSeconds', 'sinceTime', 'limitBytes'];

/**
 * GET pods/<name>/log: the kubelet's https /containerLogs URL for the pod's container,
 * reached through kubelet (kubeletTransport: the apiserver's client certificate).
 */
export function logSubresource(pods: GenericRegistry, nodes: GenericRegistry, transport?: Dispatcher): Subresource {
  return {
    methods: ['GET'],
    async serve(req: SubresourceRequest): Promise<SubresourceResult> {
      const logOptions = parsePodLogOptions(req.name, Object.fromEntries(LOG_OPTIONS.map((k) => [k, req.param(k)])));
      const pod = await pods.get(req.namespace, req.name) as PodLike;
      const name = req.name;
      const container = podContainer(pod, logOptions.container);
      const kubelet = await kubeletOf(pod, nodes);
      // The kubelet gets the options as the apiserver parsed them (follow=True is true).
      const search = new URLSearchParams();
      for (const [k, v] of Object.entries(logOptions)) {
        if (k !== 'container' && v !== undefined && v !== false) search.set(k, String(v));
      }
      const url = `https://${kubelet.authority}/containerLogs/${encodeURIComponent(pod.metadata.namespace as string)}/${encodeURIComponent(name)}/${encodeURIComponent(container)}?${search}`;
      const proxy: ProxyTarget = { url, target: kubelet.target, ...(transport ? { dispatcher: transport } : {}) };
      return { proxy };
    },
  };
}

const POD_KIND = { group: '', version: 'v1', kind: 'Pod' };

/**
 * GET, PUT and PATCH pods/<name>/ephemeralcontainers: the whole Pod is read and sent,
 * but a write changes only spec.ephemeralContainers (podStrategy.partialWrites), and
 * validation allows only additions (validatePodEphemeralContainersUpdate).
 */
export function ephemeralContainersSubresource(pods: GenericRegistry): Subresource {
  const subresource = 'ephemeralcontainers';
  return {
    methods: ['GET', 'PUT', 'PATCH'],
    async serve(req: SubresourceRequest): Promise<SubresourceResult> {
      const opts = { subresource, dryRun: req.dryRun, user: req.user, warnings: req.warnings, manager: req.manager };
      if (req.method === 'GET') return { code: 200, body: await pods.get(req.namespace, req.name) };
      if (req.method === 'PUT') {
        const obj = req.object(POD_KIND) as KubeObject;
        if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw badRequest('the request body must be a Pod');
        return { code: 200, body: await pods.update(req.namespace, req.name, obj, { ...opts, shapeChecked: true }) };
      }
      const { type, patch } = req.patch();
      if (type === APPLY_PATCH) {
        const manager = req.manager;
        if (!manager) throw badRequest('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
        const res = await pods.apply(req.namespace, req.name, patch as Record<string, unknown>, { ...opts, manager, force: req.param('force') === 'true' });
        return { code: 200, body: res.obj };
      }
      return { code: 200, body: await pods.patch(req.namespace, req.name, type, patch, opts) };
    },
  };
}
