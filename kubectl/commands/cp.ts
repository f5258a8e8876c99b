// `tskubectl cp <file-spec-src> <file-spec-dest> [-c CONTAINER] [--no-preserve]`:
// kubectl's pkg/cmd/cp, a tar over exec. To a pod: a tar made here (pod-tar.ts) is the
// stdin of `tar -xmf - -C <dir>` in the container (into the destination when it is a
// directory there, `test -d` says). From a pod: `tar cf - <path>` runs there and its
// output is unpacked here, with kubectl's checks on member names and symlinks. As with
// kubectl, the container's messages while it packs (tar's "removing leading '/'") and
// the "Defaulted container" notice come out on stdout.
import type { Command } from 'commander';
import { PassThrough, Writable } from 'node:stream';
import { existsSync } from 'node:fs';
import { goQuote } from '../../api/errors.js';
import type { Pod } from '../../api/types/core.js';
import { CONTAINER_FLAG_HELP, intFlag } from '../command-flags.js';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';
import { basePath, dirPath, joinPath, memberPrefix, parseFileSpec, type FileSpec } from '../file-spec.js';
import { execContainer, execInPod } from '../pod-exec.js';
import { makeTar, untarAll } from '../pod-tar.js';
import { ExitCodeError } from '../remote-command.js';

interface CpOptions {
  container?: string;
  noPreserve: boolean;
  retries: number;
}

export function register(program: Command, cli: Cli): void {
  program.command('cp')
    .description('Copy files and directories to and from containers')
    .usage('<file-spec-src> <file-spec-dest> [options]')
    .argument('[args...]')
    .option('-c, --container <name>', CONTAINER_FLAG_HELP)
    // commander makes --no-preserve the negation of a "preserve" option (true unless given).
    .option('--no-preserve', "The copied file/directory's ownership and permissions will not be preserved in the container")
    .option('--retries <n>', 'Set number of retries to complete a copy operation from a container. Specify 0 to disable or any negative value for infinite retrying. The default is 0 (no retry).', intFlag('retries'), 0)
    .action(async (args: string[], opts: Omit<CpOptions, 'noPreserve'> & { preserve: boolean }) => {
      await runCp(cli, args, { container: opts.container, retries: opts.retries, noPreserve: !opts.preserve });
    });
}

async function runCp(cli: Cli, args: string[], opts: CpOptions): Promise<void> {
  if (args.length !== 2) throw new CliError('error: source and destination are required');
  const src = parseFileSpec(args[0]!);
  const dest = parseFileSpec(args[1]!);
  if (src.podName && dest.podName) throw new CliError('error: one of src or dest must be a local file specification');
  if (!src.file || !dest.file) throw new CliError('error: filepath can not be empty');
  if (src.podName) return copyFromPod(cli, src, dest, opts);
  if (dest.podName) return copyToPod(cli, src, dest, opts);
  throw new CliError('error: one of src or dest must be a remote file specification');
}

async function getPod(cli: Cli, spec: FileSpec): Promise<Pod> {
  return cli.client<Pod>(await cli.resource('pods')).get(spec.podNamespace || cli.namespace(), spec.podName!);
}

/** Discards what it is given (the output of `test -d`). */
const discard = (): Writable => new Writable({ write: (_chunk, _enc, done) => done() });

async function copyToPod(cli: Cli, src: FileSpec, dest: FileSpec, opts: CpOptions): Promise<void> {
  if (!existsSync(src.file)) throw new CliError(`error: ${src.file} doesn't exist in local filesystem`);
  const pod = await getPod(cli, dest);
  let destFile = dest.file;
  // An existing directory in the container receives the source under its own name.
  try {
    await execInPod(cli, pod, {
      container: execContainer(pod, opts.container, false, discard()), command: ['test', '-d', dest.file], tty: false, stdout: discard(), stderr: discard(),
    });
    destFile = joinPath(destFile, basePath(joinPath(src.file)));
  } catch {
    // not a directory there (or no such path): dest names the copy itself
  }
  const command = opts.noPreserve ? ['tar', '--no-same-permissions', '--no-same-owner', '-xmf', '-'] : ['tar', '-xmf', '-'];
  const destDir = dirPath(joinPath(destFile));
  if (destDir) command.push('-C', destDir);
  const container = execContainer(pod, opts.container, false, cli.err);
  await execInPod(cli, pod, { container, command, tty: false, stdin: makeTar(src.file, destFile), stdout: cli.out, stderr: cli.err });
}

async function copyFromPod(cli: Cli, src: FileSpec, dest: FileSpec, opts: CpOptions): Promise<void> {
  const pod = await getPod(cli, src);
  // kubectl's exec here writes its notices and the container's stderr to stdout.
  const container = execContainer(pod, opts.container, false, cli.out);
  const archive = new PassThrough();
  const stop = new AbortController();
  // The first failure is the cause: the other side then fails only because of it.
  let failure: unknown;
  const unpacking = untarAll(archive, {
    dest: dest.file,
    prefix: memberPrefix(src.file),
    warn: (line) => cli.warn(line),
    symlinkHint: `consider using "tskubectl exec -n ${goQuote(src.podNamespace ?? '')} ${goQuote(src.podName!)} -- tar cf - ${goQuote(src.file)} | tar xf -"`,
  }).catch((err: unknown) => {
    failure ??= err;
    stop.abort();
  });
  const packing = readRemoteTar(cli, pod, container, src.file, archive, opts.retries, stop.signal).then(() => { archive.end(); }, (err: unknown) => {
    failure ??= err;
    archive.destroy();
  });
  await Promise.all([unpacking, packing]);
  if (failure !== undefined) throw failure;
}

/**
 * Runs `tar cf - <path>` in the container into `archive` (kubectl's TarPipe). With
 * retries, a stream that breaks off resumes where it stopped (`tail -c+N`), up to
 * `retries` times (negative: without end), saying so as kubectl does.
 */
async function readRemoteTar(cli: Cli, pod: Pod, container: string, path: string, archive: PassThrough, retries: number, signal: AbortSignal): Promise<void> {
  let bytesRead = 0;
  let attempt = 0;
  const counted = new Writable({
    write(chunk: Buffer, _enc, done) {
      bytesRead += chunk.length;
      if (archive.write(chunk)) done();
      else archive.once('drain', () => done());
    },
  });
  for (;;) {
    const command = retries !== 0 ? ['sh', '-c', `tar cf - ${path} | tail -c+${attempt === 0 ? 0 : bytesRead + 1}`] : ['tar', 'cf', '-', path];
    try {
      await execInPod(cli, pod, { container, command, tty: false, stdout: counted, stderr: cli.out, signal });
      return;
    } catch (err) {
      // The command's own failure, or a stop we asked for, is no reason to try again.
      if (signal.aborted || err instanceof ExitCodeError) throw err;
      if (retries < 0 || attempt < retries) {
        attempt++;
        cli.print(`Resuming copy at ${bytesRead} bytes, retry ${attempt}/${retries}`);
        continue;
      }
      if (retries !== 0) cli.print(`Dropping out copy after ${attempt} retries`);
      throw err;
    }
  }
}
