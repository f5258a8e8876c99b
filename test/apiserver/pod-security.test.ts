// Pod Security admission as pure decisions: each check's Kubernetes reason and detail
// (cases from k8s.io/pod-security-admission's policy tests), the messages kube-apiserver
// refuses and warns with, the namespace labels, workload templates and namespace updates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, PodSpec } from '../../api/types/core.js';
import type { ObjectMeta } from '../../api/types/meta.js';
import {
  admitPod, admitPodController, checkNamespaceLabels, isSignificantPodUpdate, type PodLike,
} from '../../apiserver/admission/pod-security/admission.js';
import type { CheckPodFn, CheckResult } from '../../apiserver/admission/pod-security/check.js';
import * as baseline from '../../apiserver/admission/pod-security/checks-baseline.js';
import * as restricted from '../../apiserver/admission/pod-security/checks-restricted.js';
import { Evaluator, SERVER_POLICY_MINOR, aggregate, forbiddenDetail } from '../../apiserver/admission/pod-security/evaluator.js';
import { LATEST, levelVersionString, policyToEvaluate, v1, type Level } from '../../apiserver/admission/pod-security/policy.js';

const c = (name: string, extra: Partial<Container> = {}): Container => ({ name, image: 'busybox', ...extra });
const sc = (name: string, securityContext: Container['securityContext']): Container => c(name, { securityContext });

interface CheckCase {
  name: string;
  check: CheckPodFn;
  spec: Partial<PodSpec>;
  meta?: ObjectMeta;
  /** Absent: the pod passes. */
  reason?: string;
  detail?: string;
}

const CASES: CheckCase[] = [
  // hostProcess
  { name: 'hostProcess unset passes', check: baseline.windowsHostProcess_1_0, spec: { containers: [sc('a', { windowsOptions: { hostProcess: false } })] } },
  {
    name: 'hostProcess on pod and containers', check: baseline.windowsHostProcess_1_0,
    spec: {
      securityContext: { windowsOptions: { hostProcess: true } },
      containers: [c('d'), sc('e', { windowsOptions: { hostProcess: true } }), sc('f', { windowsOptions: { hostProcess: true } })],
    },
    reason: 'hostProcess', detail: 'pod and containers "e", "f" must not set securityContext.windowsOptions.hostProcess=true',
  },
  // host namespaces
  { name: 'host namespaces false pass', check: baseline.hostNamespaces_1_0, spec: { hostNetwork: false, containers: [c('a')] } },
  {
    name: 'all host namespaces', check: baseline.hostNamespaces_1_0, spec: { hostIPC: true, hostPID: true, hostNetwork: true, containers: [c('a')] },
    reason: 'host namespaces', detail: 'hostNetwork=true, hostPID=true, hostIPC=true',
  },
  { name: 'hostPID only', check: baseline.hostNamespaces_1_0, spec: { hostPID: true, containers: [c('a')] }, reason: 'host namespaces', detail: 'hostPID=true' },
  // privileged
  { name: 'privileged false passes', check: baseline.privileged_1_0, spec: { containers: [sc('a', { privileged: false })] } },
  {
    name: 'privileged init, regular and ephemeral containers', check: baseline.privileged_1_0,
    spec: {
      initContainers: [sc('i', { privileged: true })], containers: [sc('a', { privileged: true }), c('b')],
      ephemeralContainers: [sc('debug', { privileged: true })],
    },
    reason: 'privileged', detail: 'containers "i", "a", "debug" must not set securityContext.privileged=true',
  },
  // baseline capabilities
  { name: 'default capabilities pass', check: baseline.capabilitiesBaseline_1_0, spec: { containers: [sc('a', { capabilities: { add: ['CHOWN', 'NET_BIND_SERVICE', 'KILL'], drop: ['ALL'] } })] } },
  {
    name: 'non-default capabilities', check: baseline.capabilitiesBaseline_1_0,
    spec: { containers: [sc('a', { capabilities: { add: ['NET_RAW', 'CHOWN'] } }), sc('b', { capabilities: { add: ['SYS_ADMIN', 'NET_RAW'] } })] },
    reason: 'non-default capabilities', detail: 'containers "a", "b" must not include "NET_RAW", "SYS_ADMIN" in securityContext.capabilities.add',
  },
  // hostPath
  { name: 'emptyDir passes hostPath check', check: baseline.hostPathVolumes_1_0, spec: { volumes: [{ name: 'e', emptyDir: {} }], containers: [c('a')] } },
  {
    name: 'hostPath volumes', check: baseline.hostPathVolumes_1_0,
    spec: { volumes: [{ name: 'a', hostPath: { path: '/' } }, { name: 'b', emptyDir: {} }, { name: 'c', hostPath: { path: '/var' } }], containers: [c('x')] },
    reason: 'hostPath volumes', detail: 'volumes "a", "c"',
  },
  { name: 'one hostPath volume', check: baseline.hostPathVolumes_1_0, spec: { volumes: [{ name: 'h', hostPath: { path: '/' } }], containers: [c('x')] }, reason: 'hostPath volumes', detail: 'volume "h"' },
  // host ports
  { name: 'container ports pass', check: baseline.hostPorts_1_0, spec: { containers: [c('a', { ports: [{ containerPort: 80 }, { containerPort: 81, hostPort: 0 }] })] } },
  { name: 'one host port', check: baseline.hostPorts_1_0, spec: { containers: [c('a'), c('b', { ports: [{ containerPort: 80, hostPort: 20 }] })] }, reason: 'hostPort', detail: 'container "b" uses hostPort 20' },
  {
    name: 'several host ports', check: baseline.hostPorts_1_0,
    spec: { containers: [c('a'), c('b', { ports: [{ containerPort: 1, hostPort: 10 }, { containerPort: 2, hostPort: 20 }] }), c('c', { ports: [{ containerPort: 3, hostPort: 30 }] })] },
    reason: 'hostPort', detail: 'containers "b", "c" use hostPorts 10, 20, 30',
  },
  // AppArmor
  {
    name: 'AppArmor RuntimeDefault, Localhost and allowed annotations pass', check: baseline.appArmorProfile_1_0,
    meta: { annotations: { 'container.apparmor.security.beta.kubernetes.io/a': 'runtime/default', 'container.apparmor.security.beta.kubernetes.io/b': 'localhost/p', 'other': 'unconfined' } },
    spec: { securityContext: { appArmorProfile: { type: 'RuntimeDefault' } }, containers: [sc('a', { appArmorProfile: { type: 'Localhost', localhostProfile: 'p' } })] },
  },
  { name: 'unconfined pod AppArmor', check: baseline.appArmorProfile_1_0, spec: { securityContext: { appArmorProfile: { type: 'Unconfined' } }, containers: [c('a')] }, reason: 'forbidden AppArmor profile', detail: 'pod must not set AppArmor profile type to "Unconfined"' },
  { name: 'unconfined init container AppArmor', check: baseline.appArmorProfile_1_0, spec: { initContainers: [sc('bar', { appArmorProfile: { type: 'Unconfined' } })], containers: [c('a')] }, reason: 'forbidden AppArmor profile', detail: 'container "bar" must not set AppArmor profile type to "Unconfined"' },
  {
    name: 'AppArmor annotations', check: baseline.appArmorProfile_1_0,
    meta: {
      annotations: {
        'container.apparmor.security.beta.kubernetes.io/': 'bogus', 'container.apparmor.security.beta.kubernetes.io/a': '',
        'container.apparmor.security.beta.kubernetes.io/b': 'runtime/default', 'container.apparmor.security.beta.kubernetes.io/c': 'localhost/',
        'container.apparmor.security.beta.kubernetes.io/d': 'localhost/foo', 'container.apparmor.security.beta.kubernetes.io/e': 'unconfined',
        'container.apparmor.security.beta.kubernetes.io/f': 'unknown',
      },
    },
    spec: { containers: [c('a')] },
    reason: 'forbidden AppArmor profiles',
    detail: 'annotations must not set AppArmor profile type to "container.apparmor.security.beta.kubernetes.io/="bogus"", "container.apparmor.security.beta.kubernetes.io/e="unconfined"", "container.apparmor.security.beta.kubernetes.io/f="unknown""',
  },
  {
    name: 'AppArmor pod, container and annotation', check: baseline.appArmorProfile_1_0,
    meta: { annotations: { 'container.apparmor.security.beta.kubernetes.io/a': 'unconfined' } },
    spec: { securityContext: { appArmorProfile: { type: 'Unconfined' } }, containers: [sc('a', { appArmorProfile: { type: 'Unconfined' } })] },
    reason: 'forbidden AppArmor profiles',
    detail: 'pod and container "a" and annotation must not set AppArmor profile type to "Unconfined", "container.apparmor.security.beta.kubernetes.io/a="unconfined""',
  },
  // SELinux (v1.31+ types)
  { name: 'SELinux allowed types and level pass', check: baseline.seLinuxOptions_1_31, spec: { securityContext: { seLinuxOptions: { level: 's0:c1' } }, containers: [sc('a', { seLinuxOptions: { type: 'container_engine_t' } })] } },
  {
    name: 'SELinux pod and containers', check: baseline.seLinuxOptions_1_31,
    spec: {
      securityContext: { seLinuxOptions: { type: 'foo', user: 'bar', role: 'baz' } },
      containers: [
        sc('a', { seLinuxOptions: { type: 'container_t' } }), sc('b', { seLinuxOptions: { type: 'container_init_t' } }),
        sc('c', { seLinuxOptions: { type: 'container_kvm_t' } }), sc('d', { seLinuxOptions: { type: 'container_engine_t' } }),
        sc('e', { seLinuxOptions: { type: 'bar' } }), sc('f', { seLinuxOptions: { user: 'bar' } }), sc('g', { seLinuxOptions: { role: 'baz' } }),
      ],
    },
    reason: 'seLinuxOptions', detail: 'pod and containers "e", "f", "g" set forbidden securityContext.seLinuxOptions: types "bar", "foo"; user may not be set; role may not be set',
  },
  { name: 'SELinux user', check: baseline.seLinuxOptions_1_31, spec: { securityContext: { seLinuxOptions: { user: 'u' } }, containers: [c('a')] }, reason: 'seLinuxOptions', detail: 'pod set forbidden securityContext.seLinuxOptions: user may not be set' },
  { name: 'container_engine_t before v1.31', check: baseline.seLinuxOptions_1_0, spec: { containers: [sc('a', { seLinuxOptions: { type: 'container_engine_t' } })] }, reason: 'seLinuxOptions', detail: 'container "a" set forbidden securityContext.seLinuxOptions: type "container_engine_t"' },
  // /proc mount
  { name: 'procMount Default passes', check: baseline.procMount_1_0, spec: { containers: [sc('a', { procMount: 'Default' }), sc('b', {})] } },
  {
    name: 'procMount Unmasked', check: baseline.procMount_1_0,
    spec: { initContainers: [sc('i', { procMount: 'Unmasked' })], containers: [sc('a', { procMount: 'Unmasked' }), sc('b', { procMount: 'Other' })] },
    reason: 'procMount', detail: 'containers "i", "a", "b" must not set securityContext.procMount to "Other", "Unmasked"',
  },
  { name: 'procMount Unmasked in a user namespace from v1.35', check: baseline.procMount_1_35, spec: { hostUsers: false, containers: [sc('a', { procMount: 'Unmasked' })] } },
  // baseline seccomp
  { name: 'seccomp unset passes baseline', check: baseline.seccompProfileBaseline_1_19, spec: { containers: [c('a'), sc('b', { seccompProfile: { type: 'Localhost', localhostProfile: 'p' } })] } },
  { name: 'seccomp Unconfined pod', check: baseline.seccompProfileBaseline_1_19, spec: { securityContext: { seccompProfile: { type: 'Unconfined' } }, containers: [c('a')] }, reason: 'seccompProfile', detail: 'pod must not set securityContext.seccompProfile.type to "Unconfined"' },
  {
    name: 'seccomp Unconfined pod and containers', check: baseline.seccompProfileBaseline_1_19,
    spec: { securityContext: { seccompProfile: { type: 'Unconfined' } }, containers: [c('a'), c('b'), sc('c', { seccompProfile: { type: 'Unconfined' } }), sc('d', { seccompProfile: { type: 'Unconfined' } })] },
    reason: 'seccompProfile', detail: 'pod and containers "c", "d" must not set securityContext.seccompProfile.type to "Unconfined"',
  },
  {
    name: 'seccomp annotations before v1.19', check: baseline.seccompProfileBaseline_1_0,
    meta: { annotations: { 'seccomp.security.alpha.kubernetes.io/pod': 'unconfined', 'container.seccomp.security.alpha.kubernetes.io/a': 'unconfined', 'container.seccomp.security.alpha.kubernetes.io/b': 'unknown', 'container.seccomp.security.alpha.kubernetes.io/c': 'docker/default' } },
    spec: { containers: [c('a'), c('b'), c('c')] },
    reason: 'seccompProfile',
    detail: 'forbidden annotations container.seccomp.security.alpha.kubernetes.io/a="unconfined", container.seccomp.security.alpha.kubernetes.io/b="unknown", seccomp.security.alpha.kubernetes.io/pod="unconfined"',
  },
  // probe and lifecycle hosts (v1.34+)
  { name: 'probes without host pass', check: baseline.hostProbesAndHostLifecycle_1_34, spec: { containers: [c('a', { livenessProbe: { httpGet: { port: 80 } }, readinessProbe: { tcpSocket: { port: 80, host: '' } } })] } },
  {
    name: 'probe and lifecycle hosts', check: baseline.hostProbesAndHostLifecycle_1_34,
    spec: {
      containers: [
        c('valid'), c('invalid2', { lifecycle: { preStop: { tcpSocket: { port: 1, host: 'b.com' } } }, startupProbe: { httpGet: { port: 1, host: 'a.com' } } }),
        c('invalid1', { livenessProbe: { httpGet: { port: 1, host: 'a.com' } } }),
      ],
    },
    reason: 'probe or lifecycle host', detail: 'containers "invalid1", "invalid2" use probe or lifecycle hosts "a.com", "b.com"',
  },
  { name: 'one probe host', check: baseline.hostProbesAndHostLifecycle_1_34, spec: { initContainers: [c('init', { livenessProbe: { httpGet: { port: 1, host: '8.8.8.8' } } })], containers: [c('a')] }, reason: 'probe or lifecycle host', detail: 'container "init" uses probe or lifecycle host "8.8.8.8"' },
  // restricted: volume types
  { name: 'allowed volume types pass', check: restricted.restrictedVolumes_1_0, spec: { volumes: [{ name: 'a', configMap: {} }, { name: 'b', secret: {} }, { name: 'c', emptyDir: {} }, { name: 'd', projected: {} }, { name: 'e', persistentVolumeClaim: { claimName: 'x' } }, { name: 'f', downwardAPI: {} }], containers: [c('a')] } },
  {
    name: 'restricted volume types', check: restricted.restrictedVolumes_1_0,
    spec: {
      volumes: [
        { name: 'a1', emptyDir: {} }, { name: 'a7', csi: { driver: 'd' } }, { name: 'a8', ephemeral: {} }, { name: 'a9', image: { reference: 'x' } },
        { name: 'b1', hostPath: { path: '/' } }, { name: 'b5', nfs: { server: 's', path: '/' } }, { name: 'b11', cephfs: {} },
        { name: 'b18', photonPersistentDisk: {} }, { name: 'c1' },
      ] as PodSpec['volumes'],
      containers: [c('a')],
    },
    reason: 'restricted volume types', detail: 'volumes "b1", "b5", "b11", "b18", "c1" use restricted volume types "cephfs", "hostPath", "nfs", "photonPersistentDisk", "unknown"',
  },
  { name: 'one restricted volume', check: restricted.restrictedVolumes_1_0, spec: { volumes: [{ name: 'h', hostPath: { path: '/' } }], containers: [c('a')] }, reason: 'restricted volume types', detail: 'volume "h" uses restricted volume type "hostPath"' },
  // restricted: privilege escalation
  { name: 'allowPrivilegeEscalation=false passes', check: restricted.allowPrivilegeEscalation_1_8, spec: { containers: [sc('a', { allowPrivilegeEscalation: false })] } },
  { name: 'allowPrivilegeEscalation unset', check: restricted.allowPrivilegeEscalation_1_8, spec: { containers: [c('x')] }, reason: 'allowPrivilegeEscalation != false', detail: 'container "x" must set securityContext.allowPrivilegeEscalation=false' },
  {
    name: 'allowPrivilegeEscalation unset or true', check: restricted.allowPrivilegeEscalation_1_8,
    spec: { containers: [c('a'), sc('b', { allowPrivilegeEscalation: true }), sc('c', { allowPrivilegeEscalation: false })] },
    reason: 'allowPrivilegeEscalation != false', detail: 'containers "a", "b" must set securityContext.allowPrivilegeEscalation=false',
  },
  // restricted: runAsNonRoot
  { name: 'pod runAsNonRoot=true passes', check: restricted.runAsNonRoot_1_0, spec: { securityContext: { runAsNonRoot: true }, containers: [c('a'), sc('b', { runAsNonRoot: true })] } },
  { name: 'containers runAsNonRoot=true pass', check: restricted.runAsNonRoot_1_0, spec: { containers: [sc('a', { runAsNonRoot: true })] } },
  { name: 'runAsNonRoot unset', check: restricted.runAsNonRoot_1_0, spec: { containers: [c('a'), c('b')] }, reason: 'runAsNonRoot != true', detail: 'pod or containers "a", "b" must set securityContext.runAsNonRoot=true' },
  {
    name: 'runAsNonRoot=false beats unset', check: restricted.runAsNonRoot_1_0,
    spec: { securityContext: { runAsNonRoot: false }, containers: [c('a'), sc('b', { runAsNonRoot: false })] },
    reason: 'runAsNonRoot != true', detail: 'pod and container "b" must not set securityContext.runAsNonRoot=false',
  },
  // restricted: runAsUser
  { name: 'runAsUser 1000 passes', check: restricted.runAsUser_1_23, spec: { securityContext: { runAsUser: 1000 }, containers: [sc('a', { runAsUser: 1 })] } },
  {
    name: 'runAsUser=0', check: restricted.runAsUser_1_23,
    spec: { securityContext: { runAsUser: 0 }, containers: [sc('a', { runAsUser: 0 }), sc('b', { runAsUser: 0 }), sc('c', { runAsUser: 1 })] },
    reason: 'runAsUser=0', detail: 'pod and containers "a", "b" must not set runAsUser=0',
  },
  // restricted: seccomp
  { name: 'pod RuntimeDefault passes', check: restricted.seccompProfileRestricted_1_19, spec: { securityContext: { seccompProfile: { type: 'RuntimeDefault' } }, containers: [c('a')] } },
  { name: 'container Localhost passes', check: restricted.seccompProfileRestricted_1_19, spec: { containers: [sc('a', { seccompProfile: { type: 'Localhost', localhostProfile: 'p' } })] } },
  { name: 'seccomp unset', check: restricted.seccompProfileRestricted_1_19, spec: { containers: [c('a')] }, reason: 'seccompProfile', detail: 'pod or container "a" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"' },
  {
    name: 'seccomp Unconfined container despite pod RuntimeDefault', check: restricted.seccompProfileRestricted_1_19,
    spec: { securityContext: { seccompProfile: { type: 'RuntimeDefault' } }, containers: [c('a'), sc('b', { seccompProfile: { type: 'Unconfined' } })] },
    reason: 'seccompProfile', detail: 'container "b" must not set securityContext.seccompProfile.type to "Unconfined"',
  },
  // restricted: capabilities
  { name: 'drop ALL add NET_BIND_SERVICE passes', check: restricted.capabilitiesRestricted_1_22, spec: { containers: [sc('a', { capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } })] } },
  { name: 'no capabilities', check: restricted.capabilitiesRestricted_1_22, spec: { containers: [c('a')] }, reason: 'unrestricted capabilities', detail: 'container "a" must set securityContext.capabilities.drop=["ALL"]' },
  {
    name: 'missing drop ALL and forbidden adds', check: restricted.capabilitiesRestricted_1_22,
    spec: { containers: [sc('a', { capabilities: { drop: ['NET_RAW'] } }), sc('b', { capabilities: { drop: ['ALL'], add: ['NET_RAW', 'CHOWN', 'NET_BIND_SERVICE'] } }), sc('c', { capabilities: { add: ['SYS_ADMIN'] } })] },
    reason: 'unrestricted capabilities',
    detail: 'containers "a", "c" must set securityContext.capabilities.drop=["ALL"]; containers "b", "c" must not include "CHOWN", "NET_RAW", "SYS_ADMIN" in securityContext.capabilities.add',
  },
];

for (const tc of CASES) {
  test(`check: ${tc.name}`, () => {
    const r: CheckResult = tc.check(tc.meta ?? {}, { containers: [], ...tc.spec } as PodSpec);
    if (tc.reason === undefined) {
      assert.deepEqual(r, { allowed: true });
    } else {
      assert.deepEqual(r, { allowed: false, forbiddenReason: tc.reason, forbiddenDetail: tc.detail });
    }
  });
}

const evaluate = (level: Level, spec: Partial<PodSpec>, minor?: number, meta: ObjectMeta = {}): string => {
  const ev = new Evaluator(undefined, minor);
  return forbiddenDetail(aggregate(ev.evaluatePod({ level, version: LATEST }, meta, { containers: [], ...spec } as PodSpec)));
};
const evaluateAt = (level: Level, minor: number, spec: Partial<PodSpec>, meta: ObjectMeta = {}): string =>
  forbiddenDetail(aggregate(new Evaluator().evaluatePod({ level, version: v1(minor) }, meta, { containers: [], ...spec } as PodSpec)));

test('sysctls: only the safe set, growing with the policy version', () => {
  const spec = (...names: string[]): Partial<PodSpec> => ({ securityContext: { sysctls: names.map((name) => ({ name, value: '1' })) }, containers: [c('a')] });
  assert.equal(evaluate('baseline', spec('kernel.shm_rmid_forced', 'net.ipv4.tcp_rmem')), '');
  assert.equal(evaluate('baseline', spec('a', 'kernel.shm_rmid_forced', 'b')), 'forbidden sysctls (a, b)');
  assert.equal(evaluateAt('baseline', 26, spec('net.ipv4.ip_local_reserved_ports')), 'forbidden sysctls (net.ipv4.ip_local_reserved_ports)');
  assert.equal(evaluateAt('baseline', 27, spec('net.ipv4.ip_local_reserved_ports')), '');
  assert.equal(evaluateAt('baseline', 28, spec('net.ipv4.tcp_keepalive_time')), 'forbidden sysctls (net.ipv4.tcp_keepalive_time)');
  assert.equal(evaluateAt('baseline', 31, spec('net.ipv4.tcp_wmem')), 'forbidden sysctls (net.ipv4.tcp_wmem)');
  // The v1.37 additions are beyond this server's latest (v1.32) unless latest is raised.
  assert.equal(evaluate('baseline', spec('net.ipv4.tcp_notsent_lowat')), 'forbidden sysctls (net.ipv4.tcp_notsent_lowat)');
  assert.equal(evaluate('baseline', spec('net.ipv4.tcp_notsent_lowat'), 37), '');
});

test('versions: latest is the server version; older policies run older checks', () => {
  assert.equal(SERVER_POLICY_MINOR, 32);
  const nginx: Partial<PodSpec> = { containers: [c('nginx')] };
  // restricted v1.21: no capabilities check yet; v1.22 on: drop ALL required.
  assert.equal(evaluateAt('restricted', 21, { containers: [sc('a', { allowPrivilegeEscalation: false, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } })] }), '');
  assert.match(evaluateAt('restricted', 22, { containers: [sc('a', { allowPrivilegeEscalation: false, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } })] }), /^unrestricted capabilities/);
  // Before v1.22 restricted keeps baseline's capabilities check (not overridden yet).
  assert.equal(evaluateAt('restricted', 21, { containers: [sc('a', { allowPrivilegeEscalation: false, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' }, capabilities: { add: ['NET_RAW'] } })] }),
    'non-default capabilities (container "a" must not include "NET_RAW" in securityContext.capabilities.add)');
  // v1.7: no allowPrivilegeEscalation; before v1.19 seccomp is judged by annotation only.
  assert.equal(evaluateAt('restricted', 7, nginx), 'runAsNonRoot != true (pod or container "nginx" must set securityContext.runAsNonRoot=true)');
  assert.equal(evaluateAt('restricted', 18, nginx, { annotations: { 'seccomp.security.alpha.kubernetes.io/pod': 'unconfined' } }),
    'seccompProfile (forbidden annotation seccomp.security.alpha.kubernetes.io/pod="unconfined"), allowPrivilegeEscalation != false (container "nginx" must set securityContext.allowPrivilegeEscalation=false), runAsNonRoot != true (pod or container "nginx" must set securityContext.runAsNonRoot=true)');
  // runAsUser from v1.23.
  const root: Partial<PodSpec> = { securityContext: { runAsUser: 0, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }, containers: [sc('a', { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } })] };
  assert.equal(evaluateAt('restricted', 22, root), '');
  assert.equal(evaluateAt('restricted', 23, root), 'runAsUser=0 (pod must not set runAsUser=0)');
  // Windows pods skip the Linux-only restricted checks from v1.25.
  const windows: Partial<PodSpec> = { os: { name: 'windows' }, securityContext: { runAsNonRoot: true }, containers: [c('w')] };
  assert.equal(evaluateAt('restricted', 25, windows), '');
  assert.match(evaluateAt('restricted', 24, windows), /^allowPrivilegeEscalation != false/);
  // A version newer than the server reads as latest.
  assert.equal(evaluateAt('baseline', 99, { containers: [c('a', { livenessProbe: { httpGet: { port: 1, host: 'x' } } })] }), '');
});

test('versions: checks of v1.34 and v1.35 apply when latest is raised to them', () => {
  const probe: Partial<PodSpec> = { containers: [c('a', { livenessProbe: { httpGet: { port: 1, host: 'x' } } })] };
  assert.equal(evaluate('baseline', probe), '');
  assert.equal(evaluate('baseline', probe, 34), 'probe or lifecycle host (container "a" uses probe or lifecycle host "x")');
  // User-namespaced pods may run as root and unmask /proc under baseline from v1.35; restricted still forbids the procMount.
  const userns: Partial<PodSpec> = {
    hostUsers: false, securityContext: { runAsUser: 0, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [sc('a', { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, procMount: 'Unmasked' })],
  };
  assert.equal(evaluate('baseline', userns, 35), '');
  assert.equal(evaluate('restricted', userns, 35), 'procMount (container "a" must not set securityContext.procMount to "Unmasked")');
  assert.equal(evaluate('restricted', userns),
    'procMount (container "a" must not set securityContext.procMount to "Unmasked"), runAsNonRoot != true (pod or container "a" must set securityContext.runAsNonRoot=true), runAsUser=0 (pod must not set runAsUser=0)');
});

// ---------------------------------------------------------------- admitPod

const ENFORCE = 'pod-security.kubernetes.io/enforce';
const nginx: PodLike = { metadata: { name: 'nginx', namespace: 'ns' }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } };
const NGINX_RESTRICTED = 'allowPrivilegeEscalation != false (container "nginx" must set securityContext.allowPrivilegeEscalation=false), ' +
  'unrestricted capabilities (container "nginx" must set securityContext.capabilities.drop=["ALL"]), ' +
  'runAsNonRoot != true (pod or container "nginx" must set securityContext.runAsNonRoot=true), ' +
  'seccompProfile (pod or container "nginx" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")';
const privilegedPod: PodLike = {
  metadata: { name: 'priv', namespace: 'ns' },
  spec: {
    hostNetwork: true, hostPID: true,
    volumes: [{ name: 'root', hostPath: { path: '/' } }],
    containers: [{ name: 'shell', image: 'busybox', ports: [{ containerPort: 80, hostPort: 8080 }], securityContext: { privileged: true, capabilities: { add: ['SYS_ADMIN'] } } }],
  },
};
const PRIVILEGED_BASELINE = 'non-default capabilities (container "shell" must not include "SYS_ADMIN" in securityContext.capabilities.add), ' +
  'host namespaces (hostNetwork=true, hostPID=true), hostPath volumes (volume "root"), hostPort (container "shell" uses hostPort 8080), ' +
  'privileged (container "shell" must not set securityContext.privileged=true)';

test('admitPod: a plain nginx pod in a restricted namespace is refused with Kubernetes\' message', () => {
  const d = admitPod({ [ENFORCE]: 'restricted' }, nginx);
  assert.equal(d.allowed, false);
  assert.equal(d.reason, `violates PodSecurity "restricted:latest": ${NGINX_RESTRICTED}`);
  assert.equal(d.message, `pods "nginx" is forbidden: violates PodSecurity "restricted:latest": ${NGINX_RESTRICTED}`);
  assert.equal(d.error?.code, 403);
  assert.equal(d.error?.status.reason, 'Forbidden');
  assert.deepEqual(d.error?.status.details, { name: 'nginx', kind: 'pods' });
  assert.deepEqual(d.warnings, []);
  assert.deepEqual(d.auditAnnotations, { 'pod-security.kubernetes.io/enforce-policy': 'restricted:latest' });
});

test('admitPod: a privileged pod in a baseline namespace, and at a pinned version', () => {
  const d = admitPod({ [ENFORCE]: 'baseline' }, privilegedPod);
  assert.equal(d.message, `pods "priv" is forbidden: violates PodSecurity "baseline:latest": ${PRIVILEGED_BASELINE}`);
  const pinned = admitPod({ [ENFORCE]: 'baseline', 'pod-security.kubernetes.io/enforce-version': 'v1.25' }, privilegedPod);
  assert.equal(pinned.reason, `violates PodSecurity "baseline:v1.25": ${PRIVILEGED_BASELINE}`);
  // In restricted, restrictedVolumes replaces hostPathVolumes and the restricted capability check the baseline one.
  assert.equal(admitPod({ [ENFORCE]: 'restricted' }, privilegedPod).reason,
    'violates PodSecurity "restricted:latest": host namespaces (hostNetwork=true, hostPID=true), hostPort (container "shell" uses hostPort 8080), ' +
    'privileged (container "shell" must not set securityContext.privileged=true), allowPrivilegeEscalation != false (container "shell" must set securityContext.allowPrivilegeEscalation=false), ' +
    'unrestricted capabilities (container "shell" must set securityContext.capabilities.drop=["ALL"]; container "shell" must not include "SYS_ADMIN" in securityContext.capabilities.add), ' +
    'restricted volume types (volume "root" uses restricted volume type "hostPath"), runAsNonRoot != true (pod or container "shell" must set securityContext.runAsNonRoot=true), ' +
    'seccompProfile (pod or container "shell" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")');
});

test('admitPod: a hardened pod passes restricted', () => {
  const pod: PodLike = {
    metadata: { name: 'ok' },
    spec: {
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{ name: 'c', image: 'nginx', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } } }],
      volumes: [{ name: 'v', configMap: { name: 'cm' } }],
    },
  };
  assert.deepEqual(admitPod({ [ENFORCE]: 'restricted' }, pod), { allowed: true, warnings: [], auditAnnotations: { 'pod-security.kubernetes.io/enforce-policy': 'restricted:latest' } });
});

test('admitPod: an unlabelled namespace is privileged', () => {
  const expected = { allowed: true, warnings: [], auditAnnotations: { 'pod-security.kubernetes.io/enforce-policy': 'privileged:latest' } };
  assert.deepEqual(admitPod(undefined, privilegedPod), expected);
  assert.deepEqual(admitPod({ [ENFORCE]: 'privileged', 'pod-security.kubernetes.io/enforce-version': 'v1.20' }, privilegedPod), expected);
});

test('admitPod: warn and audit modes warn and annotate without refusing', () => {
  const d = admitPod({ 'pod-security.kubernetes.io/warn': 'restricted', 'pod-security.kubernetes.io/audit': 'baseline', 'pod-security.kubernetes.io/audit-version': 'v1.30' }, privilegedPod);
  assert.equal(d.allowed, true);
  assert.equal(d.warnings.length, 1);
  assert.match(d.warnings[0], /^would violate PodSecurity "restricted:latest": host namespaces \(hostNetwork=true, hostPID=true\), /);
  assert.deepEqual(d.auditAnnotations, {
    'pod-security.kubernetes.io/enforce-policy': 'privileged:latest',
    'pod-security.kubernetes.io/audit-violations': `would violate PodSecurity "baseline:v1.30": ${PRIVILEGED_BASELINE}`,
  });
  // enforce=baseline also warns at baseline (warn follows a stricter enforce), but a refusal carries no warnings.
  const baselineOnly = admitPod({ [ENFORCE]: 'baseline' }, { metadata: { name: 'p' }, spec: { hostIPC: true, containers: [c('a')] } });
  assert.deepEqual(baselineOnly.warnings, []);
  assert.equal(baselineOnly.allowed, false);
  // enforce=baseline with warn=restricted: the pod passes baseline and is warned about restricted.
  const warned = admitPod({ [ENFORCE]: 'baseline', 'pod-security.kubernetes.io/warn': 'restricted' }, nginx);
  assert.deepEqual(warned, {
    allowed: true,
    warnings: [`would violate PodSecurity "restricted:latest": ${NGINX_RESTRICTED}`],
    auditAnnotations: { 'pod-security.kubernetes.io/enforce-policy': 'baseline:latest' },
  });
});

test('admitPod: bad labels fail closed for enforce, open for warn and audit, and are noted', () => {
  const d = admitPod({ [ENFORCE]: 'strict', 'pod-security.kubernetes.io/warn': 'loud' }, nginx);
  assert.equal(d.allowed, false);
  assert.equal(d.reason, `violates PodSecurity "restricted:latest": ${NGINX_RESTRICTED}`);
  assert.deepEqual(d.auditAnnotations, {
    'pod-security.kubernetes.io/error': 'Failed to parse policy: [metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted, ' +
      'metadata.labels[pod-security.kubernetes.io/warn]: Invalid value: "loud": must be one of privileged, baseline, restricted]',
    'pod-security.kubernetes.io/enforce-policy': 'restricted:latest',
  });
  const badVersion = admitPod({ 'pod-security.kubernetes.io/enforce-version': 'v2.0' }, nginx);
  assert.deepEqual(badVersion, {
    allowed: true, warnings: [],
    auditAnnotations: {
      'pod-security.kubernetes.io/error': 'Failed to parse policy: metadata.labels[pod-security.kubernetes.io/enforce-version]: Invalid value: "v2.0": must be "latest" or "v1.x"',
      'pod-security.kubernetes.io/enforce-policy': 'privileged:latest',
    },
  });
});

test('admitPod: exemptions and updates that change no image', () => {
  const labels = { [ENFORCE]: 'restricted' };
  assert.deepEqual(admitPod(labels, nginx, { exemptNamespaces: ['ns'] }), { allowed: true, warnings: [], auditAnnotations: { 'pod-security.kubernetes.io/exempt': 'namespace' } });
  assert.deepEqual(admitPod(labels, nginx, { exemptUsers: ['admin'], username: 'admin' }), { allowed: true, warnings: [], auditAnnotations: { 'pod-security.kubernetes.io/exempt': 'user' } });
  const kata: PodLike = { ...nginx, spec: { ...nginx.spec, runtimeClassName: 'kata' } as PodSpec };
  assert.deepEqual(admitPod(labels, kata, { exemptRuntimeClasses: ['kata'] }), { allowed: true, warnings: [], auditAnnotations: { 'pod-security.kubernetes.io/exempt': 'runtimeClass' } });
  // A label-only update of a violating pod (created before enforcement) is let through.
  const relabelled: PodLike = { metadata: { ...nginx.metadata, labels: { a: 'b' } }, spec: nginx.spec };
  assert.deepEqual(admitPod(labels, relabelled, { oldPod: nginx }), { allowed: true, warnings: [], auditAnnotations: {} });
  assert.deepEqual(admitPod(labels, nginx, { oldPod: nginx, subresource: 'status' }), { allowed: true, warnings: [], auditAnnotations: {} });
  // An image change, or an added ephemeral container, is judged.
  const newImage: PodLike = { metadata: nginx.metadata, spec: { containers: [{ name: 'nginx', image: 'nginx:2' }] } };
  assert.equal(admitPod(labels, newImage, { oldPod: nginx }).allowed, false);
  const debugged: PodLike = { metadata: nginx.metadata, spec: { ...nginx.spec, ephemeralContainers: [{ name: 'debug', image: 'busybox' }] } as PodSpec };
  assert.equal(isSignificantPodUpdate(debugged, nginx), true);
  assert.match(admitPod(labels, debugged, { oldPod: nginx, subresource: 'ephemeralcontainers' }).reason ?? '', /containers "nginx", "debug" must set securityContext.allowPrivilegeEscalation=false/);
});

// ---------------------------------------------------------------- admitPodController

test('admitPodController: warns and audits on the template, never refuses', () => {
  const labels = { [ENFORCE]: 'restricted', 'pod-security.kubernetes.io/audit': 'restricted' };
  const deployment = { kind: 'Deployment', metadata: { name: 'web', namespace: 'ns' }, spec: { template: nginx } };
  const expected = `would violate PodSecurity "restricted:latest": ${NGINX_RESTRICTED}`;
  assert.deepEqual(admitPodController(labels, deployment), {
    warnings: [expected],
    auditAnnotations: { 'pod-security.kubernetes.io/audit-violations': expected },
  });
  const cronJob = { kind: 'CronJob', metadata: { name: 'cj' }, spec: { jobTemplate: { spec: { template: privilegedPod } } } };
  assert.deepEqual(admitPodController({ 'pod-security.kubernetes.io/warn': 'baseline' }, cronJob).warnings,
    [`would violate PodSecurity "baseline:latest": ${PRIVILEGED_BASELINE}`]);
  for (const kind of ['ReplicaSet', 'DaemonSet', 'StatefulSet', 'Job', 'ReplicationController']) {
    assert.deepEqual(admitPodController({ 'pod-security.kubernetes.io/warn': 'baseline' }, { kind, metadata: { name: 'x' }, spec: { template: privilegedPod } }).warnings.length, 1, kind);
  }
  // Enforce alone (warn set below it) and scale/status writes say nothing; an RC without template neither.
  assert.deepEqual(admitPodController({ [ENFORCE]: 'restricted', 'pod-security.kubernetes.io/warn': 'privileged' }, deployment), { warnings: [], auditAnnotations: {} });
  assert.deepEqual(admitPodController(labels, deployment, { subresource: 'scale' }), { warnings: [], auditAnnotations: {} });
  assert.deepEqual(admitPodController(labels, { kind: 'ReplicationController', metadata: { name: 'rc' }, spec: {} }), { warnings: [], auditAnnotations: {} });
  assert.deepEqual(admitPodController(labels, deployment, { exemptNamespaces: ['ns'] }), { warnings: [], auditAnnotations: { 'pod-security.kubernetes.io/exempt': 'namespace' } });
});

// ---------------------------------------------------------------- labels

test('policyToEvaluate: defaults, warn following enforce, bad values', () => {
  const show = (labels?: Record<string, string>): string[] => {
    const { policy, errors } = policyToEvaluate(labels);
    return [`enforce=${levelVersionString(policy.enforce)} audit=${levelVersionString(policy.audit)} warn=${levelVersionString(policy.warn)}`, ...errors.map((e) => `${e.field}: ${e.message}`)];
  };
  assert.deepEqual(show(undefined), ['enforce=privileged:latest audit=privileged:latest warn=privileged:latest']);
  assert.deepEqual(show({ [ENFORCE]: 'baseline', 'pod-security.kubernetes.io/enforce-version': 'v1.24' }), ['enforce=baseline:v1.24 audit=privileged:latest warn=baseline:v1.24']);
  assert.deepEqual(show({ [ENFORCE]: 'baseline', 'pod-security.kubernetes.io/warn-version': 'v1.22' }), ['enforce=baseline:latest audit=privileged:latest warn=baseline:v1.22']);
  assert.deepEqual(show({ [ENFORCE]: 'restricted', 'pod-security.kubernetes.io/warn': 'baseline' }), ['enforce=restricted:latest audit=privileged:latest warn=baseline:latest']);
  assert.deepEqual(show({ [ENFORCE]: 'Restricted' }), [
    'enforce=restricted:latest audit=privileged:latest warn=privileged:latest',
    'metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "Restricted": must be one of privileged, baseline, restricted',
  ]);
  assert.deepEqual(show({ 'pod-security.kubernetes.io/audit': 'x', 'pod-security.kubernetes.io/audit-version': 'v1.01', 'pod-security.kubernetes.io/warn-version': '1.25' }), [
    'enforce=privileged:latest audit=privileged:latest warn=privileged:latest',
    'metadata.labels[pod-security.kubernetes.io/audit]: Invalid value: "x": must be one of privileged, baseline, restricted',
    'metadata.labels[pod-security.kubernetes.io/audit-version]: Invalid value: "v1.01": must be "latest" or "v1.x"',
    'metadata.labels[pod-security.kubernetes.io/warn-version]: Invalid value: "1.25": must be "latest" or "v1.x"',
  ]);
  assert.deepEqual(show({ 'pod-security.kubernetes.io/enforce-version': 'v1.0' }), ['enforce=privileged:v1.0 audit=privileged:latest warn=privileged:latest']);
});

// ---------------------------------------------------------------- namespaces

const pod = (name: string, spec: Partial<PodSpec>, controllerUid?: string): PodLike => ({
  metadata: { name, ...(controllerUid ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: controllerUid, controller: true }] } : {}) },
  spec: { containers: [c('c')], ...spec },
});

test('checkNamespaceLabels: bad labels are refused on create, and on update when they change', () => {
  const d = checkNamespaceLabels({ name: 'team', operation: 'CREATE', labels: { [ENFORCE]: 'bogus' } }, []);
  assert.equal(d.allowed, false);
  assert.equal(d.error?.code, 422);
  assert.equal(d.error?.message, 'Namespace "team" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "bogus": must be one of privileged, baseline, restricted');
  assert.deepEqual(d.error?.status.details, {
    name: 'team', kind: 'Namespace',
    causes: [{ reason: 'FieldValueInvalid', message: 'Invalid value: "bogus": must be one of privileged, baseline, restricted', field: 'metadata.labels[pod-security.kubernetes.io/enforce]' }],
  });
  const two = checkNamespaceLabels({ name: 'team', operation: 'UPDATE', labels: { [ENFORCE]: 'bogus', 'pod-security.kubernetes.io/warn-version': 'v2' }, oldLabels: {} }, []);
  assert.equal(two.error?.message, 'Namespace "team" is invalid: [metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "bogus": must be one of privileged, baseline, restricted, ' +
    'metadata.labels[pod-security.kubernetes.io/warn-version]: Invalid value: "v2": must be "latest" or "v1.x"]');
  // The same bad label as before: the namespace can still be updated.
  const kept = checkNamespaceLabels({ name: 'team', operation: 'UPDATE', labels: { [ENFORCE]: 'bogus', other: 'x' }, oldLabels: { [ENFORCE]: 'bogus' } }, () => assert.fail('no pods listed'));
  assert.deepEqual(kept, { allowed: true, warnings: [] });
  assert.deepEqual(checkNamespaceLabels({ name: 'team', operation: 'CREATE', labels: { [ENFORCE]: 'restricted' } }, []), { allowed: true, warnings: [] });
});

test('checkNamespaceLabels: a stricter enforce level lists the existing pods that violate it', () => {
  const pods = [
    pod('web-b', {}, 'rs1'), pod('web-a', {}, 'rs1'), pod('web-c', {}, 'rs1'),
    pod('node-agent', { hostNetwork: true, containers: [sc('c', { privileged: true })] }),
    pod('solo', {}),
  ];
  const d = checkNamespaceLabels({ name: 'team', operation: 'UPDATE', labels: { [ENFORCE]: 'restricted' }, oldLabels: { [ENFORCE]: 'baseline' } }, () => pods);
  assert.deepEqual(d, {
    allowed: true,
    warnings: [
      'existing pods in namespace "team" violate the new PodSecurity enforce level "restricted:latest"',
      'node-agent: host namespaces, privileged, allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile',
      'solo (and 3 other pods): allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile',
    ],
  });
  const baseline = checkNamespaceLabels({ name: 'team', operation: 'UPDATE', labels: { [ENFORCE]: 'baseline' }, oldLabels: {} }, pods);
  assert.deepEqual(baseline.warnings, [
    'existing pods in namespace "team" violate the new PodSecurity enforce level "baseline:latest"',
    'node-agent: host namespaces, privileged',
  ]);
  const two = checkNamespaceLabels({ name: 'team', operation: 'UPDATE', labels: { [ENFORCE]: 'restricted' }, oldLabels: {} }, [pod('b', {}), pod('a', {})]);
  assert.deepEqual(two.warnings.slice(1), ['a (and 1 other pod): allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile']);
});

test('checkNamespaceLabels: the pods checked are capped, one per controller first', () => {
  const pods = [pod('r1', {}, 'rs'), pod('r2', {}, 'rs'), pod('r3', {}, 'rs'), pod('host', { hostPID: true })];
  const d = checkNamespaceLabels({ name: 'team', operation: 'UPDATE', labels: { [ENFORCE]: 'baseline' }, oldLabels: {} }, pods, { maxPodsToCheck: 2 });
  assert.deepEqual(d.warnings, [
    'new PodSecurity enforce level only checked against the first 2 of 4 existing pods',
    'existing pods in namespace "team" violate the new PodSecurity enforce level "baseline:latest"',
    'host: host namespaces',
  ]);
  // Out of time after the first pod.
  let t = 0;
  const timed = checkNamespaceLabels({ name: 'team', operation: 'UPDATE', labels: { [ENFORCE]: 'baseline' }, oldLabels: {} },
    [pod('host', { hostPID: true }), pod('net', { hostNetwork: true })], { now: () => (t += 1100) });
  assert.deepEqual(timed.warnings, [
    'new PodSecurity enforce level only checked against the first 1 of 2 existing pods',
    'existing pods in namespace "team" violate the new PodSecurity enforce level "baseline:latest"',
    'host: host namespaces',
  ]);
});

test('checkNamespaceLabels: no dry run when enforcement is unchanged, privileged or relaxed; exempt namespaces are told', () => {
  const never = (): never => assert.fail('pods should not be listed');
  const update = (labels: Record<string, string>, oldLabels: Record<string, string>, opts = {}) =>
    checkNamespaceLabels({ name: 'kube-system', operation: 'UPDATE', labels, oldLabels }, never, opts);
  assert.deepEqual(update({ [ENFORCE]: 'restricted', a: 'b' }, { [ENFORCE]: 'restricted' }), { allowed: true, warnings: [] });
  assert.deepEqual(update({ [ENFORCE]: 'privileged' }, { [ENFORCE]: 'restricted' }), { allowed: true, warnings: [] });
  assert.deepEqual(update({ [ENFORCE]: 'baseline' }, { [ENFORCE]: 'restricted' }), { allowed: true, warnings: [] });
  assert.deepEqual(update({ [ENFORCE]: 'restricted' }, {}, { exemptNamespaces: ['kube-system'] }), {
    allowed: true, warnings: ['namespace "kube-system" is exempt from Pod Security, and the policy (enforce=restricted:latest) will be ignored'],
  });
  assert.deepEqual(checkNamespaceLabels({
    name: 'kube-system', operation: 'CREATE',
    labels: { [ENFORCE]: 'restricted', 'pod-security.kubernetes.io/enforce-version': 'v1.0', 'pod-security.kubernetes.io/audit': 'restricted', 'pod-security.kubernetes.io/warn': 'baseline' },
  }, [], { exemptNamespaces: ['kube-system'] }).warnings, [
    'namespace "kube-system" is exempt from Pod Security, and the policy (enforce=restricted:v1.0, audit=restricted:latest, warn=baseline:latest) will be ignored',
  ]);
});
