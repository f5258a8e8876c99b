// Builds the local images pods and tests need, from this machine's own binaries, for
// machines that cannot reach an image registry:
//   tskube.local/busybox  Debian's busybox-static in a FROM scratch image
//   tskube.local/pause    the pod sandbox: busybox sh that sleeps until SIGTERM
//   tskube.local/testserver  Node's binary and libraries with a small HTTP/UDP server
//                         (probes, services and log tests)
// Real users keep the public names (registry.k8s.io/pause:3.10, busybox, ...); these
// exist because no registry can be reached here. Images already present are kept
// unless --force. Uses the docker CLI (only the kubelet's runtime talks to Docker
// through dockerode).
import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const LOCAL_BUSYBOX_IMAGE = 'tskube.local/busybox:1.35';
export const LOCAL_PAUSE_IMAGE = 'tskube.local/pause:3.10';
export const LOCAL_TESTSERVER_IMAGE = 'tskube.local/testserver:1';

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
    async prepare(dir) {
      await copyFile(BUSYBOX_BINARY, join(dir, 'busybox'));
      return `FROM scratch\n${busyboxLayer}CMD ["sh"]\n`;
    },
  },
  {
    ref: LOCAL_PAUSE_IMAGE,
    async prepare(dir) {
      await copyFile(BUSYBOX_BINARY, join(dir, 'busybox'));
      // PID 1 has no default signal handlers: trap TERM/INT so a stop is immediate.
      return `FROM scratch\n${busyboxLayer}ENTRYPOINT ["/bin/sh", "-c", "trap 'exit 0' TERM INT; while true; do sleep 3600 & wait $!; done"]\n`;
    },
  },
  {
    ref: LOCAL_TESTSERVER_IMAGE,
    async prepare(dir) {
      await copyFile(BUSYBOX_BINARY, join(dir, 'busybox'));
      const node = process.execPath;
      await mkdir(join(dir, 'rootfs', 'usr', 'bin'), { recursive: true });
      await copyFile(node, join(dir, 'rootfs', 'usr', 'bin', 'node'));
      for (const lib of await sharedLibraries(node)) {
        await mkdir(join(dir, 'rootfs', dirname(lib)), { recursive: true });
        await copyFile(lib, join(dir, 'rootfs', lib));
      }
      await writeFile(join(dir, 'rootfs', 'server.js'), TESTSERVER_JS);
      return `FROM scratch\n${busyboxLayer}COPY rootfs/ /\nENV PORT=8080 UDP_PORT=8081\nEXPOSE 8080/tcp 8081/udp\nENTRYPOINT ["/usr/bin/node", "/server.js"]\n`;
    },
  },
];

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

async function build(recipe: ImageRecipe, log: (line: string) => void): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tskube-image-'));
  try {
    await writeFile(join(dir, 'Dockerfile'), await recipe.prepare(dir));
    await new Promise<void>((resolve, reject) => {
      // The classic builder: the daemon here has no BuildKit/buildx plugin.
      const child = spawn('docker', ['build', '--label', 'io.tskube.local-image=true', '-t', recipe.ref, dir], {
        env: { ...process.env, DOCKER_BUILDKIT: '0' }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      const onData = (d: Buffer): void => {
        output += d.toString();
        for (const line of d.toString().split('\n')) if (/^Step \d+\/\d+/.test(line)) log(`  ${recipe.ref}: ${line.trim()}`);
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`docker build of ${recipe.ref} failed (exit ${code}):\n${output.slice(-2000)}`))));
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface EnsureOptions {
  force?: boolean;
  log?: (line: string) => void;
  /** Only these refs (default: all). */
  only?: string[];
}

/** Builds every local image that is missing (all with force). Resolves when done. */
export async function ensureLocalImages(opts: EnsureOptions = {}): Promise<void> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  for (const recipe of RECIPES) {
    if (opts.only && !opts.only.includes(recipe.ref)) continue;
    if (!opts.force && await imagePresent(recipe.ref)) continue;
    const t0 = Date.now();
    log(`building image ${recipe.ref} from this machine's binaries`);
    await build(recipe, log);
    log(`built ${recipe.ref} in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  }
}

// Run as a script: node dist/scripts/images.js [--force]
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  ensureLocalImages({ force: process.argv.includes('--force'), log: (l) => console.log(l) })
    .then(() => console.log(`local images ready: ${RECIPES.map((r) => r.ref).join(', ')}`))
    .catch((err: Error) => {
      console.error(`error: ${err.message}`);
      process.exit(1);
    });
}
