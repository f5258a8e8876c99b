// The tar streams of `cp` (tar-stream): makeTar packs a local file or directory under
// the names the pod's `tar -xmf - -C <dir>` should create (kubectl's recursiveTar:
// directories recursively, empty ones as entries, symlinks as links); untarAll unpacks
// the pod's `tar cf - <path>` below a local destination, with kubectl's checks: every
// member must lie under the copied path, one that would land outside the destination
// is skipped with a warning, and so is every symlink.
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir, readdir, readlink } from 'node:fs/promises';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { PassThrough, type Readable } from 'node:stream';
import { extract, pack, type Header, type Pack } from 'tar-stream';
import { goQuote } from '../api/errors.js';
import { basePath, dirPath, joinPath, memberDestination } from './file-spec.js';

/** What a new entry's header gives: its name and any other field. */
type EntryHeader = Partial<Header> & Pick<Header, 'name'>;

/** Go's *PathError text for a failed file operation: "open x: no such file or directory". */
export function pathErrorText(op: string, path: string, err: unknown): string {
  const words: Record<string, string> = {
    ENOENT: 'no such file or directory', EACCES: 'permission denied', EISDIR: 'is a directory',
    ENOTDIR: 'not a directory', EEXIST: 'file exists', ENOSPC: 'no space left on device', ELOOP: 'too many levels of symbolic links',
  };
  const code = (err as { code?: string }).code;
  return `${op} ${path}: ${(code && words[code]) ?? (err as Error).message}`;
}

async function fsStep<T>(op: string, path: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    throw new Error(pathErrorText(op, path, err));
  }
}

/**
 * Packs src (a local file or directory) as dest's base name and what is below it, for
 * `tar -xmf - -C <dir of dest>` in the pod (kubectl's makeTar). The archive streams out
 * as it is read; a failure to read src destroys the stream with Go's words for it.
 */
export function makeTar(src: string, dest: string): Readable {
  const out = pack();
  const stream = new PassThrough();
  pipeline(out, stream).catch(() => undefined);
  (async () => {
    await tarTree(out, joinPath(src) || '.', basePath(joinPath(dest) || '.'));
    out.finalize();
  })().catch((err: unknown) => {
    out.destroy(err as Error);
    stream.destroy(err as Error);
  });
  return stream;
}

/** kubectl's recursiveTar: one path, named `name` in the archive. */
async function tarTree(out: Pack, path: string, name: string): Promise<void> {
  const st = await fsStep('lstat', path, () => lstat(path));
  const header: EntryHeader = {
    name, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime,
  };
  if (st.isDirectory()) {
    const children = (await fsStep('open', path, () => readdir(path))).sort();
    // A directory gets an entry of its own only when empty: tar makes the others as it extracts.
    if (children.length === 0) await addEntry(out, { ...header, type: 'directory' });
    for (const child of children) await tarTree(out, `${path}/${child}`, `${name}/${child}`);
    return;
  }
  if (st.isSymbolicLink()) {
    await addEntry(out, { ...header, type: 'symlink', linkname: await fsStep('readlink', path, () => readlink(path)) });
    return;
  }
  if (st.isSocket()) throw new Error('archive/tar: sockets not supported');
  if (st.isFIFO() || st.isCharacterDevice() || st.isBlockDevice()) {
    await addEntry(out, { ...header, type: st.isFIFO() ? 'fifo' : st.isCharacterDevice() ? 'character-device' : 'block-device' });
    return;
  }
  const entry = out.entry({ ...header, type: 'file', size: st.size });
  await pipeline(createReadStream(path), entry).catch((err: unknown) => { throw new Error(pathErrorText('read', path, err)); });
}

function addEntry(out: Pack, header: EntryHeader): Promise<void> {
  return new Promise((resolve, reject) => {
    out.entry(header, (err) => (err ? reject(err) : resolve()));
  });
}

export interface UntarOptions {
  /** The local destination (as given, one trailing slash dropped). */
  dest: string;
  /** memberPrefix(the pod's path): stripped from every member's name. */
  prefix: string;
  /** Warnings: outside the destination, symlinks (kubectl: stderr). */
  warn: (line: string) => void;
  /** The hint of the first symlink warning: how to copy with symlinks kept. */
  symlinkHint?: string;
}

/** kubectl's untarAll: unpacks the pod's tar stream below dest. */
export async function untarAll(input: Readable, o: UntarOptions): Promise<void> {
  const tar = extract();
  const feeding = pipeline(input, tar);
  // Its failure surfaces in the loop below (the entries end with it); awaited at the end.
  feeding.catch(() => undefined);
  let symlinkWarned = false;
  try {
    for await (const entry of tar) {
      const h = entry.header;
      const where = memberDestination(o.dest, o.prefix, h.name);
      if (!where) throw new Error('tar contents corrupted');
      if (!where.inside) {
        o.warn(`warning: file ${goQuote(where.path)} is outside target destination, skipping`);
        entry.resume();
        continue;
      }
      await fsStep('mkdir', dirPath(where.path), () => mkdir(dirPath(where.path), { recursive: true }));
      if (h.type === 'directory') {
        await fsStep('mkdir', where.path, () => mkdir(where.path, { recursive: true }));
        entry.resume();
        continue;
      }
      if (h.type === 'symlink') {
        const line = `warning: skipping symlink: ${goQuote(where.path)} -> ${goQuote(h.linkname ?? '')}`;
        o.warn(!symlinkWarned && o.symlinkHint ? `${line} (${o.symlinkHint})` : line);
        symlinkWarned = true;
        entry.resume();
        continue;
      }
      // Everything else becomes a regular file with the member's content (os.Create: the mode is not kept).
      const file = createWriteStream(where.path);
      await fsStep('open', where.path, async () => { await once(file, 'open'); });
      await pipeline(entry, file).catch((err: unknown) => { throw new Error(pathErrorText('write', where.path, err)); });
    }
  } catch (err) {
    input.destroy();
    throw err;
  }
  await feeding;
}
