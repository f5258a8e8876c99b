// The OpenAPI documents: complete (every kind, every $ref resolves) and shaped the way
// real kubectl 1.32 reads them. The helpers below mirror kubectl's own lookups:
// cli-runtime's supportsQueryParamV3 (fieldValidation), apply's patcher
// (gvkSupportsPatchOpenAPIV3 and strategicpatch.PatchMetaFromOpenAPIV3) and explain's
// plaintext template.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { RESOURCES, groupVersion, subresourceKind, verbsFor } from '../../api/registry.js';
import { DEFINITIONS, unknownFields, type JSONSchemaProps } from '../../api/schemas/index.js';
import { openapiV2, openapiV2Protobuf, openapiV3, openapiV3Hash, openapiV3Root } from '../../apiserver/openapi.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type GVK = { group: string; version: string; kind: string };

const gvPath = (group: string, version: string): string => (group ? `apis/${group}/${version}` : `api/${version}`);
const doc = (path: string): Json => openapiV3(path) as Json;
const sameGvk = (a: GVK | undefined, b: GVK): boolean => !!a && a.group === b.group && a.version === b.version && a.kind === b.kind;
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** Every kind the registry serves, with the group version whose document describes it. */
function servedKinds(): { gvk: GVK; gvPath: string }[] {
  const out: { gvk: GVK; gvPath: string }[] = [];
  for (const ri of RESOURCES) {
    const path = gvPath(ri.group, ri.version);
    out.push({ gvk: { group: ri.group, version: ri.version, kind: ri.kind }, gvPath: path });
    // Create-only reviews (TokenReview, SubjectAccessReview...) have no list kind.
    if (verbsFor(ri).includes('list')) out.push({ gvk: { group: ri.group, version: ri.version, kind: ri.listKind }, gvPath: path });
    for (const sub of ri.subresources) {
      const k = subresourceKind(ri, sub);
      out.push({ gvk: { group: k.group, version: k.version, kind: k.kind }, gvPath: path });
    }
  }
  return out;
}

function walkRefs(node: unknown, visit: (ref: string) => void): void {
  if (Array.isArray(node)) { for (const n of node) walkRefs(n, visit); return; }
  if (!node || typeof node !== 'object') return;
  for (const [k, v] of Object.entries(node)) {
    if (k === '$ref' && typeof v === 'string') visit(v);
    else walkRefs(v, visit);
  }
}

// ---------------------------------------------------------------- kubectl's lookups

/** cli-runtime supportsQueryParamV3: the PATCH operation of the kind lists the query parameter. */
function supportsQueryParam(d: Json, gvk: GVK, param: string): boolean | 'no path' {
  for (const item of Object.values(d.paths as Json)) {
    const op = item.patch;
    if (!op || !sameGvk(op['x-kubernetes-group-version-kind'], gvk)) continue;
    return (op.parameters ?? []).some((p: Json) => p.name === param && p.in === 'query');
  }
  return 'no path';
}

/** apply's gvkSupportsPatchOpenAPIV3. */
function supportsStrategicMerge(d: Json, gvk: GVK): boolean {
  for (const item of Object.values(d.paths as Json)) {
    const op = item.patch;
    if (op && sameGvk(op['x-kubernetes-group-version-kind'], gvk)) return !!op.requestBody?.content?.['application/strategic-merge-patch+json'];
  }
  return false;
}

/** apply's lookup of the kind's schema: the components.schemas entry whose GVK list holds it. */
function kindSchema(d: Json, gvk: GVK): Json | undefined {
  return Object.values(d.components.schemas as Json).find((s: Json) => (s['x-kubernetes-group-version-kind'] ?? []).some((g: GVK) => sameGvk(g, gvk)));
}

/** strategicpatch.PatchMetaFromOpenAPIV3: traverse + resolve (allOf[0], then $ref). */
function patchMeta(d: Json, schema: Json, key: string, slice: boolean): { schema: Json; strategy?: string; mergeKey?: string } {
  const props = schema.properties;
  if (!props || !props[key]) throw new Error(`unable to find api field "${key}"`);
  let sub: Json = props[key];
  const meta = { strategy: sub['x-kubernetes-patch-strategy'], mergeKey: sub['x-kubernetes-patch-merge-key'] };
  if (slice && sub.items) sub = sub.items;
  if (sub.allOf?.length) sub = sub.allOf[0];
  if (sub.$ref) {
    const name = (sub.$ref as string).replace('#/components/schemas/', '');
    if (!d.components.schemas[name]) throw new Error(`unable to resolve ${sub.$ref} in OpenAPI V3`);
    sub = d.components.schemas[name];
  }
  return { schema: sub, ...meta };
}

/** explain's plaintext template: GVK from the resource's paths, then its schema, then the field path. */
function explain(d: Json, group: string, version: string, resource: string, fieldPath: string[]): { gvk: GVK; schema: Json; descriptions: string[] } {
  const prefix = group ? `/apis/${group}` : '/api';
  const candidates = [
    `${prefix}/${version}/${resource}`, `${prefix}/${version}/${resource}/{name}`,
    `${prefix}/${version}/namespaces/{namespace}/${resource}`, `${prefix}/${version}/namespaces/{namespace}/${resource}/{name}`,
  ];
  let gvk: GVK | undefined;
  for (const p of candidates) {
    for (const m of METHODS) gvk ??= d.paths[p]?.[m]?.['x-kubernetes-group-version-kind'];
  }
  assert.ok(gvk, `GVR ${resource} not found in OpenAPI schema`);
  const kindDef = kindSchema(d, gvk);
  assert.ok(kindDef, `GVK ${JSON.stringify(gvk)} not found in OpenAPI schema`);
  let schema: Json = kindDef;
  const resolve = (s: Json): Json => (s.$ref ? d.components.schemas[(s.$ref as string).split('/').pop() as string] : s);
  let descriptions: string[] = [];
  for (const field of fieldPath) {
    let resolved = resolve(schema);
    while (!resolved.properties && resolved.allOf) resolved = resolve(resolved.allOf[0]);
    const sub = resolved.properties?.[field];
    assert.ok(sub, `field "${field}" does not exist`);
    descriptions = [sub.description];
    schema = sub;
    let inner = sub;
    while (inner.allOf) { inner = resolve(inner.allOf[0]); if (inner.description) descriptions.push(inner.description); }
  }
  // Arrays and maps show the fields of their items, as the template does.
  let final = resolve(schema);
  for (;;) {
    if (final.properties) break;
    if (final.allOf) final = resolve(final.allOf[0]);
    else if (final.items) final = resolve(final.items);
    else if (typeof final.additionalProperties === 'object') final = resolve(final.additionalProperties);
    else break;
  }
  return { gvk, schema: final, descriptions };
}

// ---------------------------------------------------------------- schemas

describe('api/schemas definitions', () => {
  test('every kind the registry serves has a definition with x-kubernetes-group-version-kind', () => {
    for (const { gvk } of servedKinds()) {
      const found = Object.values(DEFINITIONS).some((s) => (s['x-kubernetes-group-version-kind'] ?? []).some((g) => sameGvk(g, gvk)));
      assert.ok(found, `no definition for ${JSON.stringify(gvk)}`);
    }
  });

  test('every field has a description', () => {
    const missing: string[] = [];
    for (const [name, s] of Object.entries(DEFINITIONS)) {
      if (!s.description) missing.push(name);
      for (const [field, p] of Object.entries(s.properties ?? {})) if (!(p as JSONSchemaProps).description) missing.push(`${name}.${field}`);
    }
    assert.deepEqual(missing, []);
  });

  test('every $ref resolves; merge keys name a field of the item', () => {
    for (const [name, s] of Object.entries(DEFINITIONS)) {
      walkRefs(s, (ref) => assert.ok(DEFINITIONS[ref.replace('#/definitions/', '')], `${name}: dangling ${ref}`));
      for (const [field, p] of Object.entries(s.properties ?? {})) {
        const key = p['x-kubernetes-patch-merge-key'];
        if (!key) continue;
        const item = DEFINITIONS[(p.items?.$ref ?? '').replace('#/definitions/', '')];
        assert.ok(item?.properties?.[key], `${name}.${field}: merge key ${key} is not a field of the item`);
        for (const k of p['x-kubernetes-list-map-keys'] ?? []) assert.ok(item.properties?.[k], `${name}.${field}: map key ${k}`);
      }
    }
  });

  test('unknownFields names what strict decoding would reject', () => {
    const pod = {
      apiVersion: 'v1', kind: 'Pod', bogus: 1,
      metadata: { name: 'x', labels: { a: 'b' }, managedFields: [{ manager: 'm', fieldsV1: { 'f:spec': {} } }], nam: 'typo' },
      spec: { containers: [{ name: 'c', image: 'i', imagePullPolicyy: 'Always', resources: { limits: { cpu: '1' } }, ports: [{ containerPort: 80, hostport: 1 }] }], nodeSelector: { any: 'thing' } },
      status: { phase: 'Running' },
    };
    assert.deepEqual(unknownFields('', 'v1', 'Pod', pod), ['bogus', 'metadata.nam', 'spec.containers[0].imagePullPolicyy', 'spec.containers[0].ports[0].hostport']);
    assert.deepEqual(unknownFields('apps', 'v1', 'Deployment', { spec: { strategy: { rollingUpdate: { maxSurge: '25%' } }, template: { spec: { containers: [] } } } }), []);
    assert.deepEqual(unknownFields('', 'v1', 'ConfigMap', { data: { a: '1' }, bogus: true }), ['bogus']);
    assert.deepEqual(unknownFields('example.com', 'v1', 'Widget', { anything: 1 }), []);
  });

  test('IntOrString and Quantity as Kubernetes publishes them', () => {
    const ios = DEFINITIONS['io.k8s.apimachinery.pkg.util.intstr.IntOrString'];
    assert.equal(ios['x-kubernetes-int-or-string'], true);
    assert.equal(ios.format, 'int-or-string');
    assert.ok(DEFINITIONS['io.k8s.apimachinery.pkg.api.resource.Quantity']);
    assert.equal(DEFINITIONS['io.k8s.apimachinery.pkg.apis.meta.v1.Time'].format, 'date-time');
  });
});

// ---------------------------------------------------------------- v3

describe('openapi v3', () => {
  test('the root links each group version with its hash', () => {
    const root = openapiV3Root() as { paths: Record<string, { serverRelativeURL: string }> };
    const want = [...new Set(RESOURCES.map((ri) => gvPath(ri.group, ri.version)))].sort();
    assert.deepEqual(Object.keys(root.paths).sort(), want);
    assert.ok(want.includes('api/v1') && want.includes('apis/apps/v1') && want.includes('apis/coordination.k8s.io/v1'));
    for (const [path, { serverRelativeURL }] of Object.entries(root.paths)) {
      assert.equal(serverRelativeURL, `/openapi/v3/${path}?hash=${openapiV3Hash(path)}`);
      assert.match(openapiV3Hash(path) as string, /^[0-9A-F]{128}$/);
    }
  });

  test('hashes are stable and follow the document content', () => {
    for (const path of Object.keys((openapiV3Root() as Json).paths)) {
      const again = createHash('sha512').update(JSON.stringify(JSON.parse(JSON.stringify(openapiV3(path))))).digest('hex').toUpperCase();
      assert.equal(openapiV3Hash(path), again);
      assert.equal(openapiV3(path), openapiV3(path), 'built once');
    }
  });

  test('lookups by path tolerate slashes and queries; unknown group versions are undefined', () => {
    assert.equal(openapiV3('/api/v1'), openapiV3('api/v1'));
    assert.equal(openapiV3('api/v1?hash=abc'), openapiV3('api/v1'));
    assert.equal(openapiV3('apis/policy/v1beta1'), undefined);
    assert.equal(openapiV3Hash('apis/policy/v1beta1'), undefined);
  });

  test('document shape', () => {
    const d = doc('api/v1');
    assert.equal(d.openapi, '3.0.0');
    assert.equal(d.info.title, 'Kubernetes');
    assert.ok(d.paths['/api/v1/namespaces/{namespace}/pods/{name}']);
    assert.ok(d.paths['/api/v1/pods'].get);
    assert.ok(d.paths['/api/v1/nodes/{name}/status'].patch);
    assert.ok(d.paths['/api/v1/namespaces/{namespace}/pods/{name}/binding'].post);
    assert.ok(d.paths['/api/v1/namespaces/{namespace}/pods/{name}/log'].get);
    assert.ok(doc('apis/apps/v1').paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'].put);
    const get = d.paths['/api/v1/namespaces/{namespace}/pods/{name}'].get;
    assert.deepEqual(get['x-kubernetes-group-version-kind'], { group: '', version: 'v1', kind: 'Pod' });
    assert.equal(get['x-kubernetes-action'], 'get');
    assert.equal(get.responses['200'].content['application/json'].schema.$ref, '#/components/schemas/io.k8s.api.core.v1.Pod');
  });

  test('serviceaccounts/token, the reviews and rbac as Kubernetes publishes them', () => {
    const token = doc('api/v1').paths['/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token'];
    assert.deepEqual(Object.keys(token).sort(), ['parameters', 'post']);
    assert.equal(token.post.operationId, 'createCoreV1NamespacedServiceAccountToken');
    assert.deepEqual(token.post['x-kubernetes-group-version-kind'], { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' });
    assert.equal(token.post.requestBody.content['*/*'].schema.$ref, '#/components/schemas/io.k8s.api.authentication.v1.TokenRequest');
    assert.equal(token.parameters[0].description, 'name of the TokenRequest');
    const reviews = doc('apis/authentication.k8s.io/v1');
    assert.equal(reviews.paths['/apis/authentication.k8s.io/v1/tokenreviews'].post.operationId, 'createAuthenticationV1TokenReview');
    assert.deepEqual(reviews.paths['/apis/authentication.k8s.io/v1/tokenreviews'].post.tags, ['authentication_v1']);
    const local = doc('apis/authorization.k8s.io/v1').paths['/apis/authorization.k8s.io/v1/namespaces/{namespace}/localsubjectaccessreviews'];
    assert.equal(local.post.operationId, 'createAuthorizationV1NamespacedLocalSubjectAccessReview');
    const rbac = doc('apis/rbac.authorization.k8s.io/v1').paths['/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/{name}'];
    assert.equal(rbac.patch.operationId, 'patchRbacAuthorizationV1ClusterRoleBinding');
    assert.deepEqual(rbac.patch.tags, ['rbacAuthorization_v1']);
  });

  test('every $ref resolves within its own document', () => {
    for (const path of Object.keys((openapiV3Root() as Json).paths)) {
      const d = doc(path);
      let count = 0;
      walkRefs(d, (ref) => {
        count++;
        assert.ok(ref.startsWith('#/components/schemas/'), ref);
        assert.ok(d.components.schemas[ref.slice('#/components/schemas/'.length)], `${path}: dangling ${ref}`);
      });
      assert.ok(count > 0);
    }
  });

  test('every kind has a schema with its GVK in its group version document', () => {
    for (const { gvk, gvPath: path } of servedKinds()) {
      assert.ok(kindSchema(doc(path), gvk), `${path}: no schema for ${JSON.stringify(gvk)}`);
    }
  });

  test('kubectl sees fieldValidation and strategic merge patch for every resource', () => {
    for (const ri of RESOURCES) {
      if (!verbsFor(ri).includes('patch')) continue; // create-only reviews: nothing to apply
      const d = doc(gvPath(ri.group, ri.version));
      const gvk = { group: ri.group, version: ri.version, kind: ri.kind };
      assert.equal(supportsQueryParam(d, gvk, 'fieldValidation'), true, `${groupVersion(ri)} ${ri.kind}`);
      assert.equal(supportsStrategicMerge(d, gvk), true, `${groupVersion(ri)} ${ri.kind}`);
    }
    // Every write operation takes fieldValidation, and every PATCH (subresources too) is found by its GVK.
    for (const path of Object.keys((openapiV3Root() as Json).paths)) {
      for (const [p, item] of Object.entries(doc(path).paths as Json)) {
        for (const m of ['post', 'put', 'patch']) {
          if (!item[m]) continue;
          assert.ok(item[m].parameters.some((x: Json) => x.name === 'fieldValidation' && x.in === 'query'), `${m} ${p}`);
          assert.ok(item[m]['x-kubernetes-group-version-kind'], `${m} ${p}`);
        }
      }
    }
  });

  test('strategic merge patch metadata as kubectl apply reads it', () => {
    const d = doc('api/v1');
    const pod = kindSchema(d, { group: '', version: 'v1', kind: 'Pod' }) as Json;
    const spec = patchMeta(d, pod, 'spec', false);
    const containers = patchMeta(d, spec.schema, 'containers', true);
    assert.equal(containers.strategy, 'merge');
    assert.equal(containers.mergeKey, 'name');
    const ports = patchMeta(d, containers.schema, 'ports', true);
    assert.deepEqual([ports.strategy, ports.mergeKey], ['merge', 'containerPort']);
    assert.deepEqual([patchMeta(d, containers.schema, 'env', true).mergeKey, patchMeta(d, containers.schema, 'volumeMounts', true).mergeKey], ['name', 'mountPath']);
    assert.deepEqual([patchMeta(d, spec.schema, 'volumes', true).strategy], ['merge,retainKeys']);
    const meta = patchMeta(d, pod, 'metadata', false);
    assert.equal(patchMeta(d, meta.schema, 'ownerReferences', true).mergeKey, 'uid');
    patchMeta(d, meta.schema, 'labels', false);
    patchMeta(d, patchMeta(d, containers.schema, 'resources', false).schema, 'limits', false);
    const sa = kindSchema(d, { group: '', version: 'v1', kind: 'ServiceAccount' }) as Json;
    assert.deepEqual([patchMeta(d, sa, 'secrets', true).strategy, patchMeta(d, sa, 'secrets', true).mergeKey], ['merge', 'name']);
    assert.deepEqual([patchMeta(d, sa, 'imagePullSecrets', true).strategy], [undefined]);

    // RBAC lists carry no patch strategy: a strategic merge patch replaces them whole.
    const rbac = doc('apis/rbac.authorization.k8s.io/v1');
    const binding = kindSchema(rbac, { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'RoleBinding' }) as Json;
    const subjects = patchMeta(rbac, binding, 'subjects', true);
    assert.deepEqual([subjects.strategy, binding.properties.subjects['x-kubernetes-list-type'], subjects.schema['x-kubernetes-map-type']], [undefined, 'atomic', 'atomic']);
    const role = kindSchema(rbac, { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRole' }) as Json;
    assert.equal(role.properties.rules['x-kubernetes-list-type'], 'atomic');
    assert.deepEqual(patchMeta(rbac, role, 'rules', true).schema.required, ['verbs']);

    const apps = doc('apis/apps/v1');
    const deploy = kindSchema(apps, { group: 'apps', version: 'v1', kind: 'Deployment' }) as Json;
    const dspec = patchMeta(apps, deploy, 'spec', false);
    assert.equal(patchMeta(apps, dspec.schema, 'strategy', false).strategy, 'retainKeys');
    const template = patchMeta(apps, dspec.schema, 'template', false);
    const tspec = patchMeta(apps, template.schema, 'spec', false);
    assert.equal(patchMeta(apps, tspec.schema, 'containers', true).mergeKey, 'name');

    const svc = kindSchema(d, { group: '', version: 'v1', kind: 'Service' }) as Json;
    const sports = patchMeta(d, patchMeta(d, svc, 'spec', false).schema, 'ports', true);
    assert.deepEqual([sports.strategy, sports.mergeKey], ['merge', 'port']);
  });

  test('kubectl explain pod.spec and deployment.spec.strategy.rollingUpdate', () => {
    const pod = explain(doc('api/v1'), '', 'v1', 'pods', ['spec']);
    assert.deepEqual(pod.gvk, { group: '', version: 'v1', kind: 'Pod' });
    assert.ok(pod.schema.properties.containers.description);
    assert.ok(pod.schema.properties.nodeName.description);
    assert.ok(pod.descriptions.length >= 2 && pod.descriptions.every(Boolean));

    const ru = explain(doc('apis/apps/v1'), 'apps', 'v1', 'deployments', ['spec', 'strategy', 'rollingUpdate']);
    assert.deepEqual(ru.gvk, { group: 'apps', version: 'v1', kind: 'Deployment' });
    assert.deepEqual(Object.keys(ru.schema.properties), ['maxSurge', 'maxUnavailable']);
    assert.match(ru.schema.properties.maxSurge.description, /25%/);

    const node = explain(doc('api/v1'), '', 'v1', 'nodes', ['spec', 'taints']);
    assert.ok(node.schema.properties.effect);
    const lease = explain(doc('apis/coordination.k8s.io/v1'), 'coordination.k8s.io', 'v1', 'leases', ['spec']);
    assert.ok(lease.schema.properties.holderIdentity);
  });

  test('refs with a description are wrapped in allOf; IntOrString is a oneOf', () => {
    const d = doc('api/v1');
    const specProp = d.components.schemas['io.k8s.api.core.v1.Pod'].properties.spec;
    assert.deepEqual(specProp.allOf, [{ $ref: '#/components/schemas/io.k8s.api.core.v1.PodSpec' }]);
    assert.ok(specProp.description);
    assert.equal(specProp.$ref, undefined);
    assert.deepEqual(d.components.schemas['io.k8s.api.core.v1.PodSpec'].properties.containers.items, { $ref: '#/components/schemas/io.k8s.api.core.v1.Container' });
    assert.deepEqual(d.components.schemas['io.k8s.apimachinery.pkg.util.intstr.IntOrString'].oneOf, [{ type: 'integer' }, { type: 'string' }]);
  });
});

// ---------------------------------------------------------------- v2

describe('openapi v2', () => {
  const v2 = openapiV2() as Json;

  test('swagger 2.0 with every definition and every $ref resolving', () => {
    assert.equal(v2.swagger, '2.0');
    for (const name of Object.keys(DEFINITIONS)) assert.ok(v2.definitions[name], name);
    walkRefs(v2, (ref) => {
      assert.ok(ref.startsWith('#/definitions/'), ref);
      assert.ok(v2.definitions[ref.slice('#/definitions/'.length)], `dangling ${ref}`);
    });
    // No schema uses oneOf (JSONSchemaProps has a field of that name, as in Kubernetes).
    assert.equal(JSON.stringify(v2).includes('"oneOf":['), false);
    assert.deepEqual(v2.definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString'].type, 'string');
    assert.equal(openapiV2(), v2, 'built once');
  });

  test('paths for every resource, with GVK and action', () => {
    for (const ri of RESOURCES) {
      const prefix = ri.group ? `/apis/${ri.group}/${ri.version}` : `/api/${ri.version}`;
      const collection = ri.namespaced ? `${prefix}/namespaces/{namespace}/${ri.plural}` : `${prefix}/${ri.plural}`;
      if (!verbsFor(ri).includes('get')) {
        // Create-only reviews: one POST on the collection, as Kubernetes publishes them.
        assert.deepEqual(Object.keys(v2.paths[collection]).filter((k) => k !== 'parameters'), ['post'], collection);
        assert.deepEqual(v2.paths[collection].post['x-kubernetes-group-version-kind'], { group: ri.group, version: ri.version, kind: ri.kind });
        assert.equal(v2.paths[`${collection}/{name}`], undefined);
        assert.equal(v2.paths[`${prefix}/${ri.plural}`] === undefined, ri.namespaced, `${ri.plural}: no all-namespaces list`);
        continue;
      }
      const item = v2.paths[`${collection}/{name}`];
      assert.ok(item, `${collection}/{name}`);
      for (const m of ['get', 'put', 'patch', 'delete']) {
        assert.deepEqual(item[m]['x-kubernetes-group-version-kind'], { group: ri.group, version: ri.version, kind: ri.kind });
      }
      assert.equal(item.patch['x-kubernetes-action'], 'patch');
      assert.ok(item.patch.consumes.includes('application/strategic-merge-patch+json'));
      assert.ok(item.patch.parameters.some((p: Json) => p.name === 'fieldValidation' && p.in === 'query'));
      assert.equal(v2.paths[collection].post['x-kubernetes-action'], 'post');
      assert.equal(v2.paths[collection].get['x-kubernetes-action'], 'list');
      assert.equal(v2.paths[collection].delete['x-kubernetes-action'], 'deletecollection');
      for (const sub of ri.subresources) assert.ok(v2.paths[`${collection}/{name}/${sub}`], `${ri.plural}/${sub}`);
    }
  });
});

// ---------------------------------------------------------------- v2 protobuf

/** Decodes one protobuf message into field number -> raw values (varints as numbers, length-delimited as bytes). */
function decode(buf: Uint8Array): Map<number, (number | Uint8Array)[]> {
  const out = new Map<number, (number | Uint8Array)[]>();
  let i = 0;
  const varint = (): number => {
    let n = 0;
    let mul = 1;
    for (;;) {
      const b = buf[i++];
      n += (b & 0x7f) * mul;
      if (b < 0x80) return n;
      mul *= 128;
    }
  };
  while (i < buf.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    let value: number | Uint8Array;
    if (wire === 0) value = varint();
    else if (wire === 2) { const len = varint(); value = buf.subarray(i, i + len); i += len; }
    else throw new Error(`unexpected wire type ${wire}`);
    out.set(field, [...(out.get(field) ?? []), value]);
  }
  return out;
}
const text = (v: number | Uint8Array | undefined): string => Buffer.from(v as Uint8Array).toString('utf8');

describe('openapi v2 protobuf (gnostic openapi.v2.Document)', () => {
  const doc = decode(openapiV2Protobuf());
  const v2 = openapiV2() as Json;

  test('swagger version, info, every definition', () => {
    assert.equal(text(doc.get(1)?.[0]), '2.0');
    assert.equal(text(decode(doc.get(2)?.[0] as Uint8Array).get(1)?.[0]), 'Kubernetes');
    const named = (decode(doc.get(9)?.[0] as Uint8Array).get(1) ?? []).map((b) => decode(b as Uint8Array));
    assert.deepEqual(named.map((n) => text(n.get(1)?.[0])), Object.keys(v2.definitions));
    assert.equal(openapiV2Protobuf(), openapiV2Protobuf(), 'built once');
  });

  test('the Pod definition carries its GVK as a YAML vendor extension, and its properties', () => {
    const named = (decode(doc.get(9)?.[0] as Uint8Array).get(1) ?? []).map((b) => decode(b as Uint8Array));
    const pod = decode(named.find((n) => text(n.get(1)?.[0]) === 'io.k8s.api.core.v1.Pod')?.get(2)?.[0] as Uint8Array);
    const ext = (pod.get(31) ?? []).map((b) => decode(b as Uint8Array));
    const gvk = ext.find((e) => text(e.get(1)?.[0]) === 'x-kubernetes-group-version-kind');
    assert.ok(gvk);
    assert.deepEqual(JSON.parse(text(decode(gvk.get(2)?.[0] as Uint8Array).get(2)?.[0])), [{ group: '', kind: 'Pod', version: 'v1' }]);
    const props = (decode(pod.get(25)?.[0] as Uint8Array).get(1) ?? []).map((b) => text(decode(b as Uint8Array).get(1)?.[0]));
    assert.deepEqual(props, ['apiVersion', 'kind', 'metadata', 'spec', 'status']);
  });

  test('every path is present', () => {
    const paths = (decode(doc.get(8)?.[0] as Uint8Array).get(2) ?? []).map((b) => text(decode(b as Uint8Array).get(1)?.[0]));
    assert.deepEqual(paths, Object.keys(v2.paths));
  });
});
