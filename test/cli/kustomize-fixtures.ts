// Kustomization directories for the kustomize tests: each case maps file paths to their
// text; kustomize-compare.test.ts builds every case with the real kubectl and with ours.
// Together they cover every feature tskubectl kustomize implements.

export type Fixture = Record<string, string>;

const deployment = (name: string, extra = ''): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels:
    tier: backend
spec:
  replicas: 1
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      containers:
      - name: main
        image: nginx:1.25
        ports:
        - containerPort: 80
${extra}`;

export const FIXTURES: Record<string, Fixture> = {
  basic: {
    'kustomization.yaml': `namespace: shop
namePrefix: dev-
nameSuffix: -v1
commonLabels:
  app.kubernetes.io/part-of: shop
commonAnnotations:
  team: payments
  note: "yes"
resources:
- deployment.yaml
- service.yaml
configMapGenerator:
- name: settings
  literals:
  - MODE=debug
  - QUOTED="hello world"
  - 'ENABLED=on'
`,
    'deployment.yaml': deployment('web', `        envFrom:
        - configMapRef:
            name: settings
`),
    'service.yaml': `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
    flag: y
  ports:
  - port: 80
    targetPort: 8080
`,
  },

  labels: {
    'kustomization.yaml': `labels:
- pairs:
    owner: alice
- pairs:
    env: prod
  includeSelectors: true
- pairs:
    release: stable
  includeTemplates: true
resources:
- workloads.yaml
`,
    'workloads.yaml': `${deployment('api')}---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: db
  selector:
    matchLabels:
      app: db
  template:
    metadata:
      labels:
        app: db
    spec:
      containers:
      - name: db
        image: postgres:16
  volumeClaimTemplates:
  - metadata:
      name: data
    spec:
      accessModes: [ReadWriteOnce]
      resources:
        requests:
          storage: 1Gi
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: backup
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: backup
            image: busybox
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-api
spec:
  podSelector:
    matchLabels:
      app: api
  ingress:
  - from:
    - podSelector:
        matchLabels:
          app: web
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: api
spec:
  minAvailable: 1
  selector:
    matchLabels:
      app: api
---
apiVersion: v1
kind: Service
metadata:
  name: api
spec:
  ports:
  - port: 80
`,
  },

  'common-labels': {
    'kustomization.yaml': `commonLabels:
  app: store
  version: "2"
resources:
- all.yaml
`,
    'all.yaml': `${deployment('front')}---
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: migrate
        image: busybox
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  selector:
    matchLabels:
      name: agent
  template:
    metadata:
      labels:
        name: agent
    spec:
      containers:
      - name: agent
        image: busybox
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: plain
data:
  key: value
`,
  },

  images: {
    'kustomization.yaml': `images:
- name: nginx
  newTag: "1.27"
- name: busybox
  newName: registry.local:5000/tools/busybox
- name: postgres
  digest: sha256:24a0c4b4a4c0eb97a1aabb8e29f18e917d05abfe1b7a7c07857230879ce7d3d3
- name: redis
  newName: my.registry/redis
  newTag: 7-alpine
resources:
- pods.yaml
`,
    'pods.yaml': `apiVersion: v1
kind: Pod
metadata:
  name: mixed
spec:
  initContainers:
  - name: init
    image: busybox:1.35
  containers:
  - name: web
    image: nginx
  - name: db
    image: postgres:15
  - name: cache
    image: redis@sha256:0000000000000000000000000000000000000000000000000000000000000000
  - name: other
    image: nginx-exporter:1.0
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: tick
spec:
  schedule: "*/5 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: tick
            image: busybox
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: custom
spec:
  template:
    containers:
    - name: w
      image: nginx:old
`,
  },

  replicas: {
    'kustomization.yaml': `replicas:
- name: web
  count: 5
- name: db
  count: 0
resources:
- apps.yaml
`,
    'apps.yaml': `${deployment('web')}---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  selector:
    matchLabels:
      app: db
  serviceName: db
  template:
    metadata:
      labels:
        app: db
    spec:
      containers:
      - name: db
        image: postgres
`,
  },

  generators: {
    'kustomization.yaml': `generatorOptions:
  labels:
    generated: "true"
  annotations:
    source: kustomize
configMapGenerator:
- name: files
  files:
  - app.properties
  - custom-key=nested/script.sh
  - logo.bin
- name: env
  envs:
  - app.env
  literals:
  - EXTRA=1
- name: fixed
  literals:
  - a=b
  options:
    disableNameSuffixHash: true
    labels:
      own: label
- name: frozen
  namespace: other
  literals:
  - k=v
  options:
    immutable: true
secretGenerator:
- name: creds
  literals:
  - username=admin
  - password=s3cr<e>t&
- name: tls
  type: kubernetes.io/tls
  files:
  - tls.crt
  - tls.key
- name: envsecret
  envs:
  - app.env
`,
    'app.properties': 'color=blue\nsize=10\n',
    'nested/script.sh': '#!/bin/sh\necho "hello"\n',
    'logo.bin': '\u0000\u00ff\u00fe binary',
    'app.env': '# comment\nDB_HOST=db.local\n\n  DB_PORT=5432\nEMPTY=\nNOVALUE\n',
    'tls.crt': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
    'tls.key': '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n',
  },

  'generator-behavior': {
    'kustomization.yaml': `namePrefix: prod-
resources:
- base
configMapGenerator:
- name: conf
  behavior: merge
  literals:
  - level=warn
  - added=yes
- name: replaced
  behavior: replace
  literals:
  - only=this
secretGenerator:
- name: token
  behavior: merge
  literals:
  - extra=x
`,
    'base/kustomization.yaml': `namePrefix: base-
resources:
- deploy.yaml
configMapGenerator:
- name: conf
  literals:
  - level=info
  - keep=1
- name: replaced
  literals:
  - gone=1
secretGenerator:
- name: token
  literals:
  - value=abc
`,
    'base/deploy.yaml': deployment('app', `        env:
        - name: LEVEL
          valueFrom:
            configMapKeyRef:
              name: conf
              key: level
        - name: TOKEN
          valueFrom:
            secretKeyRef:
              name: token
              key: value
        volumeMounts:
        - name: r
          mountPath: /r
      volumes:
      - name: r
        configMap:
          name: replaced
`),
  },

  'name-references': {
    'kustomization.yaml': `namePrefix: a-
nameSuffix: -z
namespace: refs
resources:
- resources.yaml
configMapGenerator:
- name: cm
  literals:
  - x=1
secretGenerator:
- name: sec
  literals:
  - y=2
`,
    'resources.yaml': `apiVersion: v1
kind: ServiceAccount
metadata:
  name: runner
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 1Gi
---
apiVersion: v1
kind: Secret
metadata:
  name: pull
type: kubernetes.io/dockerconfigjson
data:
  .dockerconfigjson: e30=
---
apiVersion: v1
kind: Service
metadata:
  name: backend
spec:
  selector:
    app: backend
  ports:
  - port: 80
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: backend
spec:
  selector:
    matchLabels:
      app: backend
  template:
    metadata:
      labels:
        app: backend
    spec:
      serviceAccountName: runner
      imagePullSecrets:
      - name: pull
      containers:
      - name: app
        image: app:1
        env:
        - name: X
          valueFrom:
            configMapKeyRef:
              name: cm
              key: x
        envFrom:
        - secretRef:
            name: sec
        - configMapRef:
            name: not-ours
      volumes:
      - name: data
        persistentVolumeClaim:
          claimName: data
      - name: conf
        configMap:
          name: cm
      - name: s
        secret:
          secretName: sec
      - name: p
        projected:
          sources:
          - configMap:
              name: cm
          - secret:
              name: sec
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: store
spec:
  serviceName: backend
  selector:
    matchLabels:
      app: store
  template:
    metadata:
      labels:
        app: store
    spec:
      serviceAccountName: runner
      containers:
      - name: s
        image: store:1
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: reader
rules:
- apiGroups: [""]
  resources: [configmaps]
  resourceNames: [cm]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: reader
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: reader
subjects:
- kind: ServiceAccount
  name: runner
  namespace: refs
- kind: ServiceAccount
  name: default
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  tls:
  - secretName: sec
  rules:
  - http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: backend
            port:
              number: 80
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: backend
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: backend
  minReplicas: 1
  maxReplicas: 3
`,
  },

  patches: {
    'kustomization.yaml': `resources:
- deployments.yaml
patches:
- target:
    kind: Deployment
    labelSelector: tier=backend
  patch: |-
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: ignored
    spec:
      template:
        spec:
          containers:
          - name: main
            resources:
              limits:
                memory: 128Mi
- target:
    group: apps
    version: v1
    kind: Deployment
    name: "web-.*"
  patch: |-
    - op: replace
      path: /spec/replicas
      value: 3
    - op: add
      path: /metadata/annotations
      value:
        patched: json
- path: sidecar.yaml
- path: ops.json
  target:
    kind: Deployment
    annotationSelector: role=edge
- patch: |-
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: doomed
    $patch: delete
- target:
    kind: Service
    namespace: "team-.*"
  patch: |-
    - op: add
      path: /spec/type
      value: NodePort
`,
    'deployments.yaml': `${deployment('web-a')}---
${deployment('web-b')}---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: edge
  annotations:
    role: edge
spec:
  selector:
    matchLabels:
      app: edge
  template:
    metadata:
      labels:
        app: edge
    spec:
      containers:
      - name: main
        image: envoy
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: doomed
data:
  a: b
---
apiVersion: v1
kind: Service
metadata:
  name: svc
  namespace: team-red
spec:
  ports:
  - port: 80
`,
    'sidecar.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-a
spec:
  template:
    spec:
      containers:
      - name: sidecar
        image: busybox
        args: ["sleep", "3600"]
      - name: main
        env:
        - name: ADDED
          value: "1"
`,
    'ops.json': '[{"op": "add", "path": "/spec/template/spec/hostNetwork", "value": true}, {"op": "remove", "path": "/spec/template/spec/containers/0/image"}]\n',
  },

  deprecated: {
    'kustomization.yaml': `bases:
- base
imageTags:
- name: nginx
  newTag: "2"
patchesStrategicMerge:
- replicas.yaml
- |-
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: site
  spec:
    template:
      metadata:
        annotations:
          inline: "true"
patchesJson6902:
- target:
    group: apps
    version: v1
    kind: Deployment
    name: site
  path: json-patch.yaml
- target:
    version: v1
    kind: Service
    name: site
  patch: |-
    - op: replace
      path: /spec/ports/0/port
      value: 8080
`,
    'base/kustomization.yaml': `resources:
- site.yaml
`,
    'base/site.yaml': `${deployment('site')}---
apiVersion: v1
kind: Service
metadata:
  name: site
spec:
  ports:
  - port: 80
`,
    'replicas.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: site
spec:
  replicas: 4
`,
    'json-patch.yaml': `- op: add
  path: /spec/template/spec/containers/0/args
  value: ["--verbose"]
`,
  },

  nested: {
    'kustomization.yaml': `namePrefix: top-
namespace: nested
resources:
- ../nested-shared
- mid
- extra.yaml
`,
    'mid/kustomization.yml': `namePrefix: mid-
commonLabels:
  layer: mid
resources:
- leaf
- list.yaml
`,
    'mid/leaf/Kustomization': `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
nameSuffix: -leaf
resources:
- pod.yaml
`,
    'mid/leaf/pod.yaml': `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
  - name: c
    image: busybox
`,
    'mid/list.yaml': `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: one
  data:
    a: "1"
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: two
  data:
    b: "2"
`,
    'extra.yaml': `apiVersion: v1
kind: Secret
metadata:
  name: extra
stringData:
  multi: |
    line one
    line two
`,
    '../nested-shared/kustomization.yaml': `resources:
- shared.yaml
`,
    '../nested-shared/shared.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: shared
data:
  empty: ""
  number: "0755"
  long: "${'x'.repeat(120)}"
  spaced: " padded "
  tab: "tab\\there"
  trailing: "space \\nbefore break"
`,
  },

  fifo: {
    'kustomization.yaml': `sortOptions:
  order: fifo
namespace: z
labels:
- pairs:
    extra: "1"
  fields:
  - path: spec/custom/labels
    kind: Widget
    create: true
resources:
- r.yaml
secretGenerator:
- name: s
  literals: [a=b]
  options:
    annotations:
      note: x
`,
    'r.yaml': `apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: c
  namespace: pre
data:
  k: |
    multi
    line
  n: 12
---
apiVersion: v1
kind: Namespace
metadata:
  name: old
`,
  },

  order: {
    'kustomization.yaml': `namespace: ordered
resources:
- mixed.yaml
`,
    'mixed.yaml': `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: vwc
webhooks: []
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
---
${deployment('z-last')}---
${deployment('a-first')}---
apiVersion: v1
kind: Namespace
metadata:
  name: ordered
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: cr
rules: []
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names:
    kind: Widget
    plural: widgets
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
---
apiVersion: batch/v1
kind: Job
metadata:
  name: j
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: c
        image: busybox
---
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata:
  name: mwc
webhooks: []
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: sa
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ing
---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: pv
spec:
  capacity:
    storage: 1Gi
  accessModes: [ReadWriteOnce]
  hostPath:
    path: /tmp/pv
`,
  },
};

/** Kustomizations kubectl refuses, each with an error both must report alike. */
export const ERROR_FIXTURES: Record<string, Fixture> = {
  'unknown-field': { 'kustomization.yaml': 'resourcez:\n- a.yaml\n' },
  'missing-resource': { 'kustomization.yaml': 'resources:\n- nothere.yaml\n' },
  'bad-kind': { 'kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Deployment\nresources: []\n' },
  'no-kustomization-dir': { 'kustomization.yaml': 'resources:\n- sub\n', 'sub/readme.txt': 'nothing here\n' },
  'bad-literal': { 'kustomization.yaml': 'configMapGenerator:\n- name: a\n  literals:\n  - novalue\n' },
  'duplicate-generator': { 'kustomization.yaml': 'configMapGenerator:\n- name: a\n  literals: [x=1]\n- name: a\n  literals: [y=1]\n' },
  'nested-missing-resource': { 'kustomization.yaml': 'resources:\n- sub\n', 'sub/kustomization.yaml': 'resources:\n- gone.yaml\n' },
  'missing-generator-file': { 'kustomization.yaml': 'configMapGenerator:\n- name: a\n  files:\n  - nofile.txt\n' },
  'file-outside-root': { 'kustomization.yaml': 'configMapGenerator:\n- name: a\n  files:\n  - ../outside.txt\n', '../outside.txt': 'outside\n' },
  'json-patch-without-target': {
    'kustomization.yaml': 'resources:\n- cm.yaml\npatches:\n- patch: |-\n    - op: add\n      path: /data\n      value: {}\n',
    'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n',
  },
  'patch-matches-nothing': {
    'kustomization.yaml': 'resources:\n- cm.yaml\npatches:\n- patch: |-\n    apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: nope\n',
    'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n',
  },
  'missing-kind': { 'kustomization.yaml': 'resources:\n- a.yaml\n', 'a.yaml': 'apiVersion: v1\nmetadata:\n  name: x\n' },
};
