// The repository's docker-compose.yml run as a test (or benchmark) cluster: its own
// compose project, pod network name, apiserver port, kubeconfig and pod folders (in a
// temporary folder), with the offline images of scripts/images.ts. teardown() is the
// README's clean-up (`docker compose run --rm cleanup`, then `down -v`) and leftovers()
// lists whatever of the project is still on the Docker Engine.
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { LABEL_NODE } from '../../kubelet/pod-worker.js';
import {
  buildTskubeImage, ensureLocalImages, LOCAL_ETCD_IMAGE, LOCAL_PAUSE_IMAGE, TSKUBE_IMAGE,
} from '../../scripts/images.js';
import { freePort } from './free-port.js';
import { kubectl, type KubectlTarget } from './kubectl.js';
import { waitFor } from './processes.js';

const run = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const COMPOSE_FILE = join(root, 'docker-compose.yml');
/** The README's way to add a third node. */
export const NODE_3_FILE = join(root, 'docker-compose.node-3.yml');

/** `docker-compose` (v1, Debian's) when installed, else the `docker compose` plugin. */
function composeCommand(): string[] {
  try {
    execFileSync('docker-compose', ['version'], { stdio: 'ignore' });
    return ['docker-compose'];
  } catch {
    return ['docker', 'compose'];
  }
}

export interface ComposeClusterOptions {
  /** Prefix of the compose project's name (a random suffix is added). */
  name: string;
  /** More TSKUBE_* variables (e.g. short node-failure timings). */
  env?: Record<string, string>;
  log?: (line: string) => void;
}

/** The NodePort of node-1 the compose file publishes first (127.0.0.1:30080). */
export const PUBLISHED_NODE_PORT = 30080;

/**
 * A Deployment `web` of the local test server (ready on /readyz) and a NodePort
 * Service `web` on PUBLISHED_NODE_PORT: what the e2e test and bench/compose apply.
 */
export function webManifest(image: string, replicas: number): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: ${image}
        ports: [{containerPort: 8080}]
        readinessProbe: {httpGet: {path: /readyz, port: 8080}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080, nodePort: ${PUBLISHED_NODE_PORT}}]
`;
}

export class ComposeCluster {
  readonly kubeconfig: string;
  readonly dataDir: string;
  readonly podNetwork: string;
  private readonly cmd = composeCommand();
  private tornDown = false;
  /** The compose files, in order (the first is the repository's docker-compose.yml). */
  private readonly files = [COMPOSE_FILE];

  private constructor(
    readonly project: string,
    /** Temporary folder: kubeconfig/, data/ and kubectl's HOME. */
    readonly dir: string,
    readonly apiserverPort: number,
    private readonly extraEnv: Record<string, string>,
    private readonly log: (line: string) => void,
  ) {
    this.kubeconfig = join(dir, 'kubeconfig', 'admin.conf');
    this.dataDir = join(dir, 'data');
    this.podNetwork = `${project}-pods`;
  }

  /** Builds the images (offline) and prepares the folders; nothing runs yet. */
  static async create(opts: ComposeClusterOptions): Promise<ComposeCluster> {
    const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
    await ensureLocalImages({ compose: true, log });
    await buildTskubeImage({ log });
    const dir = await mkdtemp(join(tmpdir(), `${opts.name}-`));
    await mkdir(join(dir, 'kubeconfig'));
    await mkdir(join(dir, 'data'));
    const project = `${opts.name}-${randomBytes(3).toString('hex')}`;
    return new ComposeCluster(project, dir, await freePort(), opts.env ?? {}, log);
  }

  get env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      TSKUBE_IMAGE: TSKUBE_IMAGE,
      TSKUBE_ETCD_IMAGE: LOCAL_ETCD_IMAGE,
      TSKUBE_PAUSE_IMAGE: LOCAL_PAUSE_IMAGE,
      TSKUBE_APISERVER_PORT: String(this.apiserverPort),
      TSKUBE_KUBECONFIG_DIR: join(this.dir, 'kubeconfig'),
      TSKUBE_DATA_DIR: this.dataDir,
      TSKUBE_POD_NETWORK: this.podNetwork,
      ...this.extraEnv,
    };
  }

  /** Runs docker compose with this project's file, name and variables; resolves with its stdout. */
  async compose(...args: string[]): Promise<string> {
    const [bin, ...pre] = this.cmd;
    try {
      const files = this.files.flatMap((f) => ['-f', f]);
      const { stdout } = await run(bin!, [...pre, '-p', this.project, ...files, '--project-directory', root, ...args], {
        env: this.env, timeout: 180_000, maxBuffer: 64 * 1024 * 1024,
      });
      return stdout;
    } catch (err) {
      const e = err as { stderr?: string; stdout?: string; message: string };
      throw new Error(`${this.cmd.join(' ')} ${args.join(' ')} failed: ${(e.stderr || e.message).slice(-3000)}`);
    }
  }

  /** Adds a compose file (e.g. NODE_3_FILE) to every later command. */
  addFile(file: string): void {
    this.files.push(file);
  }

  async up(...services: string[]): Promise<void> {
    await this.compose('up', '-d', ...services);
  }

  kubectl(...args: string[]): Promise<string> {
    return kubectl(this, ...args);
  }

  /** Waits until every named node reports Ready; resolves with the milliseconds it took. */
  async waitNodesReady(nodes: string[], timeoutMs: number): Promise<number> {
    const t0 = Date.now();
    let lastSaid = 0;
    await waitFor(async () => {
      const out = await this.kubectl('get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}');
      const ready = new Set(out.split('\n').filter((l) => l.endsWith('=True')).map((l) => l.split('=')[0]));
      if (Date.now() - lastSaid > 10_000) {
        lastSaid = Date.now();
        this.log(`compose: waiting for nodes ${nodes.join(', ')} to be Ready (${ready.size} so far, ${((Date.now() - t0) / 1000).toFixed(0)}s)`);
      }
      return nodes.every((n) => ready.has(n));
    }, { timeoutMs, intervalMs: 250, what: `nodes ${nodes.join(', ')} Ready` });
    return Date.now() - t0;
  }

  /** The id of a service's (first) container. */
  async containerId(service: string): Promise<string> {
    const id = (await this.compose('ps', '-q', service)).trim().split('\n')[0];
    if (!id) throw new Error(`service ${service} has no container`);
    return id;
  }

  /**
   * Host PID of the component a container runs: the child of its init (the image's
   * entrypoint). Not any other process of the container: a healthcheck runs there too.
   */
  async componentPid(id: string): Promise<number> {
    const { stdout } = await run('docker', ['inspect', '--format', '{{.State.Pid}}', id]);
    const init = Number(stdout.trim());
    const children = (await readFile(`/proc/${init}/task/${init}/children`, 'utf8')).trim().split(/\s+/).filter(Boolean).map(Number);
    for (const pid of children) {
      if ((await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).includes('/opt/tskube/dist/')) return pid;
    }
    throw new Error(`no component process under the init (${init}) of ${id}`);
  }

  /**
   * The kubeconfig a component's container mounts (path inside it), copied out and
   * pointed at the apiserver's published port, for kubectl on the host to act as that
   * component (the apiserver's certificate lists 127.0.0.1 too).
   */
  async componentKubeconfig(service: string, path: string): Promise<KubectlTarget> {
    const id = await this.containerId(service);
    const file = join(this.dir, `${service}.kubeconfig`);
    await run('docker', ['cp', `${id}:${path}`, file]);
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace(/server: https:\/\/apiserver:6443/, `server: https://127.0.0.1:${this.apiserverPort}`), { mode: 0o600 });
    return { kubeconfig: file, dir: this.dir };
  }

  /** The command line a service's container runs (its image's entrypoint arguments). */
  async serviceCommand(service: string): Promise<string[]> {
    const { stdout } = await run('docker', ['inspect', '--format', '{{json .Config.Cmd}}', await this.containerId(service)]);
    return JSON.parse(stdout) as string[];
  }

  /** etcd's address on its (internal) network, and that network's name: etcd is on no other. */
  async etcdAddress(): Promise<{ address: string; network: string }> {
    const { stdout } = await run('docker', ['inspect', '--format', '{{range $name, $n := .NetworkSettings.Networks}}{{$name}} {{$n.IPAddress}}{{end}}', await this.containerId('etcd')]);
    const [network = '', address = ''] = stdout.trim().split(' ');
    return { address, network };
  }

  /** etcdctl inside the etcd container, with the healthcheck client certificate; resolves with its stdout. */
  async etcdctl(...args: string[]): Promise<string> {
    const { stdout } = await run('docker', ['exec', '-e', 'ETCDCTL_API=3', await this.containerId('etcd'), '/usr/local/bin/etcdctl', '--endpoints=https://127.0.0.1:2379',
      '--cacert=/etc/etcd/pki/ca.crt', '--cert=/etc/etcd/pki/healthcheck-client.crt', '--key=/etc/etcd/pki/healthcheck-client.key', ...args],
    { maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  }

  /** Host PIDs of every process in a container (its cgroup's members). */
  async containerPids(id: string): Promise<number[]> {
    const { stdout } = await run('docker', ['inspect', '--format', '{{.State.Pid}}', id]);
    const pid = Number(stdout.trim());
    if (!pid) return [];
    const cgroup = await readFile(`/proc/${pid}/cgroup`, 'utf8');
    // cgroup v1: "N:memory:/docker/<id>"; v2: "0::/system.slice/docker-<id>.scope" or "/docker/<id>".
    const memLine = cgroup.split('\n').find((l) => /:memory:/.test(l)) ?? cgroup.split('\n').find((l) => l.startsWith('0::'));
    const path = memLine?.slice(memLine.indexOf(':', memLine.indexOf(':') + 1) + 1);
    const candidates = memLine?.includes(':memory:') ? [`/sys/fs/cgroup/memory${path}/cgroup.procs`] : [`/sys/fs/cgroup${path}/cgroup.procs`];
    for (const file of candidates) {
      try {
        return (await readFile(file, 'utf8')).split('\n').filter(Boolean).map(Number);
      } catch {
        // not this layout
      }
    }
    return [pid];
  }

  /**
   * Removes everything of the project, as the README says: `run --rm cleanup` (pods,
   * pod network, pod folders), then `down -v`; then the temporary folder. Best effort:
   * every step runs even when one fails, and the first failure is thrown at the end.
   * Only the first call does anything.
   */
  async teardown(): Promise<void> {
    if (this.tornDown) return;
    this.tornDown = true;
    let failure: unknown;
    const step = async (f: () => Promise<unknown>): Promise<void> => {
      try {
        await f();
      } catch (err) {
        failure ??= err;
      }
    };
    await step(() => this.compose('run', '--rm', 'cleanup'));
    await step(() => this.compose('down', '-v', '--remove-orphans', '-t', '5'));
    await step(() => rm(this.dir, { recursive: true, force: true }));
    if (failure) throw failure;
  }

  /** Containers (the project's and its pods'), networks and volumes of this project still on the engine. */
  async leftovers(nodes: string[]): Promise<string[]> {
    const lines = async (args: string[]): Promise<string[]> => (await run('docker', args)).stdout.split('\n').filter(Boolean);
    const projectLabel = `label=com.docker.compose.project=${this.project}`;
    return [
      ...(await lines(['ps', '-a', '--filter', projectLabel, '--format', 'container {{.Names}}'])),
      ...(await Promise.all(nodes.map((n) => lines(['ps', '-a', '--filter', `label=${LABEL_NODE}=${n}`, '--format', 'pod container {{.Names}}'])))).flat(),
      ...(await lines(['network', 'ls', '--filter', projectLabel, '--format', 'network {{.Name}}'])),
      ...(await lines(['network', 'ls', '--filter', `name=${this.podNetwork}`, '--format', 'network {{.Name}}'])),
      ...(await lines(['volume', 'ls', '--filter', projectLabel, '--format', 'volume {{.Name}}'])),
    ];
  }
}
