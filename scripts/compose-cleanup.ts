// `docker compose run --rm cleanup` (tskube cleanup): removes what the kubelets of a
// compose project made on the host's Docker Engine, which `docker compose down` does
// not know about: the pods' containers (sandboxes and app containers, running or not),
// then the pod network, and the kubelets' pod folders (--data-dir).
// `docker compose down` cannot remove the pod network while pods are attached to it,
// and leaves the pods running on purpose: the next `up` adopts them, as a restarted
// kubelet does.
//
// The project is the one of this container (its com.docker.compose.project label), or
// --project. Its kubelets are stopped first (containers labelled io.tskube.role=kubelet),
// so none starts a pod again while this runs; `restart: unless-stopped` leaves a stopped
// container stopped. A pod belongs to the project when its sandbox is attached to the
// project's pod network, or, with its sandbox gone, when it is labelled with one of the
// project's node names (its kubelets' hostnames and the node folders under --data-dir).
import { readdir, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import Docker from 'dockerode';
import { LABEL_NODE, LABEL_POD_UID, LABEL_TYPE, TYPE_SANDBOX } from '../kubelet/pod-worker.js';

const PROJECT_LABEL = 'com.docker.compose.project';
export const ROLE_LABEL = 'io.tskube.role';

const program = new Command('cleanup')
  .description('Remove the pods\' containers, the pod network and the pod folders of a docker compose project')
  .option('--project <name>', 'compose project (default: this container\'s own)')
  .requiredOption('--pod-network <name>', 'the pod network (the kubelets\' --pod-network)')
  .option('--data-dir <dir>', 'folder holding the kubelets\' --root-dir folders, one per node, named after it (emptied)')
  .option('--docker-socket <path>', 'Docker Engine socket', '/var/run/docker.sock')
  .parse();
const o = program.opts<{ project?: string; podNetwork: string; dataDir?: string; dockerSocket: string }>();
const say = (line: string): void => console.log(`cleanup: ${line}`);

async function ownProject(docker: Docker): Promise<string> {
  try {
    const me = await docker.getContainer(hostname()).inspect();
    const project = me.Config.Labels?.[PROJECT_LABEL];
    if (project) return project;
  } catch {
    // not in a container, or the hostname is not its id
  }
  throw new Error('cannot tell the compose project: run it as `docker compose run --rm cleanup`, or pass --project');
}

async function main(): Promise<void> {
  const docker = new Docker({ socketPath: o.dockerSocket });
  const project = o.project ?? await ownProject(docker);
  say(`project ${project}`);

  const kubelets = await docker.listContainers({ all: true, filters: { label: [`${PROJECT_LABEL}=${project}`, `${ROLE_LABEL}=kubelet`] } });
  const nodeNames = new Set<string>();
  for (const k of kubelets) {
    const info = await docker.getContainer(k.Id).inspect();
    nodeNames.add(info.Config.Hostname);
    if (info.State.Running) {
      say(`stopping kubelet ${k.Names[0]?.replace(/^\//, '')} (node ${info.Config.Hostname})`);
      await docker.getContainer(k.Id).stop({ t: 10 });
    }
  }

  // The kubelets' --root-dir folders are named after their nodes: that finds the nodes
  // even after `docker compose down` removed the kubelets' containers.
  const nodeDirs = o.dataDir ? await readdir(o.dataDir).catch(() => [] as string[]) : [];
  for (const name of nodeDirs) nodeNames.add(name);

  // Listed by name: one network of that name at most (Docker refuses duplicates here).
  const networks = (await docker.listNetworks({ filters: { name: [o.podNetwork] } })).filter((n) => n.Name === o.podNetwork);
  const networkIds = new Set(networks.map((n) => n.Id));

  const managed = await docker.listContainers({ all: true, filters: { label: [LABEL_POD_UID] } });
  // A pod whose sandbox exists is ours when the sandbox is on our pod network; one
  // whose sandbox is gone is ours when it is labelled with one of our nodes (another
  // project's nodes may have the same names, but its sandboxes are on its own network).
  const sandboxOnOurNetwork = new Map<string, boolean>();
  for (const c of managed) {
    const uid = c.Labels[LABEL_POD_UID]!;
    if (c.Labels[LABEL_TYPE] !== TYPE_SANDBOX) continue;
    const nets = c.NetworkSettings?.Networks ?? {};
    const ours = Object.entries(nets).some(([name, n]) => name === o.podNetwork || networkIds.has(n.NetworkID));
    sandboxOnOurNetwork.set(uid, (sandboxOnOurNetwork.get(uid) ?? false) || ours);
  }
  const podUids = new Set<string>();
  for (const c of managed) {
    const uid = c.Labels[LABEL_POD_UID]!;
    if (sandboxOnOurNetwork.get(uid) ?? nodeNames.has(c.Labels[LABEL_NODE] ?? '')) podUids.add(uid);
  }
  // App containers first: they share their sandbox's namespaces.
  const doomed = managed.filter((c) => podUids.has(c.Labels[LABEL_POD_UID] ?? ''))
    .sort((a, b) => Number(a.Labels[LABEL_TYPE] === TYPE_SANDBOX) - Number(b.Labels[LABEL_TYPE] === TYPE_SANDBOX));
  for (const c of doomed) {
    await docker.getContainer(c.Id).remove({ force: true }).catch((err: { statusCode?: number }) => {
      if (err.statusCode !== 404) throw err;
    });
  }
  say(`removed ${doomed.length} container(s) of ${podUids.size} pod(s) on node(s) ${[...nodeNames].sort().join(', ') || '(none)'}`);

  for (const n of networks) {
    // The apiserver (and any running compose container) is on it too: then `docker
    // compose down`, which stops those first, removes it.
    const attached = Object.keys((await docker.getNetwork(n.Id).inspect() as { Containers?: Record<string, unknown> }).Containers ?? {});
    const composeOwn = await Promise.all(attached.map(async (id) => {
      const info = await docker.getContainer(id).inspect().catch(() => undefined);
      return info?.Config.Labels?.[PROJECT_LABEL] === project;
    }));
    if (attached.length > 0 && composeOwn.every(Boolean)) {
      say(`network ${n.Name} is left to \`docker compose down\` (this project's ${attached.length} container(s) still use it)`);
      continue;
    }
    try {
      await docker.getNetwork(n.Id).remove();
      say(`removed network ${n.Name}`);
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
    }
  }

  if (o.dataDir) {
    for (const name of nodeDirs) await rm(join(o.dataDir, name), { recursive: true, force: true });
    say(`removed ${nodeDirs.length} node folder(s) under ${o.dataDir}`);
  }
}

main().catch((err: Error) => {
  console.error(`cleanup: ${err.message}`);
  process.exit(1);
});
