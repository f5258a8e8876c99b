// Builds the local images pods and tests need, from this machine's own binaries, for
// machines that cannot reach an image registry:
//   tskube.local/busybox  Debian's busybox-static in a FROM scratch image
//   tskube.local/pause    the pod sandbox: busybox sh that sleeps until SIGTERM
//   tskube.local/testserver  Node's binary and libraries with a small HTTP/UDP server
//                         (probes, services and log tests)
// and, with --compose, the base images of docker-compose.yml and the tskube image:
//   tskube.local/node     stands in for node:20-bookworm-slim: this machine's node and
//                         npm, with ip, nft, nsenter and conntrack, on busybox
//   tskube.local/etcd     stands in for the etcd release image: Debian's etcd and etcdctl
//   tskube:latest         the Dockerfile, built on tskube.local/node (always rebuilt:
//                         it holds dist/, and Docker's cache makes an unchanged build quick)
// Real users keep the public names (registry.k8s.io/pause:3.10, busybox, node, etcd);
// these exist because no registry can be reached here. Images already present are kept
// unless --force. Uses the docker CLI (only the kubelet's runtime talks to Docker
// through dockerode).
import { execFile, spawn } from 'node:child_process';
import { copyFile, cp, mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sbinBinary } from '../kube-proxy/run-command.js';

const run = promisify(execFile);

export const LOCAL_BUSYBOX_IMAGE = 'tskube.local/busybox:1.35';
export const LOCAL_PAUSE_IMAGE = 'tskube.local/pause:3.10';
export const LOCAL_TESTSERVER_IMAGE = 'tskube.local/testserver:1';
export const LOCAL_NODE_IMAGE = 'tskube.local/node:20';
export const LOCAL_ETCD_IMAGE = 'tskube.local/etcd:3.4';
/** docker-compose.yml's default image name (TSKUBE_IMAGE). */
export const TSKUBE_IMAGE = 'tskube:latest';

const BUSYBOX_BINARY = '/bin/busybox';

/** The test server: HTTP on $PORT (8080) and UDP echo on $UDP_PORT (8081). */
const TESTSERVER_JS = `'use strict';
// GET /            "<hostname>\\n"
// GET /healthz     200 "ok", or 500 once /tmp/unhealthy exists (liveness tests)
// GET /readyz      200 "ready", or 503 while /tmp/not-ready exists (readiness tests)
// GET /echo?msg=x  "x"
// GET /env         the environment as JSON
// UDP             echoes each datagram, prefixed with the hostname and a space
const http = require('node:http');
const dgram = require('node:dgram');
const fs = require('node:fs');
const os = require('node:os');
const port = Number(process.env.PORT || 8080);
const udpPort = Number(process.env.UDP_PORT || 8081);
const exists = (f) => { try { fs.accessSync(f); return true; } catch { return false; } };
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  const send = (code, body, type = 'text/plain') => { res.writeHead(code, { 'content-type': type }); res.end(body); };
  if (url.pathname === '/healthz') return exists('/tmp/unhealthy') ? send(500, 'unhealthy') : send(200, 'ok');
  if (url.pathname === '/readyz') return exists('/tmp/not-ready') ? send(503, 'not ready') : send(200, 'ready');
  if (url.pathname === '/echo') return send(200, url.searchParams.get('msg') || '');
  if (url.pathname === '/env') return send(200, JSON.stringify(process.env), 'application/json');
  send(200, os.hostname() + '\\n');
});
server.listen(port, '0.0.0.0', () => console.log('testserver listening on ' + port + ' (udp ' + udpPort + ')'));
const udp = dgram.createSocket('udp4');
udp.on('message', (msg, from) => udp.send(Buffer.concat([Buffer.from(os.hostname() + ' '), msg]), from.port, from.address));
udp.bind(udpPort, '0.0.0.0');
const stop = (sig) => { console.log('testserver got ' + sig); server.close(); udp.close(); process.exit(0); };
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
`;

interface ImageRecipe {
  ref: string;
  /** 'pods': what pods and tests run (built by default); 'compose': base images of the tskube image and etcd. */
  group: 'pods' | 'compose';
  /** Fills the build context directory and returns the Dockerfile text. */
  prepare(dir: string): Promise<string>;
}

const busyboxLayer = `COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
RUN ["/bin/mkdir", "-p", "/tmp", "/etc", "/root"]
RUN ["/bin/sh", "-c", "chmod 1777 /tmp && echo 'root:x:0:0:root:/root:/bin/sh' > /etc/passwd && echo 'root:x:0:' > /etc/group"]
`;

const RECIPES: ImageRecipe[] = [
  {
    ref: LOCAL_BUSYBOX_IMAGE,
    group: 'pods',
    async prepare(dir) {
      await copyFile(BUSYBOX_BINARY, join(dir, 'busybox'));
      return `FROM scratch\n${busyboxLayer}CMD ["sh"]\n`;
    },
  },
  {
    ref: LOCAL_PAUSE_IMAGE,
    group: 'pods',
    async prepare(dir) {
      await copyFile(BUSYBOX_BINARY, join(dir, 'busybox'));
      // PID 1 has no default signal handlers: trap TERM/INT so a stop is immediate.
      return `FROM scratch\n${busyboxLayer}ENTRYPOINT ["/bin/sh", "-c", "trap 'exit 0' TERM INT; while true; do sleep 3600 & wait $!; done"]\n`;
    },
  },
  {
    ref: LOCAL_TESTSERVER_IMAGE,
    group: 'pods',
    async prepare(dir) {
      await copyFile(BUSYBOX_BINARY, join(dir, 'busybox'));
      await copyBinaries(join(dir, 'rootfs'), { [process.execPath]: '/usr/bin/node' });
      await writeFile(join(dir, 'rootfs', 'server.js'), TESTSERVER_JS);
      return `FROM scratch\n${busyboxLayer}COPY rootfs/ /\nENV PORT=8080 UDP_PORT=8081\nEXPOSE 8080/tcp 8081/udp\nENTRYPOINT ["/usr/bin/node", "/server.js"]\n`;
    },
  },
  {
    ref: LOCAL_NODE_IMAGE,
    group: 'compose',
    async prepare(dir) {
      await copyFile(BUSYBOX_BINARY, join(dir, 'busybox'));
      const rootfs = join(dir, 'rootfs');
      await copyBinaries(rootfs, {
        [process.execPath]: '/usr/local/bin/node',
        [which('ip')]: '/usr/sbin/ip',
        [which('nft')]: '/usr/sbin/nft',
        [which('nsenter')]: '/usr/bin/nsenter',
        [which('conntrack')]: '/usr/sbin/conntrack',
      });
      // npm, for the Dockerfile's `npm prune` (a JavaScript program: copied whole).
      const npmDir = join(dirname(await realpath(which('npm'))), '..');
      await cp(npmDir, join(rootfs, 'usr/local/lib/node_modules/npm'), { recursive: true });
      return `FROM scratch\n${busyboxLayer}COPY rootfs/ /
RUN ["/bin/sh", "-c", "ln -s /bin/busybox /usr/bin/env && ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm"]
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
CMD ["node"]
`;
    },
  },
  {
    ref: LOCAL_ETCD_IMAGE,
    group: 'compose',
    async prepare(dir) {
      // Where the etcd release images keep them.
      await copyBinaries(join(dir, 'rootfs'), {
        [which('etcd')]: '/usr/local/bin/etcd',
        [which('etcdctl')]: '/usr/local/bin/etcdctl',
      });
      await mkdir(join(dir, 'rootfs', 'var', 'lib', 'etcd'), { recursive: true });
      await mkdir(join(dir, 'rootfs', 'tmp'), { recursive: true });
      return 'FROM scratch\nCOPY rootfs/ /\nENV ETCDCTL_API=3\nCMD ["/usr/local/bin/etcd"]\n';
    },
  },
];

/** Copies each binary to its path under rootfs, with the shared libraries it loads. */
async function copyBinaries(rootfs: string, binaries: Record<string, string>): Promise<void> {
  for (const [from, to] of Object.entries(binaries)) {
    await mkdir(join(rootfs, dirname(to)), { recursive: true });
    await copyFile(from, join(rootfs, to));
    for (const lib of await sharedLibraries(from)) {
      await mkdir(join(rootfs, dirname(lib)), { recursive: true });
      await copyFile(lib, join(rootfs, lib));
    }
  }
}

/** The absolute path of a tool (kube-proxy's lookup: /usr/sbin, /sbin, /usr/local/sbin, /usr/bin). */
function which(program: string): string {
  const path = sbinBinary(program);
  if (!path.startsWith('/')) throw new Error(`${program} not found (scripts/install-deps installs it)`);
  return path;
}

/** Absolute paths of the shared libraries a binary loads (ldd), the loader included. */
async function sharedLibraries(binary: string): Promise<string[]> {
  const { stdout } = await run('ldd', [binary]);
  const libs: string[] = [];
  for (const line of stdout.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) libs.push(m[1]!);
  }
  return libs;
}

export async function imagePresent(ref: string): Promise<boolean> {
  try {
    await run('docker', ['image', 'inspect', '--format', '{{.Id}}', ref]);
    return true;
  } catch {
    return false;
  }
}

/** `docker build` of one image, showing each step as progress. */
function dockerBuild(ref: string, args: string[], log: (line: string) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    // The classic builder: the daemon here has no BuildKit/buildx plugin.
    const child = spawn('docker', ['build', '--force-rm', '-t', ref, ...args], {
      env: { ...process.env, DOCKER_BUILDKIT: '0' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const onData = (d: Buffer): void => {
      output = (output + d.toString()).slice(-20_000);
      for (const line of d.toString().split('\n')) if (/^Step \d+\/\d+/.test(line)) log(`  ${ref}: ${line.trim().slice(0, 160)}`);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`docker build of ${ref} failed (exit ${code}):\n${output.slice(-2000)}`))));
  });
}

async function build(recipe: ImageRecipe, log: (line: string) => void): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tskube-image-'));
  try {
    await writeFile(join(dir, 'Dockerfile'), await recipe.prepare(dir));
    await dockerBuild(recipe.ref, ['--label', 'io.tskube.local-image=true', dir], log);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface EnsureOptions {
  force?: boolean;
  log?: (line: string) => void;
  /** Only these refs (default: the 'pods' group). */
  only?: string[];
  /** Also the 'compose' group. */
  compose?: boolean;
}

/** Builds every local image that is missing (all with force). Resolves when done. */
export async function ensureLocalImages(opts: EnsureOptions = {}): Promise<void> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  for (const recipe of RECIPES) {
    if (opts.only ? !opts.only.includes(recipe.ref) : recipe.group === 'compose' && !opts.compose) continue;
    if (!opts.force && await imagePresent(recipe.ref)) continue;
    const t0 = Date.now();
    log(`building image ${recipe.ref} from this machine's binaries`);
    await build(recipe, log);
    log(`built ${recipe.ref} in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  }
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Builds the tskube image (the Dockerfile, from the compiled project) on the offline
 * Node.js image, building that first when missing. Resolves with the image's size in bytes.
 */
export async function buildTskubeImage(opts: { ref?: string; log?: (line: string) => void } = {}): Promise<number> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const ref = opts.ref ?? TSKUBE_IMAGE;
  await ensureLocalImages({ only: [LOCAL_NODE_IMAGE], log });
  const t0 = Date.now();
  log(`building image ${ref} from ${root} (Dockerfile, base ${LOCAL_NODE_IMAGE})`);
  await dockerBuild(ref, ['--build-arg', `NODE_IMAGE=${LOCAL_NODE_IMAGE}`, root], log);
  const { stdout } = await run('docker', ['image', 'inspect', '--format', '{{.Size}}', ref]);
  const size = Number(stdout.trim());
  log(`built ${ref} in ${((Date.now() - t0) / 1000).toFixed(1)}s (${(size / 1e6).toFixed(0)} MB)`);
  return size;
}

// Run as a script: node dist/scripts/images.js [--force] [--compose]
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const compose = process.argv.includes('--compose');
  const log = (l: string): void => console.log(l);
  (async () => {
    await ensureLocalImages({ force: process.argv.includes('--force'), compose, log });
    if (compose) await buildTskubeImage({ log });
    console.log(`local images ready: ${RECIPES.filter((r) => compose || r.group === 'pods').map((r) => r.ref).join(', ')}${compose ? `, ${TSKUBE_IMAGE}` : ''}`);
    if (compose) {
      console.log('for docker compose, without a registry:');
      console.log(`  export TSKUBE_ETCD_IMAGE=${LOCAL_ETCD_IMAGE} TSKUBE_PAUSE_IMAGE=${LOCAL_PAUSE_IMAGE}`);
    }
  })().catch((err: Error) => {
    console.error(`error: ${err.message}`);
    process.exit(1);
  });
}
