// POST serviceaccounts/<name>/token: the TokenRequest API (Kubernetes' TokenREST). Issues
// a signed, expiring token for the service account, optionally bound to a pod, a secret
// or a node, so it stops working when that object is deleted. `kubectl create token` and
// the kubelet's projected service-account tokens use it.
import { badRequest, conflict, invalid } from '../../api/errors.js';
import type { TokenRequest } from '../../api/types/authentication.js';
import type { KubeObject, StatusCause } from '../../api/types/meta.js';
import { rfc3339 } from '../../api/helpers/time.js';
import type { ServiceAccountTokens } from '../authn/service-account-token.js';
import type { GenericRegistry } from './generic.js';
import type { Subresource, SubresourceRequest, SubresourceResult } from './subresource.js';

const TOKEN_REQUEST_KIND = { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' };
const MIN_EXPIRATION_SECONDS = 600;
const MAX_EXPIRATION_SECONDS = 2 ** 32;
export const DEFAULT_EXPIRATION_SECONDS = 3600;

export interface TokenSubresourceDeps {
  tokens: ServiceAccountTokens;
  serviceAccounts: GenericRegistry;
  pods: GenericRegistry;
  secrets: GenericRegistry;
  nodes: GenericRegistry;
  /** --service-account-max-token-expiration in seconds; 0 for no limit. */
  maxExpirationSeconds: number;
}

interface PodLike extends KubeObject { spec?: { serviceAccountName?: string; nodeName?: string } }

export function tokenSubresource(deps: TokenSubresourceDeps): Subresource {
  return {
    methods: ['POST'],
    async serve(req: SubresourceRequest): Promise<SubresourceResult> {
      const { name } = req;
      const namespace = req.namespace as string;
      const tr = req.object(TOKEN_REQUEST_KIND) as TokenRequest;
      if (!tr || typeof tr !== 'object') throw badRequest('the request body must be a TokenRequest');
      tr.metadata ??= {};
      tr.spec ??= {};
      const nameErr = (field: string, value: string, what: string): never => {
        throw invalid('TokenRequest', 'authentication.k8s.io', name, [{ reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(value)}: must match the service account ${what} if specified` }]);
      };
      if (tr.metadata.name && tr.metadata.name !== name) nameErr('metadata.name', tr.metadata.name, 'name');
      if (tr.metadata.namespace && tr.metadata.namespace !== namespace) nameErr('metadata.namespace', tr.metadata.namespace, 'namespace');
      const sa = await deps.serviceAccounts.get(namespace, name);
      const spec = tr.spec;
      if (!spec.audiences?.length) spec.audiences = deps.tokens.apiAudiences;
      spec.expirationSeconds ??= DEFAULT_EXPIRATION_SECONDS;
      const now = Date.now();
      tr.metadata = { name: sa.metadata.name, namespace, creationTimestamp: rfc3339(now) };
      validate(tr, name);

      let pod: KubeObject | undefined;
      let secret: KubeObject | undefined;
      let node: KubeObject | undefined;
      const ref = spec.boundObjectRef;
      if (ref) {
        const apiVersion = ref.apiVersion ?? '';
        const core = apiVersion === 'v1' || apiVersion === '';
        let uid: string | undefined;
        if (core && ref.kind === 'Pod') {
          pod = await deps.pods.get(namespace, ref.name ?? '');
          uid = pod.metadata.uid;
          const nodeName = (pod as PodLike).spec?.nodeName;
          if (nodeName) node = deps.nodes.cache.snapshotOne(deps.nodes.key(undefined, nodeName)) ?? await deps.nodes.get(undefined, nodeName).catch(() => undefined);
        } else if (core && ref.kind === 'Node') {
          node = await deps.nodes.get(undefined, ref.name ?? '');
          uid = node.metadata.uid;
        } else if (core && ref.kind === 'Secret') {
          secret = await deps.secrets.get(namespace, ref.name ?? '');
          uid = secret.metadata.uid;
        } else {
          throw badRequest(`cannot bind token for serviceaccount ${JSON.stringify(name)} to object of type ${apiVersion ? `${apiVersion}, ` : ''}Kind=${ref.kind ?? ''}`);
        }
        if (ref.uid && ref.uid !== uid) {
          throw conflict({ group: '', resource: ref.kind ?? '' }, ref.name ?? '', `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
        }
        if (pod && ((pod as PodLike).spec?.serviceAccountName ?? 'default') !== name) {
          throw badRequest(`cannot bind token for serviceaccount ${JSON.stringify(name)} to pod running with different serviceaccount name.`);
        }
      }
      if (deps.maxExpirationSeconds > 0 && spec.expirationSeconds > deps.maxExpirationSeconds) {
        req.warnings?.push(`requested expiration of ${spec.expirationSeconds} seconds shortened to ${deps.maxExpirationSeconds} seconds`);
        spec.expirationSeconds = deps.maxExpirationSeconds;
      }
      const idOf = (o: KubeObject): { name: string; uid: string } => ({ name: o.metadata.name as string, uid: o.metadata.uid as string });
      const { token } = await deps.tokens.issue({
        namespace, serviceAccount: idOf(sa), audiences: spec.audiences, expirationSeconds: spec.expirationSeconds,
        ...(pod ? { pod: idOf(pod) } : {}), ...(secret ? { secret: idOf(secret) } : {}), ...(node ? { node: idOf(node) } : {}),
      });
      const out: TokenRequest = {
        kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', metadata: tr.metadata, spec,
        status: { token, expirationTimestamp: rfc3339(now + spec.expirationSeconds * 1000) },
      };
      return { code: 201, body: out };
    },
  };
}

function validate(tr: TokenRequest, name: string): void {
  const causes: StatusCause[] = [];
  const exp = tr.spec.expirationSeconds as number;
  if (!Number.isInteger(exp)) {
    causes.push({ reason: 'FieldValueInvalid', field: 'spec.expirationSeconds', message: `Invalid value: ${JSON.stringify(exp)}: must be an integer` });
  } else if (exp < MIN_EXPIRATION_SECONDS) {
    causes.push({ reason: 'FieldValueInvalid', field: 'spec.expirationSeconds', message: `Invalid value: ${exp}: may not specify a duration less than 10 minutes` });
  } else if (exp > MAX_EXPIRATION_SECONDS) {
    causes.push({ reason: 'FieldValueInvalid', field: 'spec.expirationSeconds', message: `Invalid value: ${exp}: may not specify a duration larger than 2^32 seconds` });
  }
  if (!Array.isArray(tr.spec.audiences) || tr.spec.audiences.some((a) => typeof a !== 'string')) {
    causes.push({ reason: 'FieldValueInvalid', field: 'spec.audiences', message: 'Invalid value: "": must be a list of strings' });
  }
  if (causes.length) throw invalid('TokenRequest', 'authentication.k8s.io', name, causes);
}
