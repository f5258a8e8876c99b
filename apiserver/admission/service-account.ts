// The ServiceAccount admission plugin (plugin/pkg/admission/serviceaccount): a pod
// created without spec.serviceAccountName runs as "default"; the service account must
// exist; unless automountServiceAccountToken says no (the pod's, else the account's),
// the pod gets the projected kube-api-access volume (a bound token the kubelet keeps
// fresh, the cluster CA, the namespace), mounted in every container at
// /var/run/secrets/kubernetes.io/serviceaccount; and the account's imagePullSecrets
// when the pod names none.
import { mirrorServiceAccount } from '../../api/defaults.js';
import { forbiddenObject, isNotFound } from '../../api/errors.js';
import { MIRROR_POD_ANNOTATION, type Pod, type ServiceAccount, type Volume } from '../../api/types/core.js';
import type { KubeObject } from '../../api/types/meta.js';
import { generateName } from '../registry/names.js';
import type { AdmissionPlugin } from './chain.js';

export const DEFAULT_SERVICE_ACCOUNT = 'default';
export const TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
const VOLUME_PREFIX = 'kube-api-access-';
/** The kubelet refreshes the token; 3607 s is Kubernetes' marker for an admission-made projection. */
const TOKEN_EXPIRATION_SECONDS = 3607;
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';

/** The projected volume source Kubernetes' TokenVolumeSource builds. */
export function tokenVolume(name: string): Volume {
  return {
    name,
    projected: {
      defaultMode: 0o644,
      sources: [
        { serviceAccountToken: { expirationSeconds: TOKEN_EXPIRATION_SECONDS, path: 'token' } },
        { configMap: { name: ROOT_CA_CONFIGMAP, items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}

/** Looks a service account up (cache first, then storage); undefined when it does not exist. */
export type ServiceAccountGetter = (namespace: string, name: string) => Promise<KubeObject | undefined>;

export function serviceAccountAdmission(getServiceAccount: ServiceAccountGetter): AdmissionPlugin {
  return {
    name: 'ServiceAccount',
    async admit(a) {
      if (a.operation !== 'CREATE' || a.subresource || a.resource.group !== '' || a.resource.plural !== 'pods') return;
      const pod = a.object as Pod;
      const spec = pod.spec;
      if (!spec || typeof spec !== 'object') return;
      // Mirror pods come from a kubelet's static manifests: they may not use service accounts.
      if (pod.metadata.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) return;
      if (!spec.serviceAccountName) spec.serviceAccountName = DEFAULT_SERVICE_ACCOUNT;
      mirrorServiceAccount(spec);
      const ns = a.namespace ?? '';
      let sa: ServiceAccount | undefined;
      try {
        sa = await getServiceAccount(ns, spec.serviceAccountName) as ServiceAccount | undefined;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      if (!sa) {
        throw forbiddenObject({ group: '', resource: 'pods' }, a.name,
          `error looking up service account ${ns}/${spec.serviceAccountName}: serviceaccount "${spec.serviceAccountName}" not found`);
      }
      if (spec.automountServiceAccountToken ?? sa.automountServiceAccountToken ?? true) mountToken(spec);
      if (!spec.imagePullSecrets?.length && sa.imagePullSecrets?.length) {
        spec.imagePullSecrets = sa.imagePullSecrets.map((s) => ({ name: s.name }));
      }
    },
  };
}

function mountToken(spec: NonNullable<Pod['spec']>): void {
  const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? [])].filter((c) => c && typeof c === 'object');
  const needs = containers.filter((c) => !(c.volumeMounts ?? []).some((m) => m?.mountPath === TOKEN_MOUNT_PATH));
  if (!needs.length) return;
  const volumes = Array.isArray(spec.volumes) ? spec.volumes : [];
  const existing = volumes.find((v) => v?.name?.startsWith(VOLUME_PREFIX) && v.projected);
  const name = existing?.name ?? generateName(VOLUME_PREFIX);
  if (!existing) spec.volumes = [...volumes, tokenVolume(name)];
  for (const c of needs) c.volumeMounts = [...(c.volumeMounts ?? []), { name, readOnly: true, mountPath: TOKEN_MOUNT_PATH }];
}
