// CertificateSigningRequests (Kubernetes' pkg/registry/certificates/certificates): the
// spec never changes after create; the status changes only through /status (the signer
// sets the certificate, or a Failed condition) and its Approved and Denied conditions
// only through /approval. Who asked (spec.username, uid, groups, extra) is set on
// create by the CertificateRequestUser admission step (admission/certificate-request.ts),
// since strategies here do not see the requesting user; Kubernetes' strategy reads it
// from the request context.
import { badRequest, conflict, makeStatus, StatusError } from '../../api/errors.js';
import { rfc3339Now } from '../../api/helpers/time.js';
import { applyPatch } from '../../api/patch/index.js';
import { checkPatchedShape } from '../../api/schemas/shape.js';
import type {
  CertificateSigningRequest, CertificateSigningRequestCondition, CertificateSigningRequestStatus,
} from '../../api/types/certificates.js';
import type { KubeObject } from '../../api/types/meta.js';
import type { GenericRegistry } from './generic.js';
import { defaultStrategy, type Strategy } from './strategy.js';
import type { Subresource, SubresourceRequest, SubresourceResult } from './subresource.js';

const asCSR = (o: KubeObject): CertificateSigningRequest => o as CertificateSigningRequest;

export const certificateSigningRequestStrategy: Strategy = {
  ...defaultStrategy,
  hasStatus: true,
  prepareForCreate(obj) {
    // Nobody creates a pre-approved or pre-issued request.
    asCSR(obj).status = {};
  },
  prepareForUpdate(obj, old) {
    // The spec is immutable: an update of it is ignored (status is kept generically).
    asCSR(obj).spec = structuredClone(asCSR(old).spec);
  },
};

/**
 * populateConditionTimestamps: conditions without lastUpdateTime get now; without
 * lastTransitionTime, the old one of a condition of the same type and status, else now.
 */
export function populateConditionTimestamps(conditions: CertificateSigningRequestCondition[], old: readonly CertificateSigningRequestCondition[], now: string): void {
  for (const c of conditions) {
    if (!c.lastUpdateTime) c.lastUpdateTime = now;
    if (!c.lastTransitionTime) {
      const same = old.find((o) => o.type === c.type && o.status === c.status && o.lastTransitionTime);
      c.lastTransitionTime = same?.lastTransitionTime ?? now;
    }
  }
}

/**
 * preserveConditionInstances: when /status keeps as many conditions of type as there
 * were, they are the old ones unchanged (an approval is not rewritten through /status);
 * a different count is left for validation to refuse.
 */
function preserveConditionInstances(conditions: CertificateSigningRequestCondition[], old: readonly CertificateSigningRequestCondition[], type: string): void {
  const oldIdx = old.flatMap((c, i) => (c.type === type ? [i] : []));
  const newIdx = conditions.flatMap((c, i) => (c.type === type ? [i] : []));
  if (oldIdx.length !== newIdx.length) return;
  newIdx.forEach((n, i) => { conditions[n] = structuredClone(old[oldIdx[i]]); });
}

const conditionList = (status: CertificateSigningRequestStatus | undefined): CertificateSigningRequestCondition[] =>
  Array.isArray(status?.conditions) ? status.conditions : [];

/**
 * What a /status write stores: the object sent (its spec is replaced by the stored one
 * in generic.ts), Approved and Denied as stored, timestamps filled in.
 */
function prepareStatus(sent: CertificateSigningRequest, cur: CertificateSigningRequest): CertificateSigningRequest {
  const status = sent.status && typeof sent.status === 'object' ? sent.status : {};
  const conditions = conditionList(status);
  const old = conditionList(cur.status);
  preserveConditionInstances(conditions, old, 'Approved');
  preserveConditionInstances(conditions, old, 'Denied');
  populateConditionTimestamps(conditions, old, rfc3339Now());
  return { ...sent, status };
}

/** What an /approval write stores: the stored spec and status with the conditions sent. */
function prepareApproval(sent: CertificateSigningRequest, cur: CertificateSigningRequest): CertificateSigningRequest {
  const conditions = structuredClone(conditionList(sent.status));
  const old = conditionList(cur.status);
  populateConditionTimestamps(conditions, old, rfc3339Now());
  const status: CertificateSigningRequestStatus = { ...(cur.status ?? {}), conditions };
  if (!conditions.length) delete status.conditions;
  return { ...sent, spec: structuredClone(cur.spec), status };
}

const PREPARE = { status: prepareStatus, approval: prepareApproval } as const;

/**
 * The /status and /approval subresources: GET answers the object; PUT and PATCH change
 * only what the subresource owns, through guaranteedUpdate (a resourceVersion sent is a
 * precondition: 409 when stale).
 */
export function csrSubresource(reg: GenericRegistry, which: 'status' | 'approval'): Subresource {
  const prepare = PREPARE[which];
  const stale = (name: string): StatusError => conflict(reg.qualified, name, 'the object has been modified; please apply your changes to the latest version and try again');
  const checkSent = (sent: unknown, name: string): CertificateSigningRequest => {
    if (!sent || typeof sent !== 'object' || Array.isArray(sent)) throw badRequest('the request body must be a JSON object');
    const obj = sent as CertificateSigningRequest;
    if (!obj.metadata || typeof obj.metadata !== 'object') obj.metadata = {};
    if (obj.metadata.name !== undefined && obj.metadata.name !== name) {
      throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
    }
    obj.metadata.name = name;
    const gv = `${reg.ri.group}/${reg.ri.version}`;
    if (obj.apiVersion !== undefined && obj.apiVersion !== gv) {
      throw badRequest(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${gv})`);
    }
    if (obj.kind !== undefined && obj.kind !== reg.ri.kind) {
      throw badRequest(`the kind in the data (${String(obj.kind)}) does not match the expected kind (${reg.ri.kind})`);
    }
    obj.apiVersion = gv;
    obj.kind = reg.ri.kind;
    return obj;
  };
  return {
    methods: ['GET', 'PUT', 'PATCH'],
    async serve(req: SubresourceRequest): Promise<SubresourceResult> {
      const { name } = req;
      const opts = { subresource: which, dryRun: req.dryRun, user: req.user, warnings: req.warnings, manager: req.manager };
      switch (req.method) {
        case 'GET':
          return { code: 200, body: await reg.get(undefined, name) };
        case 'PUT': {
          const sent = checkSent(req.object(reg.ri), name);
          const out = await reg.guaranteedUpdate(undefined, name, (cur) => prepare(structuredClone(sent), asCSR(cur)),
            { ...opts, precondition: sent.metadata.resourceVersion || undefined });
          return { code: 200, body: out };
        }
        default: {
          const { type, patch } = req.patch();
          const out = await reg.guaranteedUpdate(undefined, name, (cur) => {
            let patched: unknown;
            try {
              patched = applyPatch(type, cur, patch, reg.ri.kind);
            } catch (err) {
              if (err instanceof StatusError) throw err;
              throw new StatusError(makeStatus(422, 'Invalid', `the patch could not be applied: ${(err as Error).message}`));
            }
            checkPatchedShape(reg.ri, type, patched, patch);
            const sent = checkSent(patched, name);
            if (sent.metadata.resourceVersion && sent.metadata.resourceVersion !== cur.metadata.resourceVersion) throw stale(name);
            return prepare(sent, asCSR(cur));
          }, opts);
          return { code: 200, body: out };
        }
      }
    },
  };
}

/** Registers /status and /approval on the CertificateSigningRequest registry. */
export function setCSRSubresources(reg: GenericRegistry): void {
  reg.subresources.set('status', csrSubresource(reg, 'status'));
  reg.subresources.set('approval', csrSubresource(reg, 'approval'));
}
