// The MutatingAdmissionWebhook admission plugin: the webhooks of every
// MutatingWebhookConfiguration that match a request are called one after another, each
// seeing what the ones before it changed; their JSON patches are applied in order.
// Webhooks with reinvocationPolicy IfNeeded are called once more when a webhook after
// them changed the object (Kubernetes also re-runs its built-in mutating plugins in that
// round; ours only change objects on create, the same way twice, so they are not re-run).
import { badRequest, internalError } from '../../api/errors.js';
import { applyDefaults } from '../../api/defaults.js';
import { applyJsonPatch } from '../../api/patch/json.js';
import type { MutatingWebhook } from '../../api/types/admissionregistration.js';
import type { KubeObject } from '../../api/types/meta.js';
import { deepEqual } from '../registry/deep-equal.js';
import type { AdmissionAttributes, AdmissionPlugin } from './chain.js';
import { callWebhook, matchAttributes, shouldCall, type WebhookDeps } from './webhook/dispatch.js';
import { asObject, CallingWebhookError } from './webhook/review.js';
import type { WebhookSource } from './webhook/source.js';

export const MUTATING_ADMISSION_WEBHOOK = 'MutatingAdmissionWebhook';

export function mutatingAdmissionWebhook(source: WebhookSource<MutatingWebhook>, deps: WebhookDeps): AdmissionPlugin {
  const log = deps.log.child({ plugin: MUTATING_ADMISSION_WEBHOOK });
  return {
    name: MUTATING_ADMISSION_WEBHOOK,
    async admit(a) {
      const hooks = source.webhooks();
      if (!hooks.length || !matchAttributes(a)) return;
      const previouslyInvoked = new Set<string>();
      const reinvoke = new Set<string>();
      for (let round = 0; round < 2; round++) {
        if (round === 1 && !reinvoke.size) break;
        for (const { uid, hook } of hooks) {
          if (round === 1 && !reinvoke.has(uid)) continue;
          // Matching sees the object as the webhooks before this one left it.
          const m = matchAttributes(a);
          if (!m || !await shouldCall(hook, m, deps, a)) continue;
          let changed = false;
          try {
            changed = await callMutating(hook, a, deps);
          } catch (err) {
            if (!(err instanceof CallingWebhookError)) throw err;
            if (hook.failurePolicy !== 'Ignore') {
              log.warn({ webhook: hook.name, err: err.message }, 'failed calling webhook, failing closed');
              throw err.toStatusError();
            }
            log.warn({ webhook: hook.name, err: err.message }, 'failed calling webhook, failing open');
          }
          // A change asks every reinvocable webhook called before it to look again (once).
          if (changed && round === 0) for (const id of previouslyInvoked) reinvoke.add(id);
          if (hook.reinvocationPolicy === 'IfNeeded') previouslyInvoked.add(uid);
        }
      }
    },
  };
}

/** Calls one mutating webhook and applies its patch to a.object in place; true when the object changed. */
async function callMutating(hook: MutatingWebhook, a: AdmissionAttributes, deps: WebhookDeps): Promise<boolean> {
  const res = await callWebhook(hook, a, true, deps);
  if (res.patch === undefined) return false;
  let ops: unknown;
  try {
    ops = JSON.parse(res.patch);
    if (!Array.isArray(ops)) throw new Error(`json: cannot unmarshal ${typeof ops === 'object' && ops !== null ? 'object' : typeof ops} into Go value of type jsonpatch.Patch`);
  } catch (err) {
    throw new CallingWebhookError(hook.name, `received undecodable patch in webhook response: ${(err as Error).message}`);
  }
  if (!ops.length) return false;
  const obj = a.object;
  if (!obj) throw internalError(`admission webhook ${JSON.stringify(hook.name)} attempted to modify the object, which is not supported for this operation`);
  let patched: KubeObject;
  try {
    patched = asObject(applyJsonPatch(obj, ops));
  } catch (err) {
    throw internalError((err as Error).message);
  }
  if (patched.apiVersion !== obj.apiVersion || patched.kind !== obj.kind) {
    throw internalError(`admission webhook ${JSON.stringify(hook.name)} changed the object's apiVersion or kind to ${JSON.stringify(patched.apiVersion)}, ${JSON.stringify(patched.kind)}`);
  }
  if ((patched.metadata.namespace ?? undefined) !== (obj.metadata.namespace ?? undefined)) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  applyDefaults(patched);
  const changed = !deepEqual(obj, patched);
  if (changed) replaceInPlace(obj, patched);
  return changed;
}

/** Makes target hold what source holds, keeping target's and its metadata's identity (the registry holds both). */
function replaceInPlace(target: KubeObject, source: KubeObject): void {
  const meta = target.metadata;
  for (const k of Object.keys(meta)) if (!(k in source.metadata)) delete (meta as Record<string, unknown>)[k];
  Object.assign(meta, source.metadata);
  for (const k of Object.keys(target)) if (k !== 'metadata' && !(k in source)) delete (target as Record<string, unknown>)[k];
  for (const [k, v] of Object.entries(source)) if (k !== 'metadata') (target as Record<string, unknown>)[k] = v;
}
