// The Kubernetes docs' "kubectl Quick Reference" page, walked command by command against
// one running cluster (control plane, scheduler, controller manager, metrics-server and
// a real kubelet on Docker), once with the real kubectl and once with ours, each side in
// its own namespace, kubeconfig, node and folder. Every command runs as the page writes
// it, in bash (pipes and here-documents included), with only what cannot run here
// adapted: local image names instead of public ones, a local URL instead of
// example.com, free ports instead of 5000. The two sides must agree on the exit status
// and on the significant part of the output (walk.ts says what each comparison keeps).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { ensureLocalImages } from '../../scripts/images.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { startControllerManager, startScheduler, type ControllerManagerHandle } from '../harness/controllers.js';
import { freePort } from '../harness/free-port.js';
import { http } from '../harness/http.js';
import { startKubelet, type KubeletHandle } from '../harness/kubelet.js';
import { startMetricsServer, type MetricsServerHandle } from '../harness/metrics-server.js';
import { waitFor, type ChildHandle } from '../harness/processes.js';
import { BUSYBOX, clusterObjects, fakeNode, IMAGE_TAGS, myNamespaceObjects, namespaceObjects, SERVER, writeFiles } from './quick-reference/fixtures.js';
import { makeTool, runStep, significant, type Step, type Tool } from './quick-reference/walk.js';

const run = promisify(execFile);

let cp: ControlPlane;
let kubelet: KubeletHandle;
let scheduler: ChildHandle;
let cm: ControllerManagerHandle;
let metrics: MetricsServerHandle;
let base = '';
let sides: Tool[] = [];
let web: Server;
let webPort = 0;
const ports: number[] = [];

interface Pod { metadata: { name: string; deletionTimestamp?: string }; status?: { phase?: string } }

async function podsOf(ns: string): Promise<Pod[]> {
  const r = await http(cp.url, 'GET', `/api/v1/namespaces/${ns}/pods`);
  return (r.json as { items: Pod[] }).items;
}

/** Waits until no pod of either side is starting or stopping, so reads see the same state. */
async function settle(): Promise<void> {
  await waitFor(async () => {
    for (const t of sides) {
      const pods = await podsOf(t.ns);
      if (pods.some((p) => p.metadata.deletionTimestamp)) return false;
    }
    return true;
  }, { timeoutMs: 60_000, what: 'the pods of both sides to settle' });
}

/** Runs the steps on both sides, in order, and lists every disagreement. */
async function walk(steps: Step[]): Promise<void> {
  const failures: string[] = [];
  for (const step of steps) {
    const results = [];
    for (const tool of sides) {
      await step.before?.(tool);
      const outcome = await runStep(step, tool);
      results.push({ tool, outcome, seen: await significant(outcome, sides, step.compare ?? 'exact') });
    }
    const [theirs, ours] = results;
    try {
      assert.deepEqual(ours!.seen, theirs!.seen);
    } catch {
      failures.push(`$ ${step.run}\n  kubectl:   ${JSON.stringify(theirs!.seen)}\n  tskubectl: ${JSON.stringify(ours!.seen)}\n  (raw tskubectl stderr: ${JSON.stringify(ours!.outcome.stderr.slice(0, 400))})`);
    }
  }
  assert.equal(failures.length, 0, `${failures.length} of ${steps.length} commands differ:\n\n${failures.join('\n\n')}`);
}

const port = (i: number): string => String(ports[i]);

describe('the kubectl Quick Reference, with kubectl and with tskubectl', { timeout: 900_000 }, () => {
  before(async () => {
    await ensureLocalImages({ log: () => undefined });
    for (const tag of IMAGE_TAGS) await run('docker', ['tag', BUSYBOX, tag]);
    cp = await startControlPlane({ args: ['--enable-aggregator-routing'], serviceAccountAdmission: true });
    kubelet = await startKubelet(cp, { name: 'quickref', cidr: '10.238.0.0/16', args: ['--housekeeping-interval', '2s'] });
    scheduler = startScheduler(cp, [], 'quickref');
    cm = await startControllerManager(cp, [], 'quickref');
    metrics = await startMetricsServer(cp, { resolution: '2s' });
    base = await mkdtemp(join(tmpdir(), 'tskube-quickref-'));
    sides = [
      await makeTool('kubectl', base, cp.kubeconfig, 'qr-kube', 'qr-node-kube'),
      await makeTool('tskubectl', base, cp.kubeconfig, 'qr-ours', 'qr-node-ours'),
    ];
    for (let i = 0; i < 6; i++) ports.push(await freePort());
    // The page's https://example.com/manifest.yaml, served here.
    web = createServer((_req, res) => res.end('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: url-cm\ndata:\n  from: url\n'));
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    webPort = (web.address() as { port: number }).port;
    for (const t of sides) {
      await http(cp.url, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: t.ns } });
      await http(cp.url, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: t.myns } });
      await http(cp.url, 'POST', '/api/v1/nodes', fakeNode(t.node));
      await writeFiles(t);
    }
    await applyDoc(clusterObjects());
    for (const t of sides) {
      await applyDoc(namespaceObjects(), t.ns);
      await applyDoc(myNamespaceObjects(), t.myns);
    }
    await waitFor(async () => {
      for (const t of sides) {
        const pods = await podsOf(t.ns);
        const want = ['my-pod', 'valid-pod', 'mypod', 'unwanted', 'baz', 'foo'];
        if (!want.every((n) => pods.some((p) => p.metadata.name === n && p.status?.phase === 'Running'))) return false;
        if (!pods.some((p) => p.metadata.name.startsWith('my-deployment-') && p.status?.phase === 'Running')) return false;
        if (!pods.some((p) => p.metadata.name.startsWith('frontend-') && p.status?.phase === 'Running')) return false;
      }
      return true;
    }, { timeoutMs: 180_000, what: 'the fixtures of both sides to run' });
  });

  after(async () => {
    web?.close();
    try {
      await metrics?.stop();
      await cm?.stop();
      await scheduler?.stop();
      await kubelet?.cleanup();
    } finally {
      await cp?.stop();
      for (const tag of IMAGE_TAGS) await run('docker', ['rmi', tag]).catch(() => undefined);
      if (base) await rm(base, { recursive: true, force: true });
    }
  });

  async function applyDoc(doc: unknown, ns?: string): Promise<void> {
    const { spawn } = await import('node:child_process');
    await new Promise<void>((resolve, reject) => {
      const child = spawn('kubectl', ['apply', ...(ns ? ['-n', ns] : []), '-f', '-'], { env: { ...process.env, KUBECONFIG: cp.kubeconfig, HOME: cp.dir } });
      let err = '';
      child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`kubectl apply: ${err}`))));
      child.stdin.end(JSON.stringify(doc));
    });
  }

  it('autocomplete', async () => {
    await walk([
      // Sourced, the script registers one completion function (named for the CLI's own name).
      { run: 'source <(kubectl completion bash) && complete -p | grep -c " -F __start_"', compare: 'exact' },
      { run: 'kubectl completion zsh | head -c 0', compare: 'exact' },
      { run: 'kubectl -A get ns {ns}', compare: 'exact' },
    ]);
  });

  it('context and configuration', async () => {
    const scratch = { env: { KUBECONFIG: './scratch.conf' } };
    const copy = async (t: Tool): Promise<void> => {
      const { writeFile } = await import('node:fs/promises');
      await writeFile(join(t.dir, 'scratch.conf'), await readFile(t.kubeconfig));
    };
    await walk([
      { run: 'kubectl config view' },
      { run: 'KUBECONFIG=~/.kube/config:~/.kube/kubconfig2 kubectl config view' },
      { run: 'kubectl config view --raw', compare: 'shape' },
      { run: `kubectl config view -o jsonpath='{.users[?(@.name == "e2e")].user.password}'` },
      { run: 'kubectl config view -o jsonpath=\'{.users[].name}\'' },
      { run: 'kubectl config view -o jsonpath=\'{.users[*].name}\'' },
      { run: 'kubectl config get-contexts' },
      { run: 'kubectl config get-contexts -o name' },
      { run: 'kubectl config current-context' },
      { run: 'kubectl config use-context my-cluster-name', ...scratch, before: copy },
      { run: 'kubectl config set-cluster my-cluster-name && kubectl config view', ...scratch },
      { run: 'kubectl config set-cluster my-cluster-name --proxy-url=my-proxy-url && kubectl config view', ...scratch },
      { run: 'kubectl config set-credentials kubeuser/foo.kubernetes.com --username=kubeuser --password=kubepassword && kubectl config view', ...scratch },
      { run: 'kubectl config set-context --current --namespace=ggckad-s2 && kubectl config view --minify', ...scratch },
      { run: 'kubectl config set-context gce --user=cluster-admin --namespace=foo && kubectl config use-context gce', ...scratch },
      { run: 'kubectl config unset users.foo', ...scratch },
      { run: 'kubectl config view --minify | grep namespace | cut -d" " -f6', ...scratch },
    ]);
  });

  it('creating objects', async () => {
    await walk([
      { run: 'kubectl apply -f ./my-manifest.yaml' },
      { run: 'kubectl apply -f ./my1.yaml -f ./my2.yaml' },
      { run: 'kubectl apply -f ./dir' },
      { run: `kubectl apply -f http://127.0.0.1:${webPort}/manifest.yaml` },
      { run: `kubectl create deployment nginx --image=${SERVER}` },
      { run: `kubectl create job hello --image=${BUSYBOX} -- echo "Hello World"` },
      { run: `kubectl create cronjob hello --image=${BUSYBOX}   --schedule="*/1 * * * *" -- echo "Hello World"` },
      { run: 'kubectl explain pods' },
      {
        run: `kubectl apply -f - <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: busybox-sleep
spec:
  containers:
  - name: busybox
    image: ${BUSYBOX}
    args:
    - sleep
    - "1000000"
---
apiVersion: v1
kind: Pod
metadata:
  name: busybox-sleep-less
spec:
  containers:
  - name: busybox
    image: ${BUSYBOX}
    args:
    - sleep
    - "1000"
EOF`,
      },
      {
        run: `kubectl apply -f - <<EOF
apiVersion: v1
kind: Secret
metadata:
  name: mysecret
type: Opaque
data:
  password: $(echo -n "s33msi4" | base64 -w0)
  username: $(echo -n "jane" | base64 -w0)
EOF`,
      },
    ]);
    // Not a step of the page: the CronJob "hello" made above runs a Job every minute, whose
    // pod would appear (or, past the history limit, go) between the two sides' runs of
    // the `get pods -A` steps below. Suspended, it makes no more.
    for (const t of sides) {
      const r = await http(cp.url, 'PATCH', `/apis/batch/v1/namespaces/${t.ns}/cronjobs/hello`, { spec: { suspend: true } }, 'application/merge-patch+json');
      assert.equal(r.status, 200, r.text);
    }
  });

  it('viewing and finding resources', async () => {
    await settle();
    await walk([
      { run: 'kubectl get services' },
      { run: 'kubectl get pods --all-namespaces', compare: 'header', before: settle },
      { run: 'kubectl get pods -o wide', compare: 'header' },
      { run: 'kubectl get deployment my-dep' },
      { run: 'kubectl get deployment frontend' },
      { run: 'kubectl get pods', compare: 'header' },
      { run: 'kubectl get pod my-pod -o yaml', compare: 'shape' },
      { run: 'kubectl describe nodes {node}', compare: 'keys' },
      { run: 'kubectl describe pods my-pod', compare: 'keys' },
      { run: 'kubectl get services --sort-by=.metadata.name' },
      { run: "kubectl get pods --sort-by='.status.containerStatuses[0].restartCount'", compare: 'header' },
      { run: 'kubectl get pv --sort-by=.spec.capacity.storage' },
      { run: "kubectl get pods --selector=app=cassandra -o \\\n  jsonpath='{.items[*].metadata.labels.version}'" },
      { run: "kubectl get configmap myconfig \\\n  -o jsonpath='{.data.ca\\.crt}'" },
      { run: `kubectl get secret my-secret --template='{{index .data "key-name-with-dashes"}}'` },
      { run: "kubectl get node --selector='!node-role.kubernetes.io/control-plane' -l quickref/fake" },
      { run: 'kubectl get pods --field-selector=status.phase=Running --no-headers | wc -l' },
      { run: `kubectl get nodes -o jsonpath='{.items[*].status.addresses[?(@.type=="ExternalIP")].address}'` },
      { run: 'kubectl get rc my-rc --output=json', compare: 'shape' },
      { run: 'echo $(kubectl get pods --selector=app=rc-my-rc --output=jsonpath={.items..metadata.name})' },
      { run: 'kubectl get pods --show-labels', compare: 'header' },
      { run: `JSONPATH='{range .items[*]}{@.metadata.name}:{range @.status.conditions[*]}{@.type}={@.status};{end}{end}' \\\n && kubectl get nodes -l quickref/fake -o jsonpath="$JSONPATH" | grep -c "Ready=True"` },
      { run: `kubectl get node -o custom-columns='NODE_NAME:.metadata.name,STATUS:.status.conditions[?(@.type=="Ready")].status' -l quickref/fake` },
      { run: `kubectl get secret my-secret -o go-template='{{range $k,$v := .data}}{{"### "}}{{$k}}{{"\\n"}}{{$v|base64decode}}{{"\\n\\n"}}{{end}}'` },
      { run: 'kubectl get pods -o json | grep -c secretKeyRef' },
      { run: `kubectl get pods --all-namespaces -o jsonpath='{range .items[*].status.initContainerStatuses[*]}{.containerID}{"\\n"}{end}' | cut -d/ -f3` },
      { run: 'kubectl get events --sort-by=.metadata.creationTimestamp', compare: 'header' },
      { run: 'kubectl events --types=Warning', compare: 'header' },
      { run: 'kubectl diff -f ./my-manifest.yaml' },
      { run: 'sed -i s/key:/changed:/ my1.yaml && kubectl diff -f ./my1.yaml | grep "^[-+] "' },
      { run: 'kubectl get nodes -o json | grep -c \'"kind": "Node"\'' },
      { run: 'for pod in $(kubectl get po -l name=myLabel --output=jsonpath={.items..metadata.name}); do echo $pod && kubectl exec -it $pod -- printenv HOME; done' },
      { run: 'kubectl get deployment nginx-deployment --subresource=status' },
    ]);
  });

  it('updating resources', async () => {
    await walk([
      { run: 'kubectl set image deployment/frontend www=tskube.local/quickref:v2' },
      { run: 'kubectl rollout status -w deployment/frontend | tail -1', timeoutMs: 120_000 },
      { run: 'kubectl rollout history deployment/frontend' },
      { run: 'kubectl rollout undo deployment/frontend' },
      { run: 'kubectl rollout status -w deployment/frontend | tail -1', timeoutMs: 120_000 },
      { run: 'kubectl rollout undo deployment/frontend --to-revision=2' },
      { run: 'kubectl rollout status -w deployment/frontend | tail -1', timeoutMs: 120_000 },
      { run: 'kubectl rollout restart deployment/frontend' },
      { run: 'kubectl rollout status -w deployment/frontend | tail -1', timeoutMs: 120_000 },
      { run: 'kubectl apply -f ./pod.json && cat pod.json | kubectl replace -f -' },
      { run: 'kubectl replace --force -f ./pod.json' },
      { run: 'kubectl expose rc nginx --port=80 --target-port=8000' },
      { run: "kubectl get pod mypod -o yaml | sed 's/\\(image: tskube.local\\/myimage\\):.*$/\\1:v4/' | kubectl replace -f -" },
      { run: 'kubectl label pods my-pod new-label=awesome' },
      { run: 'kubectl label pods my-pod new-label-' },
      { run: 'kubectl label pods my-pod new-label=new-value --overwrite' },
      { run: 'kubectl annotate pods my-pod icon-url=http://goo.gl/XXBTWq' },
      { run: 'kubectl annotate pods my-pod icon-url-' },
      { run: 'kubectl autoscale deployment foo --min=2 --max=10' },
    ]);
  });

  it('patching resources', async () => {
    await walk([
      { run: `kubectl patch node {node} -p '{"spec":{"unschedulable":true}}'` },
      { run: `kubectl patch pod valid-pod -p '{"spec":{"containers":[{"name":"kubernetes-serve-hostname","image":"new image"}]}}'` },
      { run: `kubectl patch pod valid-pod --type='json' -p='[{"op": "replace", "path": "/spec/containers/0/image", "value":"new image"}]'` },
      { run: `kubectl patch deployment valid-deployment  --type json   -p='[{"op": "remove", "path": "/spec/template/spec/containers/0/livenessProbe"}]'` },
      { run: `kubectl patch sa default --type='json' -p='[{"op": "add", "path": "/secrets/1", "value": {"name": "whatever" } }]'` },
      { run: `kubectl patch sa default --type='json' -p='[{"op": "add", "path": "/secrets", "value": [{"name": "whatever" }] }]'` },
      { run: `kubectl patch deployment nginx-deployment --subresource='scale' --type='merge' -p '{"spec":{"replicas":2}}'` },
    ]);
  });

  it('editing resources', async () => {
    await walk([
      { run: 'kubectl edit svc/docker-registry', env: { EDITOR: 'sed -i s/port:\\ 5000/port:\\ 5001/' } },
      { run: 'KUBE_EDITOR="sed -i s/5001/5002/" kubectl edit svc/docker-registry' },
      { run: 'kubectl get svc docker-registry -o jsonpath={.spec.ports[0].port}' },
    ]);
  });

  it('scaling resources', async () => {
    await walk([
      { run: 'kubectl scale --replicas=3 rs/foo' },
      { run: 'kubectl scale --replicas=3 -f foo.yaml' },
      { run: 'kubectl scale --current-replicas=2 --replicas=3 deployment/mysql' },
      { run: 'kubectl scale --current-replicas=2 --replicas=3 deployment/mysql' },
      { run: 'kubectl scale --replicas=5 rc/foo rc/bar rc/baz' },
    ]);
  });

  it('interacting with running pods', async () => {
    await walk([
      { run: 'kubectl logs my-pod' },
      { run: 'kubectl logs -l name=myLabel', compare: 'sorted' },
      { run: 'kubectl logs my-pod --previous' },
      { run: 'kubectl logs my-pod -c my-container' },
      { run: 'kubectl logs -l name=myLabel -c my-container' },
      { run: 'kubectl logs my-pod -c my-container --previous' },
      { run: 'kubectl logs -f my-pod', until: /hello from my-container/ },
      { run: 'kubectl logs -f my-pod -c my-container', until: /hello from my-container/ },
      { run: 'kubectl logs -f -l name=myLabel --all-containers', until: /^(.*\n){3}/, compare: 'sorted' },
      // No terminal here: both fall back to plain streams; the shell ends at the end of stdin.
      { run: `kubectl run -i --tty busybox --image=${BUSYBOX} -- sh`, input: '', timeoutMs: 90_000 },
      { run: `kubectl run nginx --image=${SERVER} -n {ns}` },
      { run: `kubectl run nginx --image=${SERVER} --dry-run=client -o yaml > pod.yaml && cat pod.yaml` },
      { run: 'kubectl attach attachable -i', input: 'hello\n', timeoutMs: 60_000 },
      { run: `kubectl port-forward my-pod ${port(0)}:6000`, until: /Forwarding from \[::1\]/ },
      { run: 'kubectl exec my-pod -- ls /' },
      { run: 'kubectl exec --stdin --tty my-pod -- /bin/sh', input: 'echo in the pod\nexit\n' },
      { run: 'kubectl exec my-pod -c my-container -- ls /' },
      { run: `kubectl debug my-pod -it --image=${BUSYBOX}`, input: 'echo debugging\nexit\n', timeoutMs: 90_000 },
      { run: `kubectl debug node/${kubelet.nodeName} -it --image=${BUSYBOX}`, input: 'ls /host >/dev/null && echo host mounted\nexit\n', timeoutMs: 90_000 },
      { run: 'kubectl top pod', compare: 'header', before: waitForPodMetrics },
      { run: 'kubectl top pod my-pod --containers', compare: 'header' },
      { run: 'kubectl top pod my-pod --sort-by=cpu', compare: 'header' },
    ]);
  });

  it('copying files and directories to and from containers', async () => {
    await walk([
      { run: 'kubectl cp ./foo_dir my-pod:/tmp/bar_dir && kubectl exec my-pod -- find /tmp/bar_dir | sort' },
      { run: 'kubectl cp ./foo my-pod:/tmp/bar -c my-container && kubectl exec my-pod -- cat /tmp/bar' },
      { run: 'kubectl cp ./foo {ns}/my-pod:/tmp/bar2 && kubectl exec my-pod -- cat /tmp/bar2' },
      // The remote tar's stderr ("removing leading '/'") reaches kubectl's stdout or not,
      // as its goroutines race the exit: left out of the comparison.
      { run: "kubectl cp {ns}/my-pod:/tmp/bar2 ./bar | grep -v '^tar: ' ; cat ./bar" },
      { run: 'mkdir -p ./tmp && cp foo ./tmp/foo && tar cf - ./tmp/foo | kubectl exec -i -n {ns} my-pod -- tar xf - -C /tmp/bar && kubectl exec my-pod -- cat /tmp/bar/tmp/foo' },
      { run: 'mkdir -p ./out && kubectl exec -n {ns} my-pod -- tar cf - /tmp/bar2 | tar xf - -C ./out && cat ./out/tmp/bar2' },
    ]);
  });

  it('interacting with deployments and services', async () => {
    await walk([
      { run: 'kubectl logs deploy/my-deployment' },
      { run: 'kubectl logs deploy/my-deployment -c my-container' },
      { run: `kubectl port-forward svc/my-service ${port(1)}`, until: /Forwarding from \[::1\]/ },
      { run: `kubectl port-forward svc/my-service ${port(2)}:my-service-port`, until: /Forwarding from \[::1\]/ },
      { run: `kubectl port-forward deploy/my-deployment ${port(3)}:6000`, until: /Forwarding from \[::1\]/ },
      { run: 'kubectl exec deploy/my-deployment -- ls' },
    ]);
  });

  it('interacting with nodes and the cluster', async () => {
    await walk([
      { run: 'kubectl cordon {node}' },
      { run: 'kubectl drain {node}' },
      { run: 'kubectl uncordon {node}' },
      { run: 'kubectl top node', compare: 'header' },
      { run: `kubectl top node ${kubelet.nodeName}`, compare: 'header' },
      { run: 'kubectl cluster-info' },
      { run: 'kubectl cluster-info dump | head -c 0' },
      { run: 'kubectl cluster-info dump --output-directory=./cluster-state --namespaces {ns} >/dev/null && cd cluster-state && find . -type f', compare: 'sorted' },
      { run: "kubectl get nodes -l quickref/fake -o='custom-columns=NodeName:.metadata.name,TaintKey:.spec.taints[*].key,TaintValue:.spec.taints[*].value,TaintEffect:.spec.taints[*].effect'" },
      { run: 'kubectl taint nodes {node} dedicated=special-user:NoSchedule' },
      { run: 'kubectl taint nodes {node} dedicated=special-user:NoSchedule' },
    ]);
  });

  it('resource types', async () => {
    await walk([
      { run: 'kubectl api-resources' },
      { run: 'kubectl api-resources --namespaced=true' },
      { run: 'kubectl api-resources --namespaced=false' },
      { run: 'kubectl api-resources -o name' },
      { run: 'kubectl api-resources -o wide' },
      { run: 'kubectl api-resources --verbs=list,get' },
      { run: 'kubectl api-resources --api-group=extensions' },
    ]);
  });

  it('formatting output', async () => {
    await settle();
    await walk([
      { run: "kubectl get pods -A -o=custom-columns='DATA:spec.containers[*].image' | sort | uniq -c", before: settle },
      { run: 'kubectl get pods --namespace {ns} --output=custom-columns="NAME:.metadata.name,IMAGE:.spec.containers[*].image"', compare: 'sorted' },
      { run: `kubectl get pods -A -o=custom-columns='DATA:spec.containers[?(@.image!="registry.k8s.io/coredns:1.6.2")].image' | sort | uniq -c` },
      { run: "kubectl get pods -o=custom-columns='DATA:metadata.*'", compare: 'header' },
      { run: 'kubectl get pods -o=custom-columns-file=columns.txt', compare: 'sorted' },
      { run: 'kubectl get pods -o=go-template-file=names.tmpl', compare: 'sorted' },
      { run: 'kubectl get pods -o=jsonpath-file=names.jsonpath', compare: 'sorted' },
      { run: 'kubectl get pods -o=name', compare: 'sorted' },
      { run: 'kubectl get services -o=wide' },
      { run: 'kubectl get configmap myconfig -o=yaml' },
      { run: 'kubectl get configmap myconfig -o=json' },
    ]);
  });

  it('output verbosity and debugging', async () => {
    await walk([
      { run: 'kubectl get ns {ns} --v=0' },
      // kubectl reads discovery from its disk cache, we ask the server: the count of requests differs, their lines do not.
      { run: 'kubectl get ns {ns} --v=6 2>&1 | grep -m1 "GET https://.*/namespaces/{ns} 200 OK" | sed "s/.*\\] //; s/ in [0-9]* milliseconds//"' },
      { run: 'kubectl get ns {ns} -v=8 2>&1 | grep "Response Body" | grep -c \'"kind":"Namespace"\'' },
    ]);
  });

  it('deleting resources', async () => {
    await walk([
      { run: 'kubectl delete -f ./pod.json' },
      { run: 'kubectl delete pod unwanted --now' },
      { run: 'kubectl delete pod,service baz foo' },
      { run: 'kubectl delete pods,services -l name=myLabel', timeoutMs: 90_000 },
      { run: 'kubectl -n {myns} delete pod,svc --all', timeoutMs: 120_000 },
      { run: "kubectl get pods  -n {ns} --no-headers=true | awk '/pattern1|pattern2/{print $1}' | xargs  kubectl delete -n {ns} pod" },
    ]);
  });

  async function waitForPodMetrics(t: Tool): Promise<void> {
    await waitFor(async () => {
      const r = await http(cp.url, 'GET', `/apis/metrics.k8s.io/v1beta1/namespaces/${t.ns}/pods/my-pod`);
      return r.status === 200;
    }, { timeoutMs: 60_000, what: `metrics of ${t.ns}/my-pod` });
  }
});
