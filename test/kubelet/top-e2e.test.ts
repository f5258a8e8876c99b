// Resource metrics end to end: a real kubelet samples a busy pod (a shell loop, held to
// 400m and 32Mi) and an idle one through Docker, serves /metrics/resource and
// /stats/summary behind its auth filter, metrics-server (its own process, behind the
// APIService v1beta1.metrics.k8s.io the apiserver proxies to) scrapes it with its own
// identity, and the real `kubectl top` (and ours) show the busy pod well above the idle
// one and the node with its usage.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Agent, request } from 'undici';
import type { Node } from '../../api/types/core.js';
import { ensureLocalImages, LOCAL_BUSYBOX_IMAGE } from '../../scripts/images.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { startControllerManager, type ControllerManagerHandle } from '../harness/controllers.js';
import { as, certificate } from '../harness/identity.js';
import { http } from '../harness/http.js';
import { kubectl, kubectlRun } from '../harness/kubectl.js';
import { podApi, startKubelet, type KubeletHandle } from '../harness/kubelet.js';
import { startMetricsServer, type MetricsServerHandle } from '../harness/metrics-server.js';
import { waitFor } from '../harness/processes.js';
import { tskubectlRun } from '../harness/tskubectl.js';

/** millicores of a "123m" cell. */
const millis = (cell: string): number => {
  assert.match(cell, /^\d+m$/);
  return Number(cell.slice(0, -1));
};
/** The rows of a top table, split on whitespace, keyed by their first cell. */
const rowsOf = (text: string): Map<string, string[]> =>
  new Map(text.trim().split('\n').slice(1).map((l) => l.trim().split(/\s+/)).map((cells) => [cells[0], cells]));

describe('kubectl top with a real kubelet', { timeout: 300_000 }, () => {
  let cp: ControlPlane;
  let kubelet: KubeletHandle;
  let controllers: ControllerManagerHandle | undefined;
  let metricsServer: MetricsServerHandle | undefined;
  const api = podApi(() => cp, () => kubelet);
  // Requests equal to limits: the busy loop gets its 400m's CPU weight on a loaded machine, and no more than 400m.
  const limits = (cpu: string) => ({ limits: { cpu, memory: '32Mi' }, requests: { cpu, memory: '32Mi' } });

  before(async () => {
    await ensureLocalImages();
    cp = await startControlPlane({ args: ['--enable-aggregator-routing'] });
    kubelet = await startKubelet(cp, { name: 'metrics-top', cidr: '10.250.0.0/16', args: ['--housekeeping-interval', '1s'] });
    metricsServer = await startMetricsServer(cp, { resolution: '2s' });
    await api.create('busy', { containers: [{ name: 'spin', image: LOCAL_BUSYBOX_IMAGE, command: ['sh', '-c', 'while :; do :; done'], resources: limits('400m') }] }, { labels: { load: 'busy' } });
    await api.create('idle', {
      containers: [
        { name: 'sleep', image: LOCAL_BUSYBOX_IMAGE, command: ['sleep', '3600'], resources: limits('100m') },
        { name: 'sidecar', image: LOCAL_BUSYBOX_IMAGE, command: ['sleep', '3600'], resources: limits('100m') },
      ],
    }, { labels: { load: 'idle' } });
    await api.wait('busy', 'running', (p) => p.status?.phase === 'Running');
    await api.wait('idle', 'running', (p) => p.status?.phase === 'Running' && (p.status.containerStatuses ?? []).every((c) => c.state?.running));
    // The ClusterRole aggregation controller fills view from system:aggregated-metrics-reader.
    controllers = await startControllerManager(cp, ['--controllers', 'clusterrole-aggregation']);
  });
  after(async () => {
    try { await controllers?.stop(); await metricsServer?.stop(); await kubelet?.cleanup(); } finally { await cp?.stop(); }
  });

  it('the kubelet serves /metrics/resource and /stats/summary to whom may read nodes/metrics and nodes/stats', async () => {
    const node = (await http(cp.url, 'GET', `/api/v1/nodes/${kubelet.nodeName}`)).json as Node;
    const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
    const get = async (path: string, user: string, groups: string[] = []): Promise<{ status: number; text: string }> => {
      const agent = new Agent({ connect: { ...await certificate(cp, user, groups), rejectUnauthorized: false } });
      try {
        const res = await request(`https://127.0.0.1:${port}${path}`, { dispatcher: agent });
        return { status: res.statusCode, text: await res.body.text() };
      } finally {
        await agent.close();
      }
    };
    let metrics = '';
    await waitFor(async () => {
      const r = await get('/metrics/resource', 'admin', ['system:masters']);
      metrics = r.text;
      // The kubelet answers from its last housekeeping pass (every second here): wait for one that saw every container.
      return r.status === 200 && /container_cpu_usage_seconds_total\{container="spin",namespace="default",pod="busy"\} /.test(r.text)
        && /container_cpu_usage_seconds_total\{container="sidecar",namespace="default",pod="idle"\} /.test(r.text);
    }, { timeoutMs: 20_000, what: 'every container in /metrics/resource' });
    assert.match(metrics, /^# HELP container_cpu_usage_seconds_total \[STABLE\] Cumulative cpu time consumed by the container in core-seconds\n# TYPE container_cpu_usage_seconds_total counter\n/);
    assert.match(metrics, /\ncontainer_memory_working_set_bytes\{container="sidecar",namespace="default",pod="idle"\} [0-9.e+]+ \d{13}\n/);
    assert.match(metrics, /\nnode_cpu_usage_seconds_total [0-9.e+]+ \d{13}\n/);
    assert.match(metrics, /\nnode_memory_working_set_bytes [0-9.e+]+ \d{13}\n/);
    assert.match(metrics, /\npod_cpu_usage_seconds_total\{namespace="default",pod="idle"\} [0-9.e+]+ \d{13}\n/);
    assert.match(metrics, /\npod_memory_working_set_bytes\{namespace="default",pod="busy"\} [0-9.e+]+ \d{13}\n/);
    assert.match(metrics, /\nresource_scrape_error 0\n$/);

    const summary = await get('/stats/summary', 'admin', ['system:masters']);
    assert.equal(summary.status, 200);
    const s = JSON.parse(summary.text) as { node: { nodeName: string; cpu: { usageCoreNanoSeconds: number; usageNanoCores?: number }; memory: { workingSetBytes: number } }; pods: { podRef: { name: string }; containers: { name: string; cpu: { usageNanoCores?: number } }[] }[] };
    assert.equal(s.node.nodeName, kubelet.nodeName);
    assert.ok(s.node.cpu.usageCoreNanoSeconds > 0 && s.node.memory.workingSetBytes > 0);
    const busy = s.pods.find((p) => p.podRef.name === 'busy');
    assert.ok(busy && busy.containers[0].name === 'spin');

    const denied = await get('/stats/summary', 'nobody');
    assert.equal(denied.status, 403);
    assert.equal(denied.text, 'Forbidden (user=nobody, verb=get, resource=nodes, subresource(s)=[stats])\n');
    assert.equal((await get('/metrics/resource', 'nobody')).text, 'Forbidden (user=nobody, verb=get, resource=nodes, subresource(s)=[metrics])\n');
  });

  it('the real kubectl top pods shows the busy pod well above the idle one', async () => {
    let out = '';
    await waitFor(async () => {
      const r = await kubectlRun(cp, ['top', 'pods']);
      out = r.stdout;
      const rows = rowsOf(out);
      return r.code === 0 && rows.has('busy') && rows.has('idle') && millis(rows.get('busy')![1]) > 200;
    }, { timeoutMs: 40_000, intervalMs: 1000, what: `busy and idle in kubectl top pods (last: ${out})` });
    assert.match(out, /^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*\n/);
    const rows = rowsOf(out);
    assert.ok(millis(rows.get('busy')![1]) > 200, out);
    assert.ok(millis(rows.get('idle')![1]) < 50, out);
    assert.match(rows.get('busy')![2], /^\d+Mi$/);
    assert.ok(Number(rows.get('busy')![2].slice(0, -2)) <= 32, out);

    // --containers, -l, --sort-by, --no-headers, -A.
    const containers = await kubectl(cp, 'top', 'pods', 'idle', '--containers');
    assert.match(containers, /^POD\s+NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*\nidle\s+sidecar\s+\d+m\s+\d+Mi\s*\nidle\s+sleep\s+\d+m\s+\d+Mi\s*\n$/);
    assert.match(await kubectl(cp, 'top', 'pods', '-l', 'load=busy', '--no-headers'), /^busy\s+\d+m\s+\d+Mi\s*\n$/);
    assert.match(await kubectl(cp, 'top', 'pods', '--sort-by', 'cpu', '--no-headers'), /^busy\s.*\nidle\s.*\n$/);
    assert.match(await kubectl(cp, 'top', 'pods', '-A'), /^NAMESPACE\s+NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*\ndefault\s+busy\s.*\ndefault\s+idle\s.*\n$/);
    const missing = await kubectlRun(cp, ['top', 'pods', '-n', 'kube-system']);
    assert.equal(missing.stderr, 'No resources found in kube-system namespace.\n');
  });

  it('the real kubectl top nodes lists the node with its usage and share of allocatable', async () => {
    const out = await kubectl(cp, 'top', 'nodes');
    assert.match(out, /^NAME\s+CPU\(cores\)\s+CPU\(%\)\s+MEMORY\(bytes\)\s+MEMORY\(%\)\s*\n/);
    const row = rowsOf(out).get(kubelet.nodeName);
    assert.ok(row, out);
    assert.ok(millis(row[1]) > 0, out);
    assert.match(row[2], /^\d+%$/);
    assert.match(row[3], /^[1-9]\d*Mi$/);
    assert.match(row[4], /^\d+%$/);
  });

  it('our top prints what the real kubectl prints', async () => {
    // Both read the same stored scrape when run back to back within one resolution; compare the layout and names.
    const shape = (s: string): string => s.replace(/\d+(m|Mi|%)/g, 'N$1').replace(/ +/g, ' ');
    for (const args of [['top', 'pods'], ['top', 'pods', '--containers', '-A'], ['top', 'nodes'], ['top', 'node', kubelet.nodeName, '--no-headers'],
      ['top', 'pods', '-l', 'load=idle', '--no-headers', '--sum'], ['top', 'pod', 'busy', '--containers', '--sort-by', 'memory']]) {
      const theirs = await kubectlRun(cp, args);
      const ours = await tskubectlRun(cp, args);
      assert.equal(ours.code, theirs.code, `${args.join(' ')}: ${ours.stderr}`);
      assert.equal(shape(ours.stdout), shape(theirs.stdout), args.join(' '));
    }
    // A later window than kubectl's: on a loaded machine it may take a window or two to see the loop's share again.
    let ours = new Map<string, string[]>();
    await waitFor(async () => {
      ours = rowsOf((await tskubectlRun(cp, ['top', 'pods'])).stdout);
      return millis(ours.get('busy')![1]) > 200;
    }, { timeoutMs: 30_000, intervalMs: 1000, what: 'the busy pod above 200m in our top' });
    assert.ok(millis(ours.get('idle')![1]) < 50);
  });

  it('the Metrics API: discovery, objects in metrics-server\'s shape, selectors, errors', async () => {
    assert.match(await kubectl(cp, 'get', 'apiservice', 'v1beta1.metrics.k8s.io'), /\nv1beta1\.metrics\.k8s\.io\s+kube-system\/metrics-server\s+True\s+\d+s\n$/);
    const groups = (await http(cp.url, 'GET', '/apis')).json as { groups: { name: string; preferredVersion: { groupVersion: string } }[] };
    assert.deepEqual(groups.groups.find((g) => g.name === 'metrics.k8s.io')?.preferredVersion, { groupVersion: 'metrics.k8s.io/v1beta1', version: 'v1beta1' });
    assert.match(await kubectl(cp, 'api-resources', '--api-group', 'metrics.k8s.io'),
      /^NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND\s*\nnodes\s+metrics\.k8s\.io\/v1beta1\s+false\s+NodeMetrics\s*\npods\s+metrics\.k8s\.io\/v1beta1\s+true\s+PodMetrics\s*\n$/);

    const pod = (await http(cp.url, 'GET', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/busy')).json as
      { kind: string; apiVersion: string; metadata: { name: string; labels: Record<string, string> }; timestamp: string; window: string; containers: { name: string; usage: { cpu: string; memory: string } }[] };
    assert.equal(pod.kind, 'PodMetrics');
    assert.equal(pod.apiVersion, 'metrics.k8s.io/v1beta1');
    assert.deepEqual(pod.metadata.labels, { load: 'busy' });
    assert.match(pod.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.match(pod.window, /^\d+(\.\d+)?m?s$/);
    assert.equal(pod.containers[0].name, 'spin');
    assert.match(pod.containers[0].usage.cpu, /^\d+(n|u|m)?$/);
    assert.match(pod.containers[0].usage.memory, /^\d+(Ki|Mi)?$/);

    const list = (await http(cp.url, 'GET', '/apis/metrics.k8s.io/v1beta1/pods?labelSelector=load%3Didle')).json as { kind: string; items: { metadata: { name: string } }[] };
    assert.equal(list.kind, 'PodMetricsList');
    assert.deepEqual(list.items.map((i) => i.metadata.name), ['idle']);
    const byName = (await http(cp.url, 'GET', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?fieldSelector=metadata.name%3Dbusy')).json as { items: { metadata: { name: string } }[] };
    assert.deepEqual(byName.items.map((i) => i.metadata.name), ['busy']);
    const nodes = (await http(cp.url, 'GET', '/apis/metrics.k8s.io/v1beta1/nodes')).json as { kind: string; items: { metadata: { name: string }; usage: { cpu: string } }[] };
    assert.equal(nodes.kind, 'NodeMetricsList');
    assert.deepEqual(nodes.items.map((i) => i.metadata.name), [kubelet.nodeName]);

    // kubectl get asks for a Table: metrics-server's columns.
    assert.match(await kubectl(cp, 'get', 'pods.metrics.k8s.io', 'busy'), /^NAME\s+CPU\s+MEMORY\s+WINDOW\s*\nbusy\s+\d+(n|u|m)?\s+\d+(Ki|Mi)?\s+\d+(\.\d+)?m?s\s*\n$/);
    assert.match(await kubectl(cp, 'get', 'nodes.metrics.k8s.io'), new RegExp(`^NAME\\s+CPU\\s+MEMORY\\s+WINDOW\\s*\\n${kubelet.nodeName}\\s`));

    const gone = await http(cp.url, 'GET', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nosuch');
    assert.equal(gone.status, 404);
    assert.equal((gone.json as { message: string }).message, 'pods "nosuch" not found');
    assert.equal(((await http(cp.url, 'GET', '/apis/metrics.k8s.io/v1beta1/nodes/nosuch')).json as { message: string }).message, 'node "nosuch" not found');
    assert.equal((await http(cp.url, 'DELETE', '/apis/metrics.k8s.io/v1beta1/nodes/x')).status, 405);
    assert.equal((await http(cp.url, 'GET', '/apis/metrics.k8s.io/v1beta1/pods?labelSelector=a%20in%20(')).status, 400);

    // A pod that has not run yet (bound to a node with no kubelet) has no metrics: kubectl says why.
    assert.equal((await http(cp.url, 'POST', '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'fresh', labels: { load: 'fresh' } },
      spec: { nodeName: 'metrics-nowhere', containers: [{ name: 'main', image: LOCAL_BUSYBOX_IMAGE }] },
    })).status, 201);
    const fresh = await kubectlRun(cp, ['top', 'pods', '-l', 'load=fresh']);
    assert.equal(fresh.code, 1);
    assert.equal(fresh.stderr, 'error: metrics not available yet\n');
    const ours = await tskubectlRun(cp, ['top', 'pods', '-l', 'load=fresh']);
    assert.equal(ours.stderr, 'error: metrics not available yet\n');
    assert.equal(ours.code, 1);
    const named = await kubectlRun(cp, ['top', 'pod', 'fresh']);
    assert.equal(named.stderr, 'Error from server (NotFound): podmetrics.metrics.k8s.io "default/fresh" not found\n');
    assert.equal((await tskubectlRun(cp, ['top', 'pod', 'fresh'])).stderr, named.stderr);
    assert.equal((await tskubectlRun(cp, ['top', 'pods', '--sort-by', 'name'])).stderr, 'error: --sort-by accepts only cpu or memory\n');
  });

  it('who may view may read pods\' metrics (system:aggregated-metrics-reader aggregates into view)', async () => {
    const role = (await http(cp.url, 'GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles/system:aggregated-metrics-reader')).json as { metadata: { labels: Record<string, string> }; rules: unknown[] };
    assert.equal(role.metadata.labels['rbac.authorization.k8s.io/aggregate-to-view'], 'true');
    assert.deepEqual(role.rules, [{ apiGroups: ['metrics.k8s.io'], resources: ['nodes', 'pods'], verbs: ['get', 'list', 'watch'] }]);
    assert.equal((await http(cp.url, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'viewer-views' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'viewer' }],
    })).status, 201);
    const viewer = as(cp, await certificate(cp, 'viewer'));
    try {
      await waitFor(async () => (await viewer('GET', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods')).status === 200, { timeoutMs: 10_000, what: 'the viewer to read pod metrics' });
      const nodes = await viewer('GET', '/apis/metrics.k8s.io/v1beta1/nodes');
      assert.equal(nodes.status, 403);
      assert.equal((nodes.json as { message: string }).message, 'nodes.metrics.k8s.io is forbidden: User "viewer" cannot list resource "nodes" in API group "metrics.k8s.io" at the cluster scope');
    } finally {
      await viewer.close();
    }
  });
});
