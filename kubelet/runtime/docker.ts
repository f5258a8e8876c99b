// ContainerRuntime on Docker Engine: the one module in the project that imports
// dockerode. Pods map to Docker the way dockershim mapped them: a sandbox container on
// a user-defined bridge network owns the pod's network and IPC namespaces, and every
// spec container joins them with NetworkMode/IpcMode `container:<sandbox id>`.
//
// Every daemon error becomes a RuntimeError carrying the daemon's own message (see
// toRuntimeError); dockerode's "(HTTP code 404) no such container - ..." wrapping and
// stacks do not leak. Streams (events, logs, pulls) are read straight from the daemon's
// HTTP responses so that nothing buffers a whole log or parses log text as JSON.

// Before dockerode: its ssh and BuildKit dependencies load only if used.
import './lazy-docker-deps.js';
import Docker from 'dockerode';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { Duplex } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import {
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  RuntimeError,
  isRuntimeConflict,
  isRuntimeNotFound,
  type ContainerDetails,
  type ContainerEvent,
  type ContainerRuntime,
  type ContainerSpec,
  type ContainerState,
  type ContainerStats,
  type ContainerSummary,
  type EnsureNetworkOptions,
  type EventsOptions,
  type ExecOptions,
  type ExecResult,
  type ExecStream,
  type ExecStreamOptions,
  type ListOptions,
  type LogsOptions,
  type PullOptions,
  type PullProgress,
  type RemoveOptions,
  type RuntimeErrorReason,
  type RuntimeVersion,
  type SandboxSpec,
} from './types.js';

export interface DockerRuntimeOptions {
  /** pino (or compatible) logger; the runtime logs through a child with runtime=docker. */
  log: Logger;
  /** Unix socket of the daemon; dockerode's default (DOCKER_HOST, else /var/run/docker.sock) when absent. */
  socketPath?: string;
  /** TCP daemon address instead of a socket. */
  host?: string;
  port?: number;
  protocol?: 'http' | 'https';
  /** Pin an API version (e.g. "v1.41"); the daemon's own when absent. */
  apiVersion?: string;
}

/** Default cap on each of an exec's stdout and stderr. */
const DEFAULT_EXEC_OUTPUT_BYTES = 1 << 20;

/** How long exec waits, after its output ended, for the daemon to record the exit code. */
const EXEC_EXIT_WAIT_MS = 2000;

/** Attributes of a Docker event that are not container labels. */
const EVENT_NON_LABEL_ATTRIBUTES = new Set(['image', 'name', 'exitCode', 'signal', 'execID']);

const CONTAINER_STATES = new Set<ContainerState>(['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead']);

export class DockerRuntime implements ContainerRuntime {
  private readonly docker: Docker;
  private readonly log: Logger;

  constructor(opts: DockerRuntimeOptions) {
    this.log = opts.log.child({ runtime: 'docker' });
    const dockerOpts: Docker.DockerOptions = {};
    if (opts.socketPath !== undefined) dockerOpts.socketPath = opts.socketPath;
    if (opts.host !== undefined) dockerOpts.host = opts.host;
    if (opts.port !== undefined) dockerOpts.port = opts.port;
    if (opts.protocol !== undefined) dockerOpts.protocol = opts.protocol;
    if (opts.apiVersion !== undefined) dockerOpts.version = opts.apiVersion;
    this.docker = new Docker(dockerOpts);
  }

  async version(): Promise<RuntimeVersion> {
    const v = await call(() => this.docker.version());
    return {
      name: 'docker',
      version: v.Version,
      apiVersion: v.ApiVersion,
      os: v.Os,
      arch: v.Arch,
      kernelVersion: v.KernelVersion,
    };
  }

  // -------------------------------------------------------------------------
  // Networks

  async ensureNetwork(name: string, opts: EnsureNetworkOptions = {}): Promise<string> {
    const existing = await this.findNetwork(name);
    if (existing !== undefined) return existing;
    try {
      const net = await this.docker.createNetwork({
        Name: name,
        Driver: 'bridge',
        CheckDuplicate: true,
        Labels: { ...opts.labels, [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
        ...(opts.subnet !== undefined ? { IPAM: { Driver: 'default', Config: [{ Subnet: opts.subnet }] } } : {}),
      });
      this.log.info({ network: name, id: net.id, subnet: opts.subnet }, 'created network');
      return net.id;
    } catch (err) {
      const rerr = toRuntimeError(err);
      // Another kubelet (or a concurrent call) created it between our list and create.
      if (isRuntimeConflict(rerr)) {
        const id = await this.findNetwork(name);
        if (id !== undefined) return id;
      }
      throw rerr;
    }
  }

  async removeNetwork(name: string): Promise<void> {
    try {
      await this.docker.getNetwork(name).remove();
      this.log.info({ network: name }, 'removed network');
    } catch (err) {
      const rerr = toRuntimeError(err);
      if (!isRuntimeNotFound(rerr)) throw rerr;
    }
  }

  /** The id of the network with exactly this name (Docker's name filter matches substrings). */
  private async findNetwork(name: string): Promise<string | undefined> {
    const nets = await call(() => this.docker.listNetworks({ filters: { name: [name] } }));
    return nets.find((n) => n.Name === name)?.Id;
  }

  // -------------------------------------------------------------------------
  // Images

  async imagePresent(ref: string): Promise<boolean> {
    return (await this.imageId(ref)) !== undefined;
  }

  async imageId(ref: string): Promise<string | undefined> {
    try {
      const info = await this.docker.getImage(ref).inspect();
      return info.Id;
    } catch (err) {
      const rerr = toRuntimeError(err);
      if (isRuntimeNotFound(rerr)) return undefined;
      throw rerr;
    }
  }

  async imageUser(ref: string): Promise<string> {
    const info = await call(() => this.docker.getImage(ref).inspect());
    return info.Config?.User ?? '';
  }

  async pullImage(ref: string, opts: PullOptions = {}): Promise<void> {
    const { signal, onProgress } = opts;
    signal?.throwIfAborted();
    const started = Date.now();
    let res: IncomingMessage;
    try {
      res = (await this.docker.pull(ref, signal ? { abortSignal: signal } : {})) as IncomingMessage;
    } catch (err) {
      throw toRuntimeError(err, signal);
    }
    // The daemon answers 200 and then reports a failed pull as a line {"error": ...}.
    try {
      for await (const line of jsonLines(res)) {
        const msg = line as { error?: string; errorDetail?: { message?: string }; status?: string; id?: string; progressDetail?: { current?: number; total?: number } };
        if (msg.error !== undefined || msg.errorDetail !== undefined) {
          throw new RuntimeError(msg.errorDetail?.message ?? msg.error ?? 'pull failed', 'Internal');
        }
        if (onProgress && msg.status !== undefined) {
          const p: PullProgress = { status: msg.status };
          if (msg.id !== undefined) p.id = msg.id;
          if (msg.progressDetail?.current !== undefined) p.current = msg.progressDetail.current;
          if (msg.progressDetail?.total !== undefined) p.total = msg.progressDetail.total;
          onProgress(p);
        }
      }
    } catch (err) {
      throw toRuntimeError(err, signal);
    } finally {
      res.destroy();
    }
    this.log.info({ image: ref, ms: Date.now() - started }, 'pulled image');
  }

  // -------------------------------------------------------------------------
  // Sandboxes and containers

  async createSandbox(spec: SandboxSpec): Promise<{ id: string }> {
    const exposed: Record<string, object> = {};
    const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
    for (const pb of spec.portBindings) {
      const key = `${pb.containerPort}/${pb.protocol.toLowerCase()}`;
      exposed[key] = {};
      (bindings[key] ??= []).push({ HostIp: pb.hostIP ?? '', HostPort: String(pb.hostPort) });
    }
    const created = await call(() =>
      this.docker.createContainer({
        name: spec.name,
        Image: spec.image,
        // Docker refuses a hostname in the host's network namespace.
        ...(spec.hostNetwork ? {} : { Hostname: spec.hostname }),
        Labels: spec.labels,
        ExposedPorts: exposed,
        HostConfig: {
          NetworkMode: spec.hostNetwork ? 'host' : spec.network,
          PortBindings: bindings,
          // Containers join this IPC namespace; Docker only lets them when it is shareable.
          IpcMode: spec.hostIPC ? 'host' : 'shareable',
          RestartPolicy: { Name: 'no' },
          ...(spec.dnsServers?.length ? { Dns: spec.dnsServers } : {}),
          ...(spec.dnsSearches?.length ? { DnsSearch: spec.dnsSearches } : {}),
          ...(spec.dnsOptions?.length ? { DnsOptions: spec.dnsOptions } : {}),
          ...(spec.capAdd?.length ? { CapAdd: spec.capAdd } : {}),
        },
        ...(spec.hostNetwork ? {} : { NetworkingConfig: { EndpointsConfig: { [spec.network]: {} } } }),
      }),
    );
    try {
      await this.start(created.id);
    } catch (err) {
      // A sandbox that never ran (port taken, network gone) is useless: do not leave it.
      await this.remove(created.id, { force: true }).catch((rmErr: unknown) =>
        this.log.warn({ id: created.id, err: rmErr }, 'could not remove a sandbox that failed to start'),
      );
      throw err;
    }
    this.log.debug({ id: created.id, name: spec.name }, 'started sandbox');
    return { id: created.id };
  }

  async sandboxIP(id: string): Promise<string | undefined> {
    return (await this.inspect(id))?.ip;
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    const env = Array.isArray(spec.env)
      ? spec.env.map((e) => `${e.name}=${e.value}`)
      : Object.entries(spec.env).map(([k, v]) => `${k}=${v}`);
    const sandbox = `container:${spec.sandboxId}`;
    const created = await call(() =>
      this.docker.createContainer({
        name: spec.name,
        Image: spec.image,
        Labels: spec.labels,
        Env: env,
        // Kubernetes' command replaces the entrypoint and args the cmd; with an
        // entrypoint given, the daemon drops the image's cmd, as Kubernetes specifies.
        ...(spec.command?.length ? { Entrypoint: spec.command } : {}),
        ...(spec.args?.length ? { Cmd: spec.args } : {}),
        ...(spec.workingDir ? { WorkingDir: spec.workingDir } : {}),
        ...(spec.user ? { User: spec.user } : {}),
        ...(spec.stopSignal ? { StopSignal: spec.stopSignal } : {}),
        Tty: spec.tty ?? false,
        OpenStdin: spec.stdin ?? false,
        StdinOnce: (spec.stdin && spec.stdinOnce) ?? false,
        HostConfig: {
          NetworkMode: sandbox,
          // A host-IPC sandbox has no /dev/shm of its own to share: the container takes the host's too.
          IpcMode: spec.hostIPC ? 'host' : sandbox,
          ...(spec.hostPID ? { PidMode: 'host' } : spec.pidTarget ? { PidMode: `container:${spec.pidTarget}` } : spec.sharePid ? { PidMode: sandbox } : {}),
          Binds: spec.binds.map((b) => `${b.hostPath}:${b.containerPath}:${b.readOnly ? 'ro' : 'rw'}`),
          RestartPolicy: { Name: 'no' },
          // memory+swap equal to memory: no swap, as the kubelet configures it.
          ...(spec.memoryLimitBytes ? { Memory: spec.memoryLimitBytes, MemorySwap: spec.memoryLimitBytes } : {}),
          ...(spec.nanoCpus ? { NanoCpus: spec.nanoCpus } : {}),
          ...(spec.cpuShares ? { CpuShares: spec.cpuShares } : {}),
          ...(spec.privileged ? { Privileged: true } : {}),
          ...(spec.capAdd?.length ? { CapAdd: spec.capAdd } : {}),
          ...(spec.capDrop?.length ? { CapDrop: spec.capDrop } : {}),
          ...(spec.groupAdd?.length ? { GroupAdd: spec.groupAdd } : {}),
          ...(spec.readOnlyRootfs ? { ReadonlyRootfs: true } : {}),
          ...(spec.noNewPrivileges ? { SecurityOpt: ['no-new-privileges'] } : {}),
        },
      }),
    );
    this.log.debug({ id: created.id, name: spec.name, sandbox: spec.sandboxId }, 'created container');
    return created.id;
  }

  async start(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).start();
    } catch (err) {
      // 304: already running, which is what the caller wants.
      if (statusOf(err) === 304) return;
      throw toRuntimeError(err);
    }
  }

  async stop(id: string, graceSeconds: number): Promise<void> {
    try {
      // The daemon sends the stop signal, waits t seconds, then SIGKILLs, and answers
      // once the container has exited.
      await this.docker.getContainer(id).stop({ t: Math.max(0, Math.ceil(graceSeconds)) });
    } catch (err) {
      if (statusOf(err) === 304) return;
      const rerr = toRuntimeError(err);
      if (isRuntimeNotFound(rerr)) return;
      throw rerr;
    }
  }

  async kill(id: string, signal: string): Promise<void> {
    try {
      await this.docker.getContainer(id).kill({ signal });
    } catch (err) {
      const rerr = toRuntimeError(err);
      // Gone or not running (409): there is nothing left to signal.
      if (isRuntimeNotFound(rerr) || isRuntimeConflict(rerr)) return;
      throw rerr;
    }
  }

  async remove(id: string, opts: RemoveOptions = {}): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: opts.force ?? false, v: true });
    } catch (err) {
      const rerr = toRuntimeError(err);
      if (isRuntimeNotFound(rerr)) return;
      // "removal of container ... is already in progress": someone else is doing it.
      if (isRuntimeConflict(rerr) && /already in progress/.test(rerr.message)) return;
      throw rerr;
    }
  }

  async inspect(id: string): Promise<ContainerDetails | undefined> {
    let info: Docker.ContainerInspectInfo;
    try {
      info = await this.docker.getContainer(id).inspect();
    } catch (err) {
      const rerr = toRuntimeError(err);
      if (isRuntimeNotFound(rerr)) return undefined;
      throw rerr;
    }
    const details: ContainerDetails = {
      id: info.Id,
      name: info.Name.replace(/^\//, ''),
      image: info.Config.Image,
      imageId: info.Image,
      labels: info.Config.Labels ?? {},
      state: toState(info.State.Status),
      exitCode: info.State.ExitCode,
      createdAt: new Date(info.Created),
      oomKilled: info.State.OOMKilled,
      error: info.State.Error ?? '',
      pid: info.State.Pid,
      tty: info.Config.Tty,
      memoryLimitBytes: info.HostConfig.Memory ?? 0,
      nanoCpus: info.HostConfig.NanoCpus ?? 0,
      cpuShares: info.HostConfig.CpuShares ?? 0,
    };
    const startedAt = dockerTime(info.State.StartedAt);
    if (startedAt) details.startedAt = startedAt;
    const finishedAt = dockerTime(info.State.FinishedAt);
    // Docker stamps StartedAt after runc's start returns, so a process that exits at
    // once can show FinishedAt a moment before StartedAt; report no negative run time.
    if (finishedAt) details.finishedAt = startedAt && finishedAt < startedAt ? startedAt : finishedAt;
    const ip = Object.values(info.NetworkSettings.Networks ?? {}).find((n) => n.IPAddress)?.IPAddress;
    if (ip) details.ip = ip;
    const mode = info.HostConfig.NetworkMode ?? '';
    if (mode.startsWith('container:')) details.sandboxId = mode.slice('container:'.length);
    return details;
  }

  async stats(id: string): Promise<ContainerStats | undefined> {
    let raw: DockerStats;
    try {
      // one-shot: the daemon reads the cgroup once instead of waiting a second for a second sample.
      raw = await this.docker.getContainer(id).stats({ stream: false, 'one-shot': true } as { stream: false }) as unknown as DockerStats;
    } catch (err) {
      const rerr = toRuntimeError(err);
      if (isRuntimeNotFound(rerr)) return undefined;
      throw rerr;
    }
    return containerStatsOf(raw);
  }

  async list(opts: ListOptions = {}): Promise<ContainerSummary[]> {
    const rows = await call(() =>
      this.docker.listContainers({ all: opts.all ?? true, filters: { label: labelFilters(opts.labels) } }),
    );
    return rows.map((r) => ({
      id: r.Id,
      name: (r.Names[0] ?? '').replace(/^\//, ''),
      image: r.Image,
      imageId: r.ImageID,
      labels: r.Labels ?? {},
      state: toState(r.State),
      createdAt: new Date(r.Created * 1000),
    }));
  }

  // -------------------------------------------------------------------------
  // Events, logs, exec

  async *events(opts: EventsOptions): AsyncIterable<ContainerEvent> {
    const { signal } = opts;
    if (signal.aborted) return;
    const query: Record<string, unknown> = {
      filters: { type: ['container'], ...(opts.labels ? { label: labelFilters(opts.labels) } : {}) },
    };
    if (opts.since !== undefined) query['since'] = unixTime(opts.since);
    let res: IncomingMessage;
    try {
      res = await this.dialStream('/events?', query, signal);
    } catch (err) {
      if (signal.aborted) return;
      throw toRuntimeError(err);
    }
    opts.onOpen?.();
    // http.request's signal does not reach a response already being read.
    const onAbort = (): void => void res.destroy();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const line of jsonLines(res)) {
        const event = toContainerEvent(line);
        if (event) yield event;
      }
    } catch (err) {
      if (signal.aborted) return;
      throw toRuntimeError(err);
    } finally {
      signal.removeEventListener('abort', onAbort);
      res.destroy();
    }
    if (!signal.aborted) throw new RuntimeError('the Docker events stream ended', 'Unavailable');
  }

  async logs(id: string, opts: LogsOptions = {}): Promise<Readable> {
    const { signal } = opts;
    signal?.throwIfAborted();
    const details = await this.inspect(id);
    if (!details) throw new RuntimeError(`No such container: ${id}`, 'NotFound', 404);
    const query: Record<string, unknown> = {
      stdout: true,
      stderr: true,
      follow: opts.follow ?? false,
      timestamps: opts.timestamps ?? false,
      tail: opts.tail !== undefined ? String(Math.max(0, Math.floor(opts.tail))) : 'all',
    };
    if (opts.since !== undefined) query['since'] = unixTime(opts.since);
    let res: IncomingMessage;
    try {
      res = await this.dialStream(`/containers/${encodeURIComponent(id)}/logs?`, query, signal);
    } catch (err) {
      throw toRuntimeError(err, signal);
    }
    return demuxedReadable(res, details.tty, signal);
  }

  async exec(id: string, cmd: string[], opts: ExecOptions): Promise<ExecResult> {
    const { signal } = opts;
    signal?.throwIfAborted();
    const limit = opts.maxOutputBytes ?? DEFAULT_EXEC_OUTPUT_BYTES;
    const container = this.docker.getContainer(id);
    const exec = await call(() =>
      container.exec({ Cmd: cmd, AttachStdin: false, AttachStdout: true, AttachStderr: true, Tty: false }),
    );
    const deadline = Date.now() + opts.timeoutMs;
    let sock: Duplex;
    try {
      sock = (await exec.start({ hijack: true, stdin: false, Detach: false, Tty: false })) as Duplex;
    } catch (err) {
      throw toRuntimeError(err, signal);
    }

    const out = { stdout: new Capped(limit), stderr: new Capped(limit) };
    const parser = new FrameParser();
    const outcome = await new Promise<'done' | 'timeout' | 'aborted'>((resolve, reject) => {
      let settled = false;
      const finish = (how: 'done' | 'timeout' | 'aborted', err?: unknown): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (how !== 'done') sock.destroy();
        if (err !== undefined) reject(toRuntimeError(err));
        else resolve(how);
      };
      const onAbort = (): void => finish('aborted');
      const timer = setTimeout(() => finish('timeout'), Math.max(0, deadline - Date.now()));
      signal?.addEventListener('abort', onAbort, { once: true });
      sock.on('data', (chunk: Buffer) => {
        for (const frame of parser.push(chunk)) (frame.stream === 2 ? out.stderr : out.stdout).add(frame.data);
      });
      sock.on('end', () => finish('done'));
      sock.on('close', () => finish('done'));
      sock.on('error', (err) => finish('done', err));
    });
    if (outcome === 'aborted') throw signal?.reason ?? new DOMException('exec aborted', 'AbortError');
    if (outcome === 'timeout') {
      // Docker cannot kill an exec'd process; like the real kubelet we stop waiting for it.
      this.log.debug({ id, cmd, timeoutMs: opts.timeoutMs }, 'exec timed out');
      return { exitCode: null, stdout: out.stdout.text(), stderr: out.stderr.text(), timedOut: true };
    }
    // The output ends a moment before the daemon records the exit code.
    const until = Date.now() + EXEC_EXIT_WAIT_MS;
    for (;;) {
      const info = await call(() => exec.inspect());
      if (!info.Running && info.ExitCode !== null) {
        return { exitCode: info.ExitCode, stdout: out.stdout.text(), stderr: out.stderr.text(), timedOut: false };
      }
      if (Date.now() > until) {
        throw new RuntimeError(`exec in ${id}: output ended but the daemon reports no exit code`, 'Internal');
      }
      await delay(10);
    }
  }

  /**
   * Attaches to a running container's stdio (kubectl attach); the stream ends when the
   * container does. A TTY is the container's own (its spec's tty).
   */
  async attachStream(id: string, opts: ExecStreamOptions): Promise<ExecStream> {
    const container = this.docker.getContainer(id);
    // Docker would hold an attach to an exited container open until the client's stdin
    // ends; the CRI refuses it, in containerd's words.
    const notRunning = async (): Promise<string | undefined> => {
      const state = (await this.inspect(id))?.state;
      return state === 'running' ? undefined : `container is in CONTAINER_${state === 'created' ? 'CREATED' : 'EXITED'} state`;
    };
    const refusal = await notRunning();
    if (refusal) throw new Error(refusal);
    let sock: Duplex;
    try {
      sock = (await container.attach({ stream: true, stdin: opts.stdin, stdout: opts.stdout, stderr: opts.stderr, hijack: true })) as unknown as Duplex;
    } catch (err) {
      throw toRuntimeError(err);
    }
    const stream = this.streamOf(sock, opts.tty, id, async () => null, (w, h) => container.resize({ w, h }));
    // It may have exited between the check and the attach: then the session ends with what it wrote.
    if (await notRunning()) (sock as Duplex & { end(): void }).end();
    return stream;
  }

  /** An interactive exec (kubectl exec -i/-t): stdin, output frames, resize, exit code. */
  async execStream(id: string, cmd: string[], opts: ExecStreamOptions): Promise<ExecStream> {
    const container = this.docker.getContainer(id);
    const exec = await call(() => container.exec({
      Cmd: cmd, AttachStdin: opts.stdin, AttachStdout: opts.stdout, AttachStderr: opts.stderr, Tty: opts.tty,
    }));
    let sock: Duplex;
    try {
      sock = (await exec.start({ hijack: true, stdin: opts.stdin, Detach: false, Tty: opts.tty })) as Duplex;
    } catch (err) {
      throw toRuntimeError(err);
    }
    const exitCode = async (): Promise<number | null> => {
      const until = Date.now() + EXEC_EXIT_WAIT_MS;
      for (;;) {
        const info = await call(() => exec.inspect()).catch(() => undefined);
        if (info && !info.Running && info.ExitCode !== null) return info.ExitCode as number;
        if (Date.now() > until) return null;
        await delay(10);
      }
    };
    // The client went away while the command runs: Docker has no call to stop an exec, so
    // its process is killed by pid (the kubelet shares the host's process namespace).
    const kill = async (): Promise<void> => {
      const info = await call(() => exec.inspect()).catch(() => undefined);
      if (info?.Running && info.Pid > 0) await killExecProcess(info.Pid, id, this.log);
    };
    return this.streamOf(sock, opts.tty, id, exitCode, (w, h) => exec.resize({ w, h }), kill);
  }

  /** An exec's or attach's hijacked connection as an ExecStream. */
  private streamOf(sock: Duplex, tty: boolean, id: string, exitCode: () => Promise<number | null>,
    resize: (w: number, h: number) => Promise<unknown>, kill?: () => Promise<void>): ExecStream {
    const listeners: ((stream: 1 | 2, data: Buffer) => void)[] = [];
    const parser = new FrameParser();
    sock.on('data', (chunk: Buffer) => {
      // A TTY's output is raw; without one Docker multiplexes stdout and stderr in frames.
      if (tty) for (const l of listeners) l(1, chunk);
      else for (const f of parser.push(chunk)) for (const l of listeners) l(f.stream === 2 ? 2 : 1, f.data);
    });
    const ended = new Promise<void>((resolve) => {
      sock.once('end', resolve);
      sock.once('close', resolve);
      sock.once('error', (err) => { this.log.debug({ err, id }, 'exec stream failed'); resolve(); });
    });
    return {
      onOutput: (l) => { listeners.push(l); },
      writeStdin: (data) => sock.write(data),
      onDrain: (l) => { sock.on('drain', l); },
      closeStdin: () => {
        // Half-close: the process sees EOF, its output keeps coming.
        (sock as Duplex & { end(): void }).end();
      },
      resize: async (width, height) => {
        if (!tty) return;
        await call(() => resize(width, height)).catch((err: unknown) => this.log.debug({ err, id }, 'resize failed'));
      },
      pause: () => { sock.pause(); },
      resume: () => { sock.resume(); },
      exited: ended.then(exitCode),
      close: () => {
        sock.destroy();
        void kill?.();
      },
    };
  }

  /** GETs a streaming endpoint and resolves with the response once its headers arrived. */
  private dialStream(path: string, query: Record<string, unknown>, signal?: AbortSignal): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      this.docker.modem.dial(
        {
          path,
          method: 'GET',
          options: query,
          isStream: true,
          statusCodes: { 200: true, 400: 'bad parameter', 404: 'not found', 500: 'server error' },
          ...(signal ? { abortSignal: signal } : {}),
        },
        (err, res) => (err ? reject(err) : resolve(res as IncomingMessage)),
      );
    });
  }
}

/**
 * Kills an exec'd process by its pid, once /proc says it is still in the container's
 * cgroup (not a pid reused since, nor one of another process namespace).
 */
async function killExecProcess(pid: number, containerId: string, log: Logger): Promise<void> {
  const cgroup = await readFile(`/proc/${pid}/cgroup`, 'utf8').catch(() => '');
  if (!cgroup.includes(containerId)) return;
  try {
    process.kill(pid, 'SIGKILL');
    log.debug({ pid, id: containerId }, 'killed the exec process its client left');
  } catch (err) {
    log.debug({ err, pid, id: containerId }, 'could not kill the exec process');
  }
}

// ---------------------------------------------------------------------------
// Errors

interface ModemError {
  statusCode?: number;
  json?: unknown;
  code?: string;
  message?: string;
  name?: string;
}

function statusOf(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null ? (err as ModemError).statusCode : undefined;
}

/** Runs a dockerode call and turns its failure into a RuntimeError. */
/** The parts of GET /containers/<id>/stats the resource metrics read. */
interface DockerStats {
  read?: string;
  cpu_stats?: { cpu_usage?: { total_usage?: number } };
  memory_stats?: { usage?: number; stats?: Record<string, number> };
}

/**
 * A container's usage from Docker's stats, as cAdvisor computes it: the working set is
 * usage minus inactive file pages (cgroup v2 `inactive_file`, v1 `total_inactive_file`).
 * A stopped container's stats are empty (no read time, no usage): undefined.
 */
export function containerStatsOf(raw: DockerStats): ContainerStats | undefined {
  const timestamp = raw.read ? Date.parse(raw.read) : NaN;
  const cpu = raw.cpu_stats?.cpu_usage?.total_usage;
  const usage = raw.memory_stats?.usage;
  if (Number.isNaN(timestamp) || timestamp <= 0 || cpu === undefined || usage === undefined) return undefined;
  const stats = raw.memory_stats?.stats ?? {};
  const inactive = stats.total_inactive_file ?? stats.inactive_file ?? 0;
  return { timestamp, cpuUsageNanos: cpu, memoryUsageBytes: usage, memoryWorkingSetBytes: Math.max(0, usage - inactive) };
}

async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toRuntimeError(err);
  }
}

/**
 * The one place daemon and transport errors become RuntimeErrors. The daemon's message
 * is in the JSON body (`{"message": ...}`), which docker-modem keeps in err.json for
 * plain calls and folds into its own message text for streaming calls. Abort errors
 * pass through unchanged so callers can tell a cancel from a failure.
 */
function toRuntimeError(err: unknown, signal?: AbortSignal): Error {
  if (err instanceof RuntimeError) return err;
  if (signal?.aborted) return signal.reason instanceof Error ? signal.reason : new DOMException('aborted', 'AbortError');
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as ModemError;
  if (e.name === 'AbortError') return err as Error;
  const status = e.statusCode;
  if (status === undefined) {
    const transport = ['ECONNREFUSED', 'ENOENT', 'EACCES', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT'];
    if (e.code !== undefined && transport.includes(e.code)) {
      return new RuntimeError(`cannot reach the Docker daemon: ${e.message ?? e.code}`, 'Unavailable');
    }
    return new RuntimeError(e.message ?? String(err), 'Internal');
  }
  let message: string | undefined;
  if (typeof e.json === 'object' && e.json !== null && typeof (e.json as { message?: unknown }).message === 'string') {
    message = (e.json as { message: string }).message;
  }
  if (message === undefined) {
    // "(HTTP code 404) no such container - No such container: abc "
    const m = /^\(HTTP code \d+\) .*? - ([\s\S]*?)\s*$/.exec(e.message ?? '');
    message = m?.[1] ?? e.message ?? `Docker answered HTTP ${status}`;
    // A streaming error body is JSON text the modem could not parse into an object.
    const parsed = tryJSON(message) as { message?: unknown } | undefined;
    if (parsed && typeof parsed.message === 'string') message = parsed.message;
  }
  return new RuntimeError(message, reasonFor(status), status);
}

function reasonFor(status: number): RuntimeErrorReason {
  if (status === 404) return 'NotFound';
  if (status === 409 || status === 403) return 'Conflict';
  if (status === 400) return 'BadRequest';
  if (status === 503) return 'Unavailable';
  return 'Internal';
}

function tryJSON(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------
// Mapping helpers

function toState(status: string): ContainerState {
  return CONTAINER_STATES.has(status as ContainerState) ? (status as ContainerState) : 'dead';
}

/** Docker writes 0001-01-01T00:00:00Z for "never". */
function dockerTime(s: string | undefined): Date | undefined {
  if (!s || s.startsWith('0001-01-01')) return undefined;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function labelFilters(labels: Record<string, string> | undefined): string[] {
  return Object.entries(labels ?? {}).map(([k, v]) => `${k}=${v}`);
}

/** Unix seconds as Docker's "seconds.nanoseconds" timestamp. */
function unixTime(seconds: number): string {
  const whole = Math.floor(seconds);
  const nanos = Math.round((seconds - whole) * 1e9);
  return `${whole}.${String(Math.min(nanos, 999_999_999)).padStart(9, '0')}`;
}

interface DockerEventMessage {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
  timeNano?: number;
}

function toContainerEvent(raw: unknown): ContainerEvent | undefined {
  const msg = raw as DockerEventMessage;
  if (msg.Type !== 'container' || !msg.Actor?.ID || !msg.Action) return undefined;
  const attrs = msg.Actor.Attributes ?? {};
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) if (!EVENT_NON_LABEL_ATTRIBUTES.has(k)) labels[k] = v;
  const colon = msg.Action.indexOf(':');
  const event: ContainerEvent = {
    id: msg.Actor.ID,
    action: colon >= 0 ? msg.Action.slice(0, colon) : msg.Action,
    labels,
    time: new Date(msg.timeNano !== undefined ? msg.timeNano / 1e6 : (msg.time ?? 0) * 1000),
  };
  if (attrs['name'] !== undefined) event.name = attrs['name'];
  if (attrs['image'] !== undefined) event.image = attrs['image'];
  if (attrs['exitCode'] !== undefined) event.exitCode = Number(attrs['exitCode']);
  if (attrs['signal'] !== undefined) event.signal = attrs['signal'];
  return event;
}

// ---------------------------------------------------------------------------
// Streams

/** Newline-delimited JSON from a daemon stream; a line that is not JSON is an error. */
async function* jsonLines(stream: AsyncIterable<Buffer | string>): AsyncGenerator<unknown> {
  let buf = '';
  for await (const chunk of stream) {
    buf += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line) yield parseLine(line);
    }
  }
  if (buf.trim()) yield parseLine(buf.trim());
}

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    throw new RuntimeError(`malformed line in a Docker stream: ${line.slice(0, 200)}`, 'Internal');
  }
}

/**
 * Docker's multiplexed stream: frames of an 8-byte header (stream type: 0 stdin,
 * 1 stdout, 2 stderr; three zero bytes; big-endian uint32 payload size) then the
 * payload. Frames may be split across chunks and chunks may hold many frames.
 */
class FrameParser {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Array<{ stream: number; data: Buffer }> {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const frames: Array<{ stream: number; data: Buffer }> = [];
    let off = 0;
    while (this.pending.length - off >= 8) {
      const size = this.pending.readUInt32BE(off + 4);
      if (this.pending.length - off - 8 < size) break;
      frames.push({ stream: this.pending[off]!, data: this.pending.subarray(off + 8, off + 8 + size) });
      off += 8 + size;
    }
    this.pending = off === 0 ? this.pending : Buffer.from(this.pending.subarray(off));
    return frames;
  }
}

/** Collects up to `limit` bytes, dropping the rest. */
class Capped {
  private readonly parts: Buffer[] = [];
  private size = 0;
  constructor(private readonly limit: number) {}
  add(data: Buffer): void {
    const room = this.limit - this.size;
    if (room <= 0) return;
    const part = data.length > room ? data.subarray(0, room) : data;
    this.parts.push(part);
    this.size += part.length;
  }
  text(): string {
    return Buffer.concat(this.parts).toString('utf8');
  }
}

/**
 * The log response as a byte stream of stdout and stderr in the order the daemon sent
 * them: frame headers stripped, or the raw bytes for a TTY container (no frames).
 * Backpressure reaches the daemon connection; destroying the result closes it; an
 * abort ends it cleanly.
 */
function demuxedReadable(res: IncomingMessage, tty: boolean, signal: AbortSignal | undefined): Readable {
  const parser = tty ? undefined : new FrameParser();
  let ended = false;
  const onAbort = (): void => {
    if (ended) return;
    ended = true;
    res.destroy();
    out.push(null);
  };
  const out = new Readable({
    read() {
      res.resume();
    },
    destroy(err, cb) {
      ended = true;
      signal?.removeEventListener('abort', onAbort);
      res.destroy();
      cb(err);
    },
  });
  signal?.addEventListener('abort', onAbort, { once: true });
  res.on('data', (chunk: Buffer) => {
    if (ended) return;
    let more = true;
    if (parser) {
      for (const frame of parser.push(chunk)) more = out.push(frame.data) && more;
    } else {
      more = out.push(chunk);
    }
    if (!more) res.pause();
  });
  res.on('end', () => {
    if (ended) return;
    ended = true;
    signal?.removeEventListener('abort', onAbort);
    out.push(null);
  });
  res.on('error', (err) => {
    if (ended) return;
    ended = true;
    signal?.removeEventListener('abort', onAbort);
    out.destroy(toRuntimeError(err));
  });
  res.on('close', () => {
    if (ended) return;
    ended = true;
    signal?.removeEventListener('abort', onAbort);
    out.destroy(new RuntimeError('the Docker log stream closed early', 'Unavailable'));
  });
  return out;
}
