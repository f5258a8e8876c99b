// kubectl cp's file specs and path rules (pkg/cmd/cp/filespec.go), as pure functions:
// "[[namespace/]pod:]path", Go's path.Clean, Dir, Base and Join on the container's
// POSIX paths, and the checks that keep what a pod sends inside the local destination.
import { posix } from 'node:path';

export interface FileSpec {
  podName?: string;
  podNamespace?: string;
  /** A local path, or the container's path when podName is set. */
  file: string;
}

export const FILE_SPEC_FORMAT_ERROR = 'filespec must match the canonical format: [[namespace/]pod:]file/path';

/** Strips one trailing slash, never the root's (stripTrailingSlash). */
export function stripTrailingSlash(file: string): string {
  return file.length > 1 && file.endsWith('/') ? file.slice(0, -1) : file;
}

/** A local path as kubectl keeps it (newLocalPath). */
export function localPath(file: string): string {
  return stripTrailingSlash(file);
}

/** A container path as kubectl keeps it (newRemotePath): Windows separators made POSIX, one trailing slash dropped. */
export function remotePath(file: string): string {
  return stripTrailingSlash(file.replaceAll('\\', '/'));
}

/** extractFileSpec: "pod:path", "namespace/pod:path", or a local path (no colon). */
export function parseFileSpec(arg: string): FileSpec {
  const i = arg.indexOf(':');
  if (i === 0) throw new Error(FILE_SPEC_FORMAT_ERROR);
  if (i === -1) return { file: localPath(arg) };
  const pieces = arg.slice(0, i).split('/');
  const file = remotePath(arg.slice(i + 1));
  if (pieces.length === 1) return { podName: pieces[0], file };
  if (pieces.length === 2) return { podNamespace: pieces[0], podName: pieces[1], file };
  throw new Error(FILE_SPEC_FORMAT_ERROR);
}

/** Go's path.Clean. */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const n = posix.normalize(p);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

/** Go's path.Dir: everything before the last slash, cleaned. */
export function dirPath(p: string): string {
  return cleanPath(p.slice(0, p.lastIndexOf('/') + 1));
}

/** Go's path.Base. */
export function basePath(p: string): string {
  if (p === '') return '.';
  const trimmed = p.replace(/\/+$/, '');
  if (trimmed === '') return '/';
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** Go's path.Join: the non-empty elements joined and cleaned ("" when all are empty). */
export function joinPath(...elems: string[]): string {
  const kept = elems.filter((e) => e !== '');
  return kept.length ? cleanPath(kept.join('/')) : '';
}

/** strips every leading slash (and backslash), as tar does with member names. */
export function stripLeadingSlash(file: string): string {
  return file.replace(/^[/\\]+/, '');
}

/** stripPathShortcuts: leading "../" removed, "." and ".." made empty, one leading slash removed. */
export function stripPathShortcuts(p: string): string {
  let s = p;
  while (s.startsWith('../')) s = s.slice(3);
  if (s === '.' || s === '..') s = '';
  return s.startsWith('/') ? s.slice(1) : s;
}

/**
 * isRelative: target lies inside base (or is base), both local paths. A path that
 * leaves base ("../x" from it) is outside; so is one that is absolute when base is
 * not, or the other way round (filepath.Rel refuses those).
 */
export function isInside(base: string, target: string): boolean {
  if (posix.isAbsolute(base) !== posix.isAbsolute(target)) return false;
  const rel = posix.relative(base, target) || '.';
  return rel === '.' || rel === stripPathShortcuts(rel);
}

/**
 * The prefix every member of `tar cf - <src>` starts with, to strip from the names
 * (copyFromPod): the path without leading slashes, cleaned, with no leading "../".
 */
export function memberPrefix(src: string): string {
  return stripPathShortcuts(cleanPath(remotePath(stripLeadingSlash(src))));
}

/**
 * Where a member of the pod's tar lands locally, or undefined when its name lies
 * outside the copied path (kubectl: "tar contents corrupted"). `inside` says whether
 * that place is within dest; kubectl skips, with a warning, what is not.
 */
export function memberDestination(dest: string, prefix: string, memberName: string): { path: string; inside: boolean } | undefined {
  if (!memberName.startsWith(prefix)) return undefined;
  const path = posix.join(dest, remotePath(memberName.slice(prefix.length)));
  return { path: stripTrailingSlash(path), inside: isInside(dest, path) };
}
