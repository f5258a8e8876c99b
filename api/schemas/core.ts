// core/v1 definitions: Pod and everything a PodSpec holds, Node, Service, Endpoints,
// ConfigMap, Secret, ServiceAccount, Event, Namespace, Binding, ReplicationController.
import { INT_OR_STRING, M, METADATA, QUANTITY, listKind } from './meta.js';
import {
  API_VERSION, KIND, bool, gvk, int32, int64, item, kind, list, listOf, map, object, ref, str, strMap, strings,
  type Definitions, type JSONSchemaProps,
} from './schema.js';

export const C = 'io.k8s.api.core.v1.';

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const quantities = (description: string): JSONSchemaProps => map(item(QUANTITY), description);
const time = (description: string): JSONSchemaProps => ref(`${M}Time`, description);
const spec = (what: string, definition: string): JSONSchemaProps => ref(definition, `The desired behaviour of the ${what}.`);
const status = (what: string, definition: string): JSONSchemaProps => ref(definition, `The most recently observed state of the ${what}, written by the system. Read-only.`);

// ---------------------------------------------------------------- references and selectors

const REFERENCES: Definitions = {
  [`${C}ObjectReference`]: object('A reference to another object, with enough information to find it.', {
    apiVersion: str('API version of the referent.'),
    fieldPath: str('A part of the object rather than the whole, as a field path such as "spec.containers{name}".'),
    kind: str('Kind of the referent.'),
    name: str('Name of the referent.'),
    namespace: str('Namespace of the referent.'),
    resourceVersion: str('The resourceVersion of the referent this reference was made for, if any.'),
    uid: str('UID of the referent.'),
  }, undefined, { mapType: 'atomic' }),

  [`${C}LocalObjectReference`]: object('A reference to an object by name in the same namespace.', {
    name: str('Name of the referent.', { default: '' }),
  }, undefined, { mapType: 'atomic' }),

  [`${C}ObjectFieldSelector`]: object('Selects a field of the pod.', {
    apiVersion: str('Version of the schema fieldPath is written in; defaults to "v1".'),
    fieldPath: str('Path of the field to select, such as metadata.name, metadata.namespace, metadata.labels[\'<key>\'], spec.nodeName, status.podIP.'),
  }, ['fieldPath'], { mapType: 'atomic' }),

  [`${C}ResourceFieldSelector`]: object('Selects a resource of a container: its limits or requests of cpu, memory or ephemeral-storage.', {
    containerName: str('Name of the container; required for volumes, optional for environment variables.'),
    divisor: ref(QUANTITY, 'The unit the value is expressed in; defaults to "1".'),
    resource: str('The resource to select, such as limits.cpu or requests.memory.'),
  }, ['resource'], { mapType: 'atomic' }),

  [`${C}ConfigMapKeySelector`]: object('Selects a key of a ConfigMap.', {
    key: str('The key to select.'),
    name: str('Name of the ConfigMap.', { default: '' }),
    optional: bool('Whether the ConfigMap or its key may be missing.'),
  }, ['key'], { mapType: 'atomic' }),

  [`${C}SecretKeySelector`]: object('Selects a key of a Secret.', {
    key: str('The key to select; must be a valid secret key.'),
    name: str('Name of the Secret.', { default: '' }),
    optional: bool('Whether the Secret or its key may be missing.'),
  }, ['key'], { mapType: 'atomic' }),
};

// ---------------------------------------------------------------- containers

const CONTAINERS: Definitions = {
  [`${C}ContainerPort`]: object('A network port in a single container.', {
    containerPort: int32('Port number on the pod\'s IP address; 0 < n < 65536.'),
    hostIP: str('Host IP to bind the host port to.'),
    hostPort: int32('Port number to expose on the host; 0 < n < 65536. Most containers do not need this; with hostNetwork it must equal containerPort.'),
    name: str('An IANA_SVC_NAME, unique within the pod, that services can refer to the port by.'),
    protocol: str('Protocol of the port: UDP, TCP or SCTP. Defaults to TCP.', { enum: PROTOCOLS, default: 'TCP' }),
  }, ['containerPort']),

  [`${C}EnvVarSource`]: object('Where an environment variable\'s value comes from.', {
    configMapKeyRef: ref(`${C}ConfigMapKeySelector`, 'A key of a ConfigMap in the pod\'s namespace.'),
    fieldRef: ref(`${C}ObjectFieldSelector`, 'A field of the pod: metadata.name, metadata.namespace, metadata.labels[\'<key>\'], metadata.annotations[\'<key>\'], spec.nodeName, spec.serviceAccountName, status.hostIP, status.podIP, status.podIPs.'),
    resourceFieldRef: ref(`${C}ResourceFieldSelector`, 'A resource limit or request of the container: limits.cpu, limits.memory, requests.cpu, requests.memory, ...'),
    secretKeyRef: ref(`${C}SecretKeySelector`, 'A key of a Secret in the pod\'s namespace.'),
  }),

  [`${C}EnvVar`]: object('An environment variable set in a container.', {
    name: str('Name of the variable; must be a C_IDENTIFIER.'),
    value: str('The value. $(VAR_NAME) references to variables defined earlier in the container, or to the service environment, are expanded; $$ escapes a $. Defaults to "".'),
    valueFrom: ref(`${C}EnvVarSource`, 'Where the value comes from instead; cannot be used when value is not empty.'),
  }, ['name']),

  [`${C}ConfigMapEnvSource`]: object('Turns every key of a ConfigMap into an environment variable.', {
    name: str('Name of the ConfigMap.', { default: '' }),
    optional: bool('Whether the ConfigMap may be missing.'),
  }),

  [`${C}SecretEnvSource`]: object('Turns every key of a Secret into an environment variable.', {
    name: str('Name of the Secret.', { default: '' }),
    optional: bool('Whether the Secret may be missing.'),
  }),

  [`${C}EnvFromSource`]: object('A source of a set of environment variables.', {
    configMapRef: ref(`${C}ConfigMapEnvSource`, 'The ConfigMap to take variables from.'),
    prefix: str('A C_IDENTIFIER prepended to each key.'),
    secretRef: ref(`${C}SecretEnvSource`, 'The Secret to take variables from.'),
  }),

  [`${C}ResourceClaim`]: object('A reference to one entry of the pod\'s resourceClaims.', {
    name: str('Name of an entry of pod.spec.resourceClaims.'),
    request: str('The name of one request within the claim; empty makes the whole claim available.'),
  }, ['name']),

  [`${C}ResourceRequirements`]: object('The compute resources a container asks for and may not exceed.', {
    claims: listOf(`${C}ResourceClaim`, 'Names of entries of spec.resourceClaims this container uses (dynamic resource allocation).', { listType: 'map', mapKeys: ['name'] }),
    limits: quantities('The most of each compute resource the container may use ("cpu": "500m", "memory": "128Mi").'),
    requests: quantities('The least of each compute resource the container needs; the scheduler places the pod by it. Defaults to limits when those are set.'),
  }),

  [`${C}VolumeMount`]: object('Mounts a volume into a container.', {
    mountPath: str('Path inside the container where the volume is mounted; must not contain ":".'),
    mountPropagation: str('How mounts propagate between host and container: None (the default), HostToContainer or Bidirectional.', { enum: ['Bidirectional', 'HostToContainer', 'None'] }),
    name: str('Name of a volume of the pod.'),
    readOnly: bool('Mount read-only when true; defaults to false.'),
    recursiveReadOnly: str('Whether a read-only mount is also read-only in its submounts: Disabled, IfPossible or Enabled.'),
    subPath: str('A path within the volume to mount instead of its root.'),
    subPathExpr: str('Like subPath, with $(VAR_NAME) expanded from the container\'s environment. Exclusive with subPath.'),
  }, ['name', 'mountPath']),

  [`${C}VolumeDevice`]: object('Maps a raw block volume into a container.', {
    devicePath: str('Path inside the container the device is mapped to.'),
    name: str('Name of a persistentVolumeClaim volume of the pod.'),
  }, ['name', 'devicePath']),

  [`${C}ExecAction`]: object('Runs a command inside the container.', {
    command: strings('The command and its arguments, run in the container\'s root directory and not in a shell; exit status 0 is healthy.', { listType: 'atomic' }),
  }),

  [`${C}HTTPHeader`]: object('A header of an HTTP probe request.', {
    name: str('Header field name; normalized on output, so case-variant names are the same header.'),
    value: str('Header field value.'),
  }, ['name', 'value']),

  [`${C}HTTPGetAction`]: object('An HTTP GET request.', {
    host: str('Host name to connect to; defaults to the pod IP. Set "Host" in httpHeaders instead, usually.'),
    httpHeaders: listOf(`${C}HTTPHeader`, 'Custom headers to send. Repeated headers are allowed.', { listType: 'atomic' }),
    path: str('Path to request.'),
    port: ref(INT_OR_STRING, 'Number (1-65535) or name (an IANA_SVC_NAME) of the container port to connect to.'),
    scheme: str('Scheme to connect with: HTTP (the default) or HTTPS.', { enum: ['HTTP', 'HTTPS'] }),
  }, ['port']),

  [`${C}TCPSocketAction`]: object('Opens a TCP connection.', {
    host: str('Host name to connect to; defaults to the pod IP.'),
    port: ref(INT_OR_STRING, 'Number (1-65535) or name (an IANA_SVC_NAME) of the container port to connect to.'),
  }, ['port']),

  [`${C}GRPCAction`]: object('Calls the gRPC health checking protocol.', {
    port: int32('Port number of the gRPC service; 1-65535.'),
    service: str('Service name placed in the gRPC HealthCheckRequest; empty means the default behaviour defined by gRPC.', { default: '' }),
  }, ['port']),

  [`${C}SleepAction`]: object('Waits before going on.', {
    seconds: int64('How many seconds to sleep.'),
  }, ['seconds']),

  [`${C}Probe`]: object('A health check run against a container to learn whether it is alive, ready or started.', {
    exec: ref(`${C}ExecAction`, 'Run a command in the container.'),
    failureThreshold: int32('Consecutive failures after a success for the probe to count as failed. Defaults to 3; minimum 1.'),
    grpc: ref(`${C}GRPCAction`, 'Call a gRPC health check.'),
    httpGet: ref(`${C}HTTPGetAction`, 'Send an HTTP GET request; a 2xx or 3xx answer is a success.'),
    initialDelaySeconds: int32('Seconds after the container started before the first probe.'),
    periodSeconds: int32('How often, in seconds, to probe. Defaults to 10; minimum 1.'),
    successThreshold: int32('Consecutive successes after a failure for the probe to count as successful. Defaults to 1; must be 1 for liveness and startup probes.'),
    tcpSocket: ref(`${C}TCPSocketAction`, 'Open a TCP connection.'),
    terminationGracePeriodSeconds: int64('Grace period for the pod\'s termination when this probe fails, overriding the pod\'s own; liveness and startup probes only.'),
    timeoutSeconds: int32('Seconds after which a probe times out. Defaults to 1; minimum 1.'),
  }),

  [`${C}LifecycleHandler`]: object('An action run at a point of a container\'s lifecycle. Exactly one of its fields must be set.', {
    exec: ref(`${C}ExecAction`, 'Run a command in the container.'),
    httpGet: ref(`${C}HTTPGetAction`, 'Send an HTTP GET request.'),
    sleep: ref(`${C}SleepAction`, 'Wait for a number of seconds.'),
    tcpSocket: ref(`${C}TCPSocketAction`, 'Deprecated; kept for compatibility. A tcpSocket handler is accepted but not run.'),
  }),

  [`${C}Lifecycle`]: object('Actions the system runs when a container starts and before it stops.', {
    postStart: ref(`${C}LifecycleHandler`, 'Run right after the container is created. If it fails, the container is killed and restarted according to the restart policy.'),
    preStop: ref(`${C}LifecycleHandler`, 'Run before the container is stopped by an API request or a management event (probe failure, preemption). The grace period countdown starts before it runs.'),
    stopSignal: str('The signal that stops the container; defaults to what the image says, else SIGTERM.'),
  }),

  [`${C}Capabilities`]: object('POSIX capabilities to add to or drop from a running container.', {
    add: strings('Capabilities to add.', { listType: 'atomic' }),
    drop: strings('Capabilities to remove.', { listType: 'atomic' }),
  }),

  [`${C}SELinuxOptions`]: object('SELinux labels applied to a container.', {
    level: str('SELinux level label.'),
    role: str('SELinux role label.'),
    type: str('SELinux type label.'),
    user: str('SELinux user label.'),
  }),

  [`${C}SeccompProfile`]: object('A seccomp profile. Exactly one source must be set.', {
    localhostProfile: str('Path, relative to the kubelet\'s seccomp profile directory, of a profile on the node; only with type Localhost.'),
    type: str('Which profile: Localhost (a file on the node), RuntimeDefault (the container runtime\'s default) or Unconfined (none).', { enum: ['Localhost', 'RuntimeDefault', 'Unconfined'] }),
  }, ['type']),

  [`${C}AppArmorProfile`]: object('An AppArmor profile for a pod or container.', {
    localhostProfile: str('A profile loaded on the node; only with type Localhost.'),
    type: str('Which profile: Localhost, RuntimeDefault or Unconfined.', { enum: ['Localhost', 'RuntimeDefault', 'Unconfined'] }),
  }, ['type']),

  [`${C}WindowsSecurityContextOptions`]: object('Windows-specific security options.', {
    gmsaCredentialSpec: str('The contents of the GMSA credential spec named by gmsaCredentialSpecName.'),
    gmsaCredentialSpecName: str('Name of the GMSA credential spec to use.'),
    hostProcess: bool('Run the container as a Windows HostProcess container.'),
    runAsUserName: str('The user name that runs the entrypoint of the container process.'),
  }),

  [`${C}SecurityContext`]: object('Security settings of a container; where they overlap with the pod\'s securityContext these win.', {
    allowPrivilegeEscalation: bool('Whether a process may gain more privileges than its parent (sets no_new_privs). Always true when privileged or with CAP_SYS_ADMIN.'),
    appArmorProfile: ref(`${C}AppArmorProfile`, 'The AppArmor profile of the container.'),
    capabilities: ref(`${C}Capabilities`, 'Capabilities to add or drop; defaults to the runtime\'s set.'),
    privileged: bool('Run as privileged: processes are equivalent to root on the host. Defaults to false.'),
    procMount: str('The proc mount type: Default or Unmasked.', { enum: ['Default', 'Unmasked'] }),
    readOnlyRootFilesystem: bool('Mount the container\'s root filesystem read-only. Defaults to false.'),
    runAsGroup: int64('GID that runs the entrypoint of the container process.'),
    runAsNonRoot: bool('Require the container to run as a non-root user; the kubelet refuses to start it as UID 0.'),
    runAsUser: int64('UID that runs the entrypoint of the container process; defaults to the image\'s user.'),
    seLinuxOptions: ref(`${C}SELinuxOptions`, 'The SELinux context of the container.'),
    seccompProfile: ref(`${C}SeccompProfile`, 'The seccomp profile of the container.'),
    windowsOptions: ref(`${C}WindowsSecurityContextOptions`, 'Windows-specific settings.'),
  }),

  [`${C}ContainerResizePolicy`]: object('How a container reacts when one of its resources is resized in place.', {
    resourceName: str('The resource the policy applies to: cpu or memory.'),
    restartPolicy: str('What to do on a resize: NotRequired (the default) or RestartContainer.'),
  }, ['resourceName', 'restartPolicy']),

  [`${C}Container`]: object('A single application container to run within a pod.', {
    args: strings('Arguments to the entrypoint; the image\'s CMD when empty. $(VAR_NAME) references are expanded from the container\'s environment. Cannot be updated.', { listType: 'atomic' }),
    command: strings('The entrypoint array, not run in a shell; the image\'s ENTRYPOINT when empty. $(VAR_NAME) references are expanded. Cannot be updated.', { listType: 'atomic' }),
    env: listOf(`${C}EnvVar`, 'Environment variables to set in the container. Cannot be updated.', { listType: 'map', mapKeys: ['name'], patch: 'merge', mergeKey: 'name' }),
    envFrom: listOf(`${C}EnvFromSource`, 'Sources to populate environment variables from; a key defined in several sources takes the value of the last, and env wins over all. Cannot be updated.', { listType: 'atomic' }),
    image: str('Container image name.'),
    imagePullPolicy: str('When to pull the image: Always, Never or IfNotPresent. Defaults to Always for the :latest tag (or no tag), else IfNotPresent. Cannot be updated.', { enum: ['Always', 'IfNotPresent', 'Never'] }),
    lifecycle: ref(`${C}Lifecycle`, 'Actions the system runs in response to container lifecycle events. Cannot be updated.'),
    livenessProbe: ref(`${C}Probe`, 'Periodic check that the container is alive; the container is restarted when it fails. Cannot be updated.'),
    name: str('Name of the container, a DNS label unique within the pod. Cannot be updated.'),
    ports: listOf(`${C}ContainerPort`, 'Ports the container exposes. Informational: any port a process listens on is reachable. Cannot be updated.', { listType: 'map', mapKeys: ['containerPort', 'protocol'], patch: 'merge', mergeKey: 'containerPort' }),
    readinessProbe: ref(`${C}Probe`, 'Periodic check that the container is ready to serve; a pod that is not ready is taken out of service endpoints. Cannot be updated.'),
    resizePolicy: listOf(`${C}ContainerResizePolicy`, 'How the container reacts to an in-place resize of its resources.', { listType: 'atomic' }),
    resources: ref(`${C}ResourceRequirements`, 'Compute resources the container requires and may not exceed.'),
    restartPolicy: str('Init containers only: "Always" makes the init container a sidecar that keeps running alongside the regular containers.'),
    securityContext: ref(`${C}SecurityContext`, 'Security options of the container; overrides the pod\'s securityContext where both are set.'),
    startupProbe: ref(`${C}Probe`, 'Check that the container has started; liveness and readiness probes wait for it to succeed. Cannot be updated.'),
    stdin: bool('Allocate a buffer for stdin in the container runtime. Defaults to false.'),
    stdinOnce: bool('Close the stdin channel after the first attach session ends. Defaults to false.'),
    terminationMessagePath: str('File in the container the termination message is read from. Defaults to /dev/termination-log. Cannot be updated.'),
    terminationMessagePolicy: str('How the termination message is filled: File (the default) or FallbackToLogsOnError (the log tail when the file is empty and the container failed). Cannot be updated.', { enum: ['FallbackToLogsOnError', 'File'] }),
    tty: bool('Allocate a TTY; also requires stdin. Defaults to false.'),
    volumeDevices: listOf(`${C}VolumeDevice`, 'Block devices the container uses.', { listType: 'map', mapKeys: ['devicePath'], patch: 'merge', mergeKey: 'devicePath' }),
    volumeMounts: listOf(`${C}VolumeMount`, 'Volumes of the pod mounted into the container\'s filesystem. Cannot be updated.', { listType: 'map', mapKeys: ['mountPath'], patch: 'merge', mergeKey: 'mountPath' }),
    workingDir: str('The container\'s working directory; the image\'s default when empty. Cannot be updated.'),
  }, ['name']),
};

CONTAINERS[`${C}EphemeralContainer`] = object('A temporary container added to a running pod for user-initiated work such as debugging. It has no resource guarantees, ports or probes and is never restarted.', {
  ...(CONTAINERS[`${C}Container`].properties as Record<string, JSONSchemaProps>),
  targetContainerName: str('Name of a container of the pod whose namespaces (IPC, PID) the ephemeral container shares; the runtime must support it.'),
}, ['name']);

// ---------------------------------------------------------------- volumes

const VOLUMES: Definitions = {
  [`${C}KeyToPath`]: object('Maps a key to a path within a volume.', {
    key: str('The key to project.'),
    mode: int32('Permission bits of the file (0000 to 0777, or 0 to 511 in decimal); defaults to the volume\'s defaultMode.'),
    path: str('Relative path of the file; may not be absolute, contain "..", or start with "..".'),
  }, ['key', 'path']),

  [`${C}EmptyDirVolumeSource`]: object('An empty directory for the pod, removed when the pod goes away.', {
    medium: str('Storage medium backing the directory: "" (the node\'s default) or "Memory" (a tmpfs).'),
    sizeLimit: ref(QUANTITY, 'Most local storage the directory may use; the pod is evicted beyond it.'),
  }),

  [`${C}HostPathVolumeSource`]: object('A file or directory of the host mapped into the pod. For privileged system software; most pods should not use it.', {
    path: str('Path on the host; a symlink is followed to its target.'),
    type: str('What must be at the path: "" (no check), DirectoryOrCreate, Directory, FileOrCreate, File, Socket, CharDevice or BlockDevice.', { enum: ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'] }),
  }, ['path']),

  [`${C}ConfigMapVolumeSource`]: object('Projects the keys of a ConfigMap as files.', {
    defaultMode: int32('Permission bits of the created files (0000 to 0777, or 0 to 511 in decimal). Defaults to 0644.'),
    items: listOf(`${C}KeyToPath`, 'Which keys to project and where; every key, each in a file named after it, when empty.', { listType: 'atomic' }),
    name: str('Name of the ConfigMap.', { default: '' }),
    optional: bool('Whether the ConfigMap or its keys may be missing.'),
  }),

  [`${C}SecretVolumeSource`]: object('Projects the keys of a Secret as files.', {
    defaultMode: int32('Permission bits of the created files (0000 to 0777, or 0 to 511 in decimal). Defaults to 0644.'),
    items: listOf(`${C}KeyToPath`, 'Which keys to project and where; every key, each in a file named after it, when empty.', { listType: 'atomic' }),
    optional: bool('Whether the Secret or its keys may be missing.'),
    secretName: str('Name of the Secret in the pod\'s namespace.'),
  }),

  [`${C}PersistentVolumeClaimVolumeSource`]: object('Mounts the volume bound to a PersistentVolumeClaim of the pod\'s namespace.', {
    claimName: str('Name of the PersistentVolumeClaim.'),
    readOnly: bool('Force the mount read-only. Defaults to false.'),
  }, ['claimName']),

  [`${C}DownwardAPIVolumeFile`]: object('A file holding a field of the pod.', {
    fieldRef: ref(`${C}ObjectFieldSelector`, 'A field of the pod: metadata.name, metadata.namespace, metadata.labels, metadata.annotations, metadata.uid.'),
    mode: int32('Permission bits of the file (0000 to 0777, or 0 to 511 in decimal); defaults to the volume\'s defaultMode.'),
    path: str('Relative path of the file; may not be absolute or contain "..".'),
    resourceFieldRef: ref(`${C}ResourceFieldSelector`, 'A resource limit or request of a container: limits.cpu, limits.memory, requests.cpu, requests.memory.'),
  }, ['path']),

  [`${C}DownwardAPIVolumeSource`]: object('Files holding fields of the pod.', {
    defaultMode: int32('Permission bits of the created files (0000 to 0777, or 0 to 511 in decimal). Defaults to 0644.'),
    items: listOf(`${C}DownwardAPIVolumeFile`, 'The files.', { listType: 'atomic' }),
  }),

  [`${C}ServiceAccountTokenProjection`]: object('A service account token projected into a file.', {
    audience: str('Audience the token is meant for; defaults to the apiserver\'s identifier.'),
    expirationSeconds: int64('Requested lifetime of the token; the kubelet rotates it. Defaults to one hour, at least 10 minutes.'),
    path: str('Path of the file, relative to the mount point.'),
  }, ['path']),

  [`${C}SecretProjection`]: object('Projects the keys of a Secret into a projected volume.', {
    items: listOf(`${C}KeyToPath`, 'Which keys to project and where; every key when empty.', { listType: 'atomic' }),
    name: str('Name of the Secret.', { default: '' }),
    optional: bool('Whether the Secret or its keys may be missing.'),
  }),

  [`${C}ConfigMapProjection`]: object('Projects the keys of a ConfigMap into a projected volume.', {
    items: listOf(`${C}KeyToPath`, 'Which keys to project and where; every key when empty.', { listType: 'atomic' }),
    name: str('Name of the ConfigMap.', { default: '' }),
    optional: bool('Whether the ConfigMap or its keys may be missing.'),
  }),

  [`${C}DownwardAPIProjection`]: object('Projects fields of the pod into a projected volume.', {
    items: listOf(`${C}DownwardAPIVolumeFile`, 'The files.', { listType: 'atomic' }),
  }),

  [`${C}VolumeProjection`]: object('One source of a projected volume. Exactly one field must be set.', {
    configMap: ref(`${C}ConfigMapProjection`, 'Keys of a ConfigMap.'),
    downwardAPI: ref(`${C}DownwardAPIProjection`, 'Fields of the pod.'),
    secret: ref(`${C}SecretProjection`, 'Keys of a Secret.'),
    serviceAccountToken: ref(`${C}ServiceAccountTokenProjection`, 'A service account token.'),
  }),

  [`${C}ProjectedVolumeSource`]: object('Several sources projected into one directory.', {
    defaultMode: int32('Permission bits of the created files (0000 to 0777, or 0 to 511 in decimal). Defaults to 0644.'),
    sources: listOf(`${C}VolumeProjection`, 'The sources.', { listType: 'atomic' }),
  }),

  [`${C}NFSVolumeSource`]: object('An NFS export mounted into the pod.', {
    path: str('Path exported by the NFS server.'),
    readOnly: bool('Mount the export read-only. Defaults to false.'),
    server: str('Host name or IP address of the NFS server.'),
  }, ['server', 'path']),

  [`${C}CSIVolumeSource`]: object('A volume provided by an external CSI driver.', {
    driver: str('Name of the CSI driver that provides the volume.'),
    fsType: str('Filesystem type to mount, such as ext4; passed to the driver.'),
    nodePublishSecretRef: ref(`${C}LocalObjectReference`, 'A Secret with sensitive data passed to the driver\'s publish calls.'),
    readOnly: bool('Mount the volume read-only. Defaults to false.'),
    volumeAttributes: strMap('Driver-specific properties passed to the CSI driver.'),
  }, ['driver']),

  [`${C}Volume`]: object('A named volume of a pod that its containers may mount. Exactly one source must be set.', {
    configMap: ref(`${C}ConfigMapVolumeSource`, 'The keys of a ConfigMap as files.'),
    csi: ref(`${C}CSIVolumeSource`, 'A volume provided by an external CSI driver.'),
    downwardAPI: ref(`${C}DownwardAPIVolumeSource`, 'Fields of the pod as files.'),
    emptyDir: ref(`${C}EmptyDirVolumeSource`, 'A temporary directory that shares the pod\'s lifetime.'),
    hostPath: ref(`${C}HostPathVolumeSource`, 'A file or directory of the host.'),
    name: str('Name of the volume, a DNS label unique within the pod; volume mounts refer to it.'),
    nfs: ref(`${C}NFSVolumeSource`, 'An NFS export.'),
    persistentVolumeClaim: ref(`${C}PersistentVolumeClaimVolumeSource`, 'The volume bound to a PersistentVolumeClaim in the pod\'s namespace.'),
    projected: ref(`${C}ProjectedVolumeSource`, 'Secrets, ConfigMaps, pod fields and tokens together in one directory.'),
    secret: ref(`${C}SecretVolumeSource`, 'The keys of a Secret as files.'),
  }, ['name']),
};

// ---------------------------------------------------------------- scheduling

const SCHEDULING: Definitions = {
  [`${C}NodeSelectorRequirement`]: object('A requirement on a node label or field: a key, an operator and values.', {
    key: str('The label key (or field name) the requirement applies to.'),
    operator: str('How the key relates to the values: In, NotIn, Exists, DoesNotExist, Gt or Lt.', { enum: ['DoesNotExist', 'Exists', 'Gt', 'In', 'Lt', 'NotIn'] }),
    values: strings('Values for In and NotIn (non-empty), one integer for Gt and Lt, none for Exists and DoesNotExist.', { listType: 'atomic' }),
  }, ['key', 'operator']),

  [`${C}NodeSelectorTerm`]: object('Requirements a node must all meet. A null or empty term matches no node.', {
    matchExpressions: listOf(`${C}NodeSelectorRequirement`, 'Requirements on node labels.', { listType: 'atomic' }),
    matchFields: listOf(`${C}NodeSelectorRequirement`, 'Requirements on node fields (metadata.name).', { listType: 'atomic' }),
  }, undefined, { mapType: 'atomic' }),

  [`${C}NodeSelector`]: object('A node query: the union of its terms.', {
    nodeSelectorTerms: listOf(`${C}NodeSelectorTerm`, 'The terms; a node matching any of them matches.', { listType: 'atomic' }),
  }, ['nodeSelectorTerms'], { mapType: 'atomic' }),

  [`${C}PreferredSchedulingTerm`]: object('A node term with a weight: matching nodes are preferred by it.', {
    preference: ref(`${C}NodeSelectorTerm`, 'The term.'),
    weight: int32('Weight of the preference, 1-100.'),
  }, ['weight', 'preference']),

  [`${C}NodeAffinity`]: object('Node affinity scheduling rules of a pod.', {
    preferredDuringSchedulingIgnoredDuringExecution: listOf(`${C}PreferredSchedulingTerm`, 'The scheduler prefers nodes meeting these terms, scoring each node by the weights of the terms it matches. Not re-evaluated once the pod runs.', { listType: 'atomic' }),
    requiredDuringSchedulingIgnoredDuringExecution: ref(`${C}NodeSelector`, 'The pod is only scheduled onto a node meeting these rules. Not re-evaluated once the pod runs.'),
  }),

  [`${C}PodAffinityTerm`]: object('Pods matching the selector in the namespaces, and the topology domain they must (or must not) share with this pod.', {
    labelSelector: ref(`${M}LabelSelector`, 'Which pods the term is about.'),
    matchLabelKeys: strings('Label keys whose values, taken from this pod, are added to labelSelector as In requirements.', { listType: 'atomic' }),
    mismatchLabelKeys: strings('Label keys whose values, taken from this pod, are added to labelSelector as NotIn requirements.', { listType: 'atomic' }),
    namespaceSelector: ref(`${M}LabelSelector`, 'Namespaces the term applies to, by label; combined with namespaces. Empty selects every namespace.'),
    namespaces: strings('Namespaces the term applies to; the pod\'s own namespace when empty and namespaceSelector is null.', { listType: 'atomic' }),
    topologyKey: str('The node label whose value defines the topology domain (kubernetes.io/hostname, topology.kubernetes.io/zone).'),
  }, ['topologyKey']),

  [`${C}WeightedPodAffinityTerm`]: object('A pod affinity term with a weight.', {
    podAffinityTerm: ref(`${C}PodAffinityTerm`, 'The term.'),
    weight: int32('Weight of the term, 1-100.'),
  }, ['weight', 'podAffinityTerm']),

  [`${C}PodAffinity`]: object('Rules placing a pod in the same topology domain as other pods.', {
    preferredDuringSchedulingIgnoredDuringExecution: listOf(`${C}WeightedPodAffinityTerm`, 'The scheduler prefers nodes that satisfy these terms, by weight.', { listType: 'atomic' }),
    requiredDuringSchedulingIgnoredDuringExecution: listOf(`${C}PodAffinityTerm`, 'The pod is only scheduled where every term holds.', { listType: 'atomic' }),
  }),

  [`${C}PodAntiAffinity`]: object('Rules keeping a pod out of the topology domains of other pods.', {
    preferredDuringSchedulingIgnoredDuringExecution: listOf(`${C}WeightedPodAffinityTerm`, 'The scheduler prefers nodes that satisfy these terms, by weight.', { listType: 'atomic' }),
    requiredDuringSchedulingIgnoredDuringExecution: listOf(`${C}PodAffinityTerm`, 'The pod is only scheduled where no term\'s pods are found.', { listType: 'atomic' }),
  }),

  [`${C}Affinity`]: object('Scheduling constraints of a pod.', {
    nodeAffinity: ref(`${C}NodeAffinity`, 'Node affinity rules.'),
    podAffinity: ref(`${C}PodAffinity`, 'Rules to run next to other pods.'),
    podAntiAffinity: ref(`${C}PodAntiAffinity`, 'Rules to run away from other pods.'),
  }),

  [`${C}Toleration`]: object('Lets a pod be scheduled onto (or stay on) a node with a matching taint.', {
    effect: str('The taint effect to match: NoSchedule, PreferNoSchedule or NoExecute; empty matches all effects.', { enum: ['NoExecute', 'NoSchedule', 'PreferNoSchedule'] }),
    key: str('The taint key to match; empty with operator Exists matches every taint.'),
    operator: str('How the key relates to the value: Exists or Equal (the default).', { enum: ['Equal', 'Exists'] }),
    tolerationSeconds: int64('For NoExecute: how long the pod stays bound after the taint appears; forever when unset, evicted at once when zero or less.'),
    value: str('The taint value to match; empty with Exists.'),
  }),

  [`${C}TopologySpreadConstraint`]: object('How to spread matching pods across a topology.', {
    labelSelector: ref(`${M}LabelSelector`, 'Pods counted in each topology domain.'),
    matchLabelKeys: strings('Label keys whose values, taken from the incoming pod, narrow the selection.', { listType: 'atomic' }),
    maxSkew: int32('The most the count of matching pods may differ between two domains; at least 1.'),
    minDomains: int32('Minimum number of eligible domains; with fewer, the global minimum is taken as 0.'),
    nodeAffinityPolicy: str('Whether nodeAffinity and nodeSelector are honoured when computing the skew: Honor (the default) or Ignore.', { enum: ['Honor', 'Ignore'] }),
    nodeTaintsPolicy: str('Whether node taints are honoured when computing the skew: Honor or Ignore (the default).', { enum: ['Honor', 'Ignore'] }),
    topologyKey: str('The node label that defines the domains.'),
    whenUnsatisfiable: str('What to do when the constraint cannot be met: DoNotSchedule (the default) or ScheduleAnyway.', { enum: ['DoNotSchedule', 'ScheduleAnyway'] }),
  }, ['maxSkew', 'topologyKey', 'whenUnsatisfiable']),
};

// ---------------------------------------------------------------- pods

const PODS: Definitions = {
  [`${C}Sysctl`]: object('A kernel parameter to set.', {
    name: str('Name of the parameter.'),
    value: str('Value of the parameter.'),
  }, ['name', 'value']),

  [`${C}PodSecurityContext`]: object('Security settings applied to every container of a pod, unless a container overrides them.', {
    appArmorProfile: ref(`${C}AppArmorProfile`, 'The AppArmor profile of the containers.'),
    fsGroup: int64('A supplemental group of every container; volumes that support it are owned by this group.'),
    fsGroupChangePolicy: str('When ownership and permissions of a volume are changed: OnRootMismatch or Always (the default).', { enum: ['Always', 'OnRootMismatch'] }),
    runAsGroup: int64('GID that runs the entrypoint of each container.'),
    runAsNonRoot: bool('Require containers to run as a non-root user.'),
    runAsUser: int64('UID that runs the entrypoint of each container.'),
    seLinuxOptions: ref(`${C}SELinuxOptions`, 'SELinux context of every container.'),
    seccompProfile: ref(`${C}SeccompProfile`, 'Seccomp profile of every container.'),
    supplementalGroups: list({ type: 'integer', format: 'int64' }, 'Groups added to the first process of each container, besides its primary GID.', { listType: 'atomic' }),
    sysctls: listOf(`${C}Sysctl`, 'Namespaced kernel parameters of the pod.', { listType: 'atomic' }),
    windowsOptions: ref(`${C}WindowsSecurityContextOptions`, 'Windows-specific settings.'),
  }),

  [`${C}HostAlias`]: object('An entry added to the pod\'s /etc/hosts.', {
    hostnames: strings('Host names for the IP address.', { listType: 'atomic' }),
    ip: str('The IP address.'),
  }, ['ip']),

  [`${C}PodDNSConfigOption`]: object('A resolver option.', {
    name: str('Name of the option.'),
    value: str('Value of the option.'),
  }),

  [`${C}PodDNSConfig`]: object('DNS settings of a pod, merged with those dnsPolicy generates.', {
    nameservers: strings('DNS server addresses, added to the generated ones without duplicates.', { listType: 'atomic' }),
    options: listOf(`${C}PodDNSConfigOption`, 'Resolver options; these override generated options of the same name.', { listType: 'atomic' }),
    searches: strings('DNS search domains, added to the generated ones without duplicates.', { listType: 'atomic' }),
  }),

  [`${C}PodReadinessGate`]: object('An extra condition the pod needs to be ready.', {
    conditionType: str('The pod condition type that must be True.'),
  }, ['conditionType']),

  [`${C}PodSchedulingGate`]: object('A gate that keeps a pod from being scheduled while present.', {
    name: str('Name of the gate, unique within the pod.'),
  }, ['name']),

  [`${C}PodOS`]: object('The operating system a pod runs on.', {
    name: str('Name of the operating system: linux or windows.'),
  }, ['name']),

  [`${C}PodResourceClaim`]: object('A resource claim the pod\'s containers may use (dynamic resource allocation).', {
    name: str('Name of the claim within the pod; containers refer to it.'),
    resourceClaimName: str('Name of an existing ResourceClaim in the pod\'s namespace.'),
    resourceClaimTemplateName: str('Name of a ResourceClaimTemplate a claim is generated from for this pod.'),
  }, ['name']),

  [`${C}PodSpec`]: object('The desired state of a pod: its containers, volumes and how and where it runs.', {
    activeDeadlineSeconds: int64('Seconds the pod may be active on a node, counted from its start, before the system fails it and kills its containers.'),
    affinity: ref(`${C}Affinity`, 'Scheduling constraints.'),
    automountServiceAccountToken: bool('Whether a service account token is mounted automatically.'),
    containers: listOf(`${C}Container`, 'The containers of the pod; at least one. Cannot be added or removed.', { listType: 'map', mapKeys: ['name'], patch: 'merge', mergeKey: 'name' }),
    dnsConfig: ref(`${C}PodDNSConfig`, 'DNS settings added to those dnsPolicy generates.'),
    dnsPolicy: str('How the pod\'s DNS is set up: ClusterFirst (the default), ClusterFirstWithHostNet, Default or None.', { enum: ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'] }),
    ephemeralContainers: listOf(`${C}EphemeralContainer`, 'Ephemeral containers run in the pod, such as debuggers. Added through the ephemeralcontainers subresource only.', { listType: 'map', mapKeys: ['name'], patch: 'merge', mergeKey: 'name' }),
    enableServiceLinks: bool('Whether the environment of services is injected into the pod\'s containers, docker-links style. Defaults to true.'),
    hostAliases: listOf(`${C}HostAlias`, 'Entries added to the pod\'s /etc/hosts.', { listType: 'map', mapKeys: ['ip'], patch: 'merge', mergeKey: 'ip' }),
    hostIPC: bool('Use the host\'s IPC namespace. Defaults to false.'),
    hostNetwork: bool('Use the host\'s network namespace; ports are then host ports. Defaults to false.'),
    hostPID: bool('Use the host\'s PID namespace. Defaults to false.'),
    hostUsers: bool('Use the host\'s user namespace. Defaults to true.'),
    hostname: str('Host name of the pod; defaults to the pod\'s name.'),
    imagePullSecrets: listOf(`${C}LocalObjectReference`, 'Secrets in the pod\'s namespace used to pull the images.', { listType: 'map', mapKeys: ['name'], patch: 'merge', mergeKey: 'name' }),
    initContainers: listOf(`${C}Container`, 'Containers run one after another, each to success, before the regular containers start. Cannot be added or removed.', { listType: 'map', mapKeys: ['name'], patch: 'merge', mergeKey: 'name' }),
    nodeName: str('The node the pod is bound to. Set by the scheduler through the binding subresource; setting it directly skips scheduling.'),
    nodeSelector: strMap('Labels a node must have for the pod to be scheduled there.', { mapType: 'atomic' }),
    os: ref(`${C}PodOS`, 'The operating system of the pod\'s containers.'),
    overhead: quantities('Resources the pod\'s sandbox uses on top of the container requests, set from the RuntimeClass.'),
    preemptionPolicy: str('Whether this pod may preempt lower-priority pods: PreemptLowerPriority (the default) or Never.', { enum: ['Never', 'PreemptLowerPriority'] }),
    priority: int32('The priority of the pod, resolved from priorityClassName by admission; higher is more important.'),
    priorityClassName: str('Name of the PriorityClass of the pod.'),
    readinessGates: listOf(`${C}PodReadinessGate`, 'Extra conditions that must be True for the pod to be ready.', { listType: 'atomic' }),
    resourceClaims: listOf(`${C}PodResourceClaim`, 'Resource claims the pod uses, by name.', { listType: 'map', mapKeys: ['name'], patch: 'merge,retainKeys', mergeKey: 'name' }),
    restartPolicy: str('When containers are restarted: Always (the default), OnFailure or Never.', { enum: ['Always', 'Never', 'OnFailure'] }),
    runtimeClassName: str('Name of the RuntimeClass to run the pod with.'),
    schedulerName: str('The scheduler that places the pod; defaults to "default-scheduler".'),
    schedulingGates: listOf(`${C}PodSchedulingGate`, 'While any gate is present the pod is not scheduled. Gates can only be removed.', { listType: 'map', mapKeys: ['name'], patch: 'merge', mergeKey: 'name' }),
    securityContext: ref(`${C}PodSecurityContext`, 'Pod-level security attributes and defaults for the containers.'),
    serviceAccount: str('Deprecated alias of serviceAccountName.'),
    serviceAccountName: str('Name of the ServiceAccount the pod runs as.'),
    setHostnameAsFQDN: bool('Set the pod\'s host name to its fully qualified domain name. Defaults to false.'),
    shareProcessNamespace: bool('Share one process namespace between all containers of the pod. Defaults to false.'),
    subdomain: str('With a headless service of this name, gives the pod the host name <hostname>.<subdomain>.<namespace>.svc.<cluster domain>.'),
    terminationGracePeriodSeconds: int64('Seconds the pod has to terminate gracefully after a delete, between the termination signal and the kill. Defaults to 30.'),
    tolerations: listOf(`${C}Toleration`, 'Taints the pod tolerates.', { listType: 'atomic' }),
    topologySpreadConstraints: listOf(`${C}TopologySpreadConstraint`, 'How the pod and its peers spread across topology domains.', { listType: 'map', mapKeys: ['topologyKey', 'whenUnsatisfiable'], patch: 'merge', mergeKey: 'topologyKey' }),
    volumes: listOf(`${C}Volume`, 'Volumes the pod\'s containers may mount.', { listType: 'map', mapKeys: ['name'], patch: 'merge,retainKeys', mergeKey: 'name' }),
  }, ['containers']),

  [`${C}PodCondition`]: object('One aspect of a pod\'s state.', {
    lastProbeTime: time('When the condition was last probed.'),
    lastTransitionTime: time('When the condition last changed status.'),
    message: str('A human-readable explanation of the last transition.'),
    observedGeneration: int64('The pod generation the condition was set from.'),
    reason: str('A one-word CamelCase reason for the last transition.'),
    status: str('True, False or Unknown.'),
    type: str('The condition: PodScheduled, PodReadyToStartContainers, Initialized, ContainersReady or Ready.'),
  }, ['type', 'status']),

  [`${C}ContainerStateWaiting`]: object('A container that is not running yet.', {
    message: str('Why the container is not yet running, for people.'),
    reason: str('Why the container is not yet running, in one word (ContainerCreating, CrashLoopBackOff, ErrImagePull, ImagePullBackOff, ...).'),
  }),

  [`${C}ContainerStateRunning`]: object('A running container.', {
    startedAt: time('When the container was last (re)started.'),
  }),

  [`${C}ContainerStateTerminated`]: object('A container that has exited.', {
    containerID: str('Runtime ID of the container, "<type>://<id>".'),
    exitCode: int32('Exit status of the container\'s last termination.'),
    finishedAt: time('When the container last terminated.'),
    message: str('Message about the termination.'),
    reason: str('Why the container terminated, in one word (Completed, Error, OOMKilled, ...).'),
    signal: int32('Signal that killed the container, if any.'),
    startedAt: time('When the container\'s previous run started.'),
  }, ['exitCode']),

  [`${C}ContainerState`]: object('The state of a container: exactly one of waiting, running and terminated. Defaults to waiting.', {
    running: ref(`${C}ContainerStateRunning`, 'Details of a running container.'),
    terminated: ref(`${C}ContainerStateTerminated`, 'Details of a terminated container.'),
    waiting: ref(`${C}ContainerStateWaiting`, 'Details of a waiting container.'),
  }),

  [`${C}ContainerStatus`]: object('The observed state of one container of a pod.', {
    allocatedResources: quantities('Resources the node allocated to the container.'),
    containerID: str('Runtime ID of the container, "<type>://<id>".'),
    image: str('The image the container runs.'),
    imageID: str('The ID (digest) of the image the container runs.'),
    lastState: ref(`${C}ContainerState`, 'The state of the container\'s last termination, to tell why it restarted.'),
    name: str('Name of the container, as in the pod spec.'),
    ready: bool('Whether the container passes its readiness probe (true when it has none and is running).'),
    resources: ref(`${C}ResourceRequirements`, 'Resource requests and limits the runtime applied to the container.'),
    restartCount: int32('How many times the container has been restarted, counted from its exits.'),
    started: bool('Whether the container passed its startup probe (true when it has none and is running).'),
    state: ref(`${C}ContainerState`, 'The current state of the container.'),
  }, ['name', 'ready', 'restartCount', 'image', 'imageID']),

  [`${C}PodIP`]: object('An IP address allocated to a pod.', {
    ip: str('The IP address.'),
  }, ['ip']),

  [`${C}HostIP`]: object('An IP address of the host a pod runs on.', {
    ip: str('The IP address.'),
  }, ['ip']),

  [`${C}PodStatus`]: object('The most recently observed state of a pod; may lag the actual state.', {
    conditions: listOf(`${C}PodCondition`, 'The current conditions of the pod.', { listType: 'map', mapKeys: ['type'], patch: 'merge', mergeKey: 'type' }),
    containerStatuses: listOf(`${C}ContainerStatus`, 'The state of each regular container.', { listType: 'atomic' }),
    ephemeralContainerStatuses: listOf(`${C}ContainerStatus`, 'The state of each ephemeral container.', { listType: 'atomic' }),
    hostIP: str('IP address of the node the pod is assigned to; empty until it starts.'),
    hostIPs: listOf(`${C}HostIP`, 'IP addresses of the node, hostIP first.', { listType: 'atomic', patch: 'merge', mergeKey: 'ip' }),
    initContainerStatuses: listOf(`${C}ContainerStatus`, 'The state of each init container.', { listType: 'atomic' }),
    message: str('A human-readable message saying why the pod is in this state.'),
    nominatedNodeName: str('A node where preemption made room for this pod, which is not guaranteed to be scheduled there.'),
    observedGeneration: int64('The pod generation this status was computed from.'),
    phase: str('A summary of where the pod is in its lifecycle: Pending, Running, Succeeded, Failed or Unknown.', { enum: ['Failed', 'Pending', 'Running', 'Succeeded', 'Unknown'] }),
    podIP: str('IP address allocated to the pod, routable at least within the cluster; empty until allocated.'),
    podIPs: listOf(`${C}PodIP`, 'IP addresses allocated to the pod, podIP first; at most one per address family.', { listType: 'map', mapKeys: ['ip'], patch: 'merge', mergeKey: 'ip' }),
    qosClass: str('Quality of service class from the containers\' requests and limits: Guaranteed, Burstable or BestEffort.', { enum: ['BestEffort', 'Burstable', 'Guaranteed'] }),
    reason: str('A brief CamelCase reason for the pod\'s state, such as Evicted.'),
    startTime: time('When the kubelet acknowledged the pod, before pulling any image.'),
  }),

  [`${C}Pod`]: kind({ group: '', kind: 'Pod', version: 'v1' }, 'A group of containers that run together on one host, sharing network and volumes. Created by clients and scheduled onto nodes.', {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: METADATA,
    spec: spec('pod', `${C}PodSpec`),
    status: status('pod', `${C}PodStatus`),
  }),

  [`${C}PodList`]: listKind('', 'v1', 'PodList', `${C}Pod`, 'pods'),

  [`${C}PodTemplateSpec`]: object('The pods a controller creates: their metadata and spec.', {
    metadata: METADATA,
    spec: ref(`${C}PodSpec`, 'The desired behaviour of the pods.'),
  }),

  [`${C}Binding`]: kind(gvk('', 'v1', 'Binding'), 'Ties one object to another, such as a pod to the node the scheduler chose.', {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: METADATA,
    target: ref(`${C}ObjectReference`, 'The object to bind to (a Node).'),
  }, ['target']),
};

// ---------------------------------------------------------------- nodes

const NODES: Definitions = {
  [`${C}Taint`]: object('Marks a node so that pods not tolerating the taint are kept away.', {
    effect: str('What happens to pods that do not tolerate the taint: NoSchedule, PreferNoSchedule or NoExecute.', { enum: ['NoExecute', 'NoSchedule', 'PreferNoSchedule'] }),
    key: str('The taint key.'),
    timeAdded: time('When the taint was added; NoExecute taints only.'),
    value: str('The taint value.'),
  }, ['key', 'effect']),

  [`${C}NodeSpec`]: object('The desired configuration of a node.', {
    externalID: str('Deprecated; not used.'),
    podCIDR: str('The pod IP range of the node.'),
    podCIDRs: strings('The pod IP ranges of the node, podCIDR first; at most one per address family.', { listType: 'set', patch: 'merge' }),
    providerID: str('The node\'s ID given by the cloud provider: <ProviderName>://<ProviderSpecificNodeID>.'),
    taints: listOf(`${C}Taint`, 'Taints of the node.', { listType: 'atomic' }),
    unschedulable: bool('When true, no new pod is scheduled onto the node (kubectl cordon).'),
  }),

  [`${C}NodeCondition`]: object('One aspect of a node\'s state.', {
    lastHeartbeatTime: time('When the condition was last reported.'),
    lastTransitionTime: time('When the condition last changed status.'),
    message: str('A human-readable explanation of the last transition.'),
    reason: str('A one-word CamelCase reason for the last transition.'),
    status: str('True, False or Unknown.'),
    type: str('The condition: Ready, MemoryPressure, DiskPressure, PIDPressure or NetworkUnavailable.'),
  }, ['type', 'status']),

  [`${C}NodeAddress`]: object('An address of a node.', {
    address: str('The address.'),
    type: str('Hostname, ExternalIP, InternalIP, ExternalDNS or InternalDNS.'),
  }, ['type', 'address']),

  [`${C}DaemonEndpoint`]: object('A port a daemon of the node listens on.', {
    Port: int32('Port number.'),
  }, ['Port']),

  [`${C}NodeDaemonEndpoints`]: object('Ports the daemons of a node listen on.', {
    kubeletEndpoint: ref(`${C}DaemonEndpoint`, 'The port the kubelet listens on.'),
  }),

  [`${C}NodeSystemInfo`]: object('Facts reported by the node: versions, identifiers and platform.', {
    architecture: str('The architecture the node reports.'),
    bootID: str('Boot ID the node reports.'),
    containerRuntimeVersion: str('Container runtime version the node reports ("docker://24.0.7").'),
    kernelVersion: str('Kernel version the node reports (uname -r).'),
    kubeProxyVersion: str('Deprecated: kube-proxy version the node reports.'),
    kubeletVersion: str('Kubelet version the node reports.'),
    machineID: str('Machine ID the node reports.'),
    operatingSystem: str('The operating system the node reports.'),
    osImage: str('OS image the node reports, from /etc/os-release ("Debian GNU/Linux 12 (bookworm)").'),
    systemUUID: str('System UUID the node reports.'),
  }, ['machineID', 'systemUUID', 'bootID', 'kernelVersion', 'osImage', 'containerRuntimeVersion', 'kubeletVersion', 'kubeProxyVersion', 'operatingSystem', 'architecture']),

  [`${C}ContainerImage`]: object('An image present on a node.', {
    names: strings('Names of the image, such as "nginx:1.25" and its digest.', { listType: 'atomic' }),
    sizeBytes: int64('Size of the image in bytes.'),
  }),

  [`${C}AttachedVolume`]: object('A volume attached to a node.', {
    devicePath: str('Where the volume is expected to be available.'),
    name: str('Name of the attached volume.'),
  }, ['name', 'devicePath']),

  [`${C}NodeStatus`]: object('The most recently observed state of a node.', {
    addresses: listOf(`${C}NodeAddress`, 'Addresses reachable to the node.', { listType: 'map', mapKeys: ['type'], patch: 'merge', mergeKey: 'type' }),
    allocatable: quantities('Resources of the node available to pods; capacity minus what the system reserves.'),
    capacity: quantities('Total resources of the node.'),
    conditions: listOf(`${C}NodeCondition`, 'The current conditions of the node.', { listType: 'map', mapKeys: ['type'], patch: 'merge', mergeKey: 'type' }),
    daemonEndpoints: ref(`${C}NodeDaemonEndpoints`, 'Ports of the daemons running on the node.'),
    images: listOf(`${C}ContainerImage`, 'Images present on the node.', { listType: 'atomic' }),
    nodeInfo: ref(`${C}NodeSystemInfo`, 'Facts about the node.'),
    phase: str('Deprecated: the lifecycle phase of the node.', { enum: ['Pending', 'Running', 'Terminated'] }),
    volumesAttached: listOf(`${C}AttachedVolume`, 'Volumes attached to the node.', { listType: 'atomic' }),
    volumesInUse: strings('Volumes in use (mounted) by the node.', { listType: 'atomic' }),
  }),

  [`${C}Node`]: kind(gvk('', 'v1', 'Node'), 'A worker machine of the cluster, registered by its kubelet.', {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: METADATA,
    spec: spec('node', `${C}NodeSpec`),
    status: status('node', `${C}NodeStatus`),
  }),

  [`${C}NodeList`]: listKind('', 'v1', 'NodeList', `${C}Node`, 'nodes'),
};

// ---------------------------------------------------------------- services and endpoints

const SERVICES: Definitions = {
  [`${C}ServicePort`]: object('A port a service serves on.', {
    appProtocol: str('The application protocol of the port, as an IANA service name or a prefixed name (kubernetes.io/h2c).'),
    name: str('Name of the port, a DNS label unique within the service; required when the service has several ports.'),
    nodePort: int32('The port on every node where a NodePort or LoadBalancer service is exposed; allocated by the system when not given.'),
    port: int32('The port the service serves on.'),
    protocol: str('Protocol of the port: TCP (the default), UDP or SCTP.', { enum: PROTOCOLS, default: 'TCP' }),
    targetPort: ref(INT_OR_STRING, 'Number or name of the port on the selected pods; defaults to port.'),
  }, ['port']),

  [`${C}ClientIPConfig`]: object('Settings of ClientIP session affinity.', {
    timeoutSeconds: int32('Seconds a session sticks to one endpoint, 1-86400. Defaults to 10800 (3 hours).'),
  }),

  [`${C}SessionAffinityConfig`]: object('Settings of session affinity.', {
    clientIP: ref(`${C}ClientIPConfig`, 'Settings of ClientIP session affinity.'),
  }),

  [`${C}ServiceSpec`]: object('The desired state of a service: its ports, the pods behind it and how it is exposed.', {
    allocateLoadBalancerNodePorts: bool('Whether node ports are allocated for a LoadBalancer service. Defaults to true.'),
    clusterIP: str('The virtual IP of the service, allocated from the service range when empty; "None" makes a headless service. Cannot be changed once set, except to turn a service into ExternalName.'),
    clusterIPs: strings('The virtual IPs of the service, clusterIP first; at most one per address family.', { listType: 'atomic' }),
    externalIPs: strings('Extra IPs on which nodes accept traffic for the service. Not managed by Kubernetes.', { listType: 'atomic' }),
    externalName: str('For ExternalName services: the DNS name the service\'s name resolves to (a CNAME).'),
    externalTrafficPolicy: str('How traffic from outside reaches endpoints: Cluster (any node, the default) or Local (only endpoints on the receiving node).', { enum: ['Cluster', 'Local'] }),
    healthCheckNodePort: int32('Health check node port of a LoadBalancer service with externalTrafficPolicy Local.'),
    internalTrafficPolicy: str('How traffic from inside the cluster reaches endpoints: Cluster (the default) or Local.', { enum: ['Cluster', 'Local'] }),
    ipFamilies: strings('IP families of the service: IPv4, IPv6.', { listType: 'atomic' }),
    ipFamilyPolicy: str('How many IP families the service has: SingleStack (the default), PreferDualStack or RequireDualStack.', { enum: ['PreferDualStack', 'RequireDualStack', 'SingleStack'] }),
    loadBalancerClass: str('The load balancer implementation for a LoadBalancer service.'),
    loadBalancerIP: str('Deprecated: the IP a LoadBalancer service asks for.'),
    loadBalancerSourceRanges: strings('Client ranges a cloud load balancer accepts.', { listType: 'atomic' }),
    ports: listOf(`${C}ServicePort`, 'The ports the service serves on.', { listType: 'map', mapKeys: ['port', 'protocol'], patch: 'merge', mergeKey: 'port' }),
    publishNotReadyAddresses: bool('Publish addresses of pods that are not ready, too. Defaults to false.'),
    selector: strMap('Pods with these labels receive the service\'s traffic. Empty or missing: endpoints are managed by someone else.', { mapType: 'atomic' }),
    sessionAffinity: str('Session affinity: ClientIP (sticky by client address) or None (the default).', { enum: ['ClientIP', 'None'] }),
    sessionAffinityConfig: ref(`${C}SessionAffinityConfig`, 'Settings of session affinity.'),
    trafficDistribution: str('How traffic is preferably routed to endpoints, such as PreferClose.'),
    type: str('How the service is exposed: ClusterIP (the default), NodePort, LoadBalancer or ExternalName.', { enum: ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'] }),
  }),

  [`${C}PortStatus`]: object('The state of one port of a load balancer.', {
    error: str('Why the port is not working, in CamelCase; empty when it works.'),
    port: int32('The port number.'),
    protocol: str('The protocol of the port: TCP, UDP or SCTP.', { enum: PROTOCOLS }),
  }, ['port', 'protocol']),

  [`${C}LoadBalancerIngress`]: object('An entry point of a load balancer.', {
    hostname: str('Host name of a DNS-based entry point.'),
    ip: str('IP of an IP-based entry point.'),
    ipMode: str('How traffic reaches the service through the IP: VIP or Proxy.'),
    ports: listOf(`${C}PortStatus`, 'State of the ports of the entry point.', { listType: 'atomic' }),
  }),

  [`${C}LoadBalancerStatus`]: object('The state of a load balancer.', {
    ingress: listOf(`${C}LoadBalancerIngress`, 'Entry points of the load balancer.', { listType: 'atomic' }),
  }),

  [`${C}ServiceStatus`]: object('The most recently observed state of a service.', {
    conditions: listOf(`${M}Condition`, 'The current conditions of the service.', { listType: 'map', mapKeys: ['type'], patch: 'merge', mergeKey: 'type' }),
    loadBalancer: ref(`${C}LoadBalancerStatus`, 'The load balancer of the service, if any.'),
  }),

  [`${C}Service`]: kind(gvk('', 'v1', 'Service'), 'A named abstraction of software service: a stable virtual IP and port that forwards to the pods its selector matches.', {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: METADATA,
    spec: spec('service', `${C}ServiceSpec`),
    status: status('service', `${C}ServiceStatus`),
  }),

  [`${C}ServiceList`]: listKind('', 'v1', 'ServiceList', `${C}Service`, 'services'),

  [`${M}Condition`]: object('One aspect of the state of an object.', {
    lastTransitionTime: time('When the condition last changed status.'),
    message: str('A human-readable explanation of the last transition.'),
    observedGeneration: int64('The object generation the condition was set from.'),
    reason: str('A one-word CamelCase reason for the last transition.'),
    status: str('True, False or Unknown.'),
    type: str('The condition type, in CamelCase.'),
  }, ['type', 'status', 'lastTransitionTime', 'reason', 'message']),

  [`${C}EndpointAddress`]: object('One endpoint address of a service.', {
    hostname: str('Host name of the endpoint.'),
    ip: str('IP address of the endpoint.'),
    nodeName: str('The node hosting the endpoint.'),
    targetRef: ref(`${C}ObjectReference`, 'The object providing the endpoint (a Pod).'),
  }, ['ip'], { mapType: 'atomic' }),

  [`${C}EndpointPort`]: object('A port of a set of endpoints.', {
    appProtocol: str('The application protocol of the port.'),
    name: str('Name of the port, as in the service\'s ports.'),
    port: int32('Port number.'),
    protocol: str('Protocol of the port: TCP (the default), UDP or SCTP.', { enum: PROTOCOLS }),
  }, ['port'], { mapType: 'atomic' }),

  [`${C}EndpointSubset`]: object('Addresses sharing the same ports: every address with every port.', {
    addresses: listOf(`${C}EndpointAddress`, 'Addresses of ready endpoints.', { listType: 'atomic' }),
    notReadyAddresses: listOf(`${C}EndpointAddress`, 'Addresses of endpoints that are not ready yet or are failing.', { listType: 'atomic' }),
    ports: listOf(`${C}EndpointPort`, 'The ports of the addresses.', { listType: 'atomic' }),
  }),

  [`${C}Endpoints`]: kind(gvk('', 'v1', 'Endpoints'), 'The addresses and ports that make up a service, maintained by the endpoints controller.', {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: METADATA,
    subsets: listOf(`${C}EndpointSubset`, 'Sets of addresses sharing ports; the union of all subsets is the service\'s endpoints.', { listType: 'atomic' }),
  }),

  [`${C}EndpointsList`]: listKind('', 'v1', 'EndpointsList', `${C}Endpoints`, 'endpoints'),
};

// ---------------------------------------------------------------- configuration, events, namespaces

const OTHERS: Definitions = {
  [`${C}ConfigMap`]: kind(gvk('', 'v1', 'ConfigMap'), 'Non-confidential configuration data for pods to consume.', {
    apiVersion: API_VERSION,
    binaryData: map({ type: 'string', format: 'byte' }, 'Binary values, base64-encoded in JSON. Keys are alphanumeric, "-", "_" or "."; they may not also be in data.'),
    data: strMap('UTF-8 values. Keys are alphanumeric, "-", "_" or "."; they may not also be in binaryData.'),
    immutable: bool('When true, data cannot be changed; the flag can only be unset by deleting and recreating the object.'),
    kind: KIND,
    metadata: METADATA,
  }),

  [`${C}ConfigMapList`]: listKind('', 'v1', 'ConfigMapList', `${C}ConfigMap`, 'config maps'),

  [`${C}Secret`]: kind(gvk('', 'v1', 'Secret'), 'Confidential data for pods to consume. Values are at most 1 MiB altogether.', {
    apiVersion: API_VERSION,
    data: map({ type: 'string', format: 'byte' }, 'The secret data, base64-encoded in JSON. Keys are alphanumeric, "-", "_" or ".".'),
    immutable: bool('When true, data cannot be changed; the flag can only be unset by deleting and recreating the object.'),
    kind: KIND,
    metadata: METADATA,
    stringData: strMap('Write-only convenience: plain string values merged into data on write, overriding keys there. Never returned.'),
    type: str('How the data is meant to be used, such as Opaque (the default), kubernetes.io/tls or kubernetes.io/dockerconfigjson.'),
  }),

  [`${C}SecretList`]: listKind('', 'v1', 'SecretList', `${C}Secret`, 'secrets'),

  [`${C}ServiceAccount`]: kind(gvk('', 'v1', 'ServiceAccount'), 'An identity for processes that run in pods: a name users and systems know it by, a principal that can be authenticated and authorized, and a set of secrets.', {
    apiVersion: API_VERSION,
    automountServiceAccountToken: bool('Whether pods running as this service account get an API token mounted automatically. A pod can override it.'),
    imagePullSecrets: listOf(`${C}LocalObjectReference`, 'Secrets in the same namespace used to pull the images of pods that run as this service account. Unlike secrets, only the kubelet reads them; they are not mounted.', { listType: 'atomic' }),
    kind: KIND,
    metadata: METADATA,
    secrets: listOf(`${C}ObjectReference`, 'Secrets in the same namespace that pods running as this service account may use; pods are limited to them only when the account has the annotation kubernetes.io/enforce-mountable-secrets: "true". Not the place to find tokens: request them through the TokenRequest API.', { listType: 'map', mapKeys: ['name'], patch: 'merge', mergeKey: 'name' }),
  }),

  [`${C}ServiceAccountList`]: listKind('', 'v1', 'ServiceAccountList', `${C}ServiceAccount`, 'service accounts'),

  [`${C}EventSource`]: object('The component that reported an event.', {
    component: str('The component reporting the event.'),
    host: str('The node the event was produced on.'),
  }),

  [`${C}EventSeries`]: object('A series of repeated events.', {
    count: int32('Number of occurrences so far.'),
    lastObservedTime: ref(`${M}MicroTime`, 'When the last occurrence was seen.'),
  }),

  [`${C}Event`]: kind(gvk('', 'v1', 'Event'), 'A report of something that happened in the cluster. Events expire after a while.', {
    action: str('What was done, or failed, to the regarding object.'),
    apiVersion: API_VERSION,
    count: int32('How many times the event happened.'),
    eventTime: ref(`${M}MicroTime`, 'When the event was first observed (new-style events).'),
    firstTimestamp: time('When the event was first recorded.'),
    involvedObject: ref(`${C}ObjectReference`, 'The object the event is about.'),
    kind: KIND,
    lastTimestamp: time('When the event was most recently recorded.'),
    message: str('A human-readable description of what happened.'),
    metadata: METADATA,
    reason: str('A short, machine-understandable reason for the transition (FailedScheduling, Pulled, Started, ...).'),
    related: ref(`${C}ObjectReference`, 'A second object involved, if any.'),
    reportingComponent: str('The controller that emitted the event, such as kubernetes.io/kubelet.'),
    reportingInstance: str('The instance of the controller that emitted the event, such as the kubelet\'s node name.'),
    series: ref(`${C}EventSeries`, 'Data about the series the event belongs to, if it repeats.'),
    source: ref(`${C}EventSource`, 'The component reporting the event.'),
    type: str('Normal or Warning.'),
  }, ['metadata', 'involvedObject']),

  [`${C}EventList`]: listKind('', 'v1', 'EventList', `${C}Event`, 'events'),

  [`${C}NamespaceSpec`]: object('The desired state of a namespace.', {
    finalizers: strings('Values that must be cleared (through the finalize subresource) before the namespace is removed from storage.', { listType: 'atomic' }),
  }),

  [`${C}NamespaceCondition`]: object('One aspect of a namespace\'s state.', {
    lastTransitionTime: time('When the condition last changed status.'),
    message: str('A human-readable explanation of the last transition.'),
    reason: str('A one-word CamelCase reason for the last transition.'),
    status: str('True, False or Unknown.'),
    type: str('The condition type.'),
  }, ['type', 'status']),

  [`${C}NamespaceStatus`]: object('The most recently observed state of a namespace.', {
    conditions: listOf(`${C}NamespaceCondition`, 'The current conditions of the namespace.', { listType: 'map', mapKeys: ['type'], patch: 'merge', mergeKey: 'type' }),
    phase: str('Active, or Terminating while the namespace\'s content is being deleted.', { enum: ['Active', 'Terminating'] }),
  }),

  [`${C}Namespace`]: kind(gvk('', 'v1', 'Namespace'), 'A scope for names: most objects live in a namespace.', {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: METADATA,
    spec: spec('namespace', `${C}NamespaceSpec`),
    status: status('namespace', `${C}NamespaceStatus`),
  }),

  [`${C}NamespaceList`]: listKind('', 'v1', 'NamespaceList', `${C}Namespace`, 'namespaces'),
};

// ---------------------------------------------------------------- replication controllers

/** The condition of a ReplicationController or an apps/v1 ReplicaSet ("ReplicaSet"). */
export const replicaCondition = (what: string): JSONSchemaProps => object(`One aspect of a ${what}'s state.`, {
  lastTransitionTime: time('When the condition last changed status.'),
  message: str('A human-readable explanation of the last transition.'),
  reason: str('A one-word CamelCase reason for the last transition.'),
  status: str('True, False or Unknown.'),
  type: str('The condition type, such as ReplicaFailure.'),
}, ['type', 'status']);

/** The status fields a ReplicationController and an apps/v1 ReplicaSet share; condition names the condition's definition. */
export const replicaStatusFields = (what: string, condition: string): Record<string, JSONSchemaProps> => ({
  availableReplicas: int32('Pods ready for at least minReadySeconds.'),
  conditions: listOf(condition, `The current conditions of the ${what}.`, { listType: 'map', mapKeys: ['type'], patch: 'merge', mergeKey: 'type' }),
  fullyLabeledReplicas: int32('Pods whose labels match the template\'s labels.'),
  observedGeneration: int64(`The ${what} generation this status was computed from.`),
  readyReplicas: int32('Pods with a Ready condition.'),
  replicas: int32('Pods currently counted as replicas.'),
});

const REPLICATION_CONTROLLERS: Definitions = {
  [`${C}ReplicationControllerSpec`]: object('The desired state of a replication controller.', {
    minReadySeconds: int32('Seconds a new pod must be ready, with no container crashing, to count as available. Defaults to 0.'),
    replicas: int32('How many pods should run. Defaults to 1.'),
    selector: strMap('Labels a pod must have to count as a replica. Defaults to the labels of the template when empty.', { mapType: 'atomic' }),
    template: ref(`${C}PodTemplateSpec`, 'The pods created when there are too few replicas. Its labels must match the selector and its restartPolicy must be Always.'),
  }),

  [`${C}ReplicationControllerCondition`]: replicaCondition('replication controller'),

  [`${C}ReplicationControllerStatus`]: object('The most recently observed state of a replication controller.',
    replicaStatusFields('replication controller', `${C}ReplicationControllerCondition`), ['replicas']),

  [`${C}ReplicationController`]: kind(gvk('', 'v1', 'ReplicationController'), 'Keeps a given number of pods matching an equality-based selector running: the older form of a ReplicaSet.', {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: METADATA,
    spec: spec('replication controller', `${C}ReplicationControllerSpec`),
    status: status('replication controller', `${C}ReplicationControllerStatus`),
  }),

  [`${C}ReplicationControllerList`]: listKind('', 'v1', 'ReplicationControllerList', `${C}ReplicationController`, 'replication controllers'),
};

export const CORE_DEFINITIONS: Definitions = {
  ...REFERENCES, ...CONTAINERS, ...VOLUMES, ...SCHEDULING, ...PODS, ...NODES, ...SERVICES, ...OTHERS, ...REPLICATION_CONTROLLERS,
};
