// /version: the Kubernetes version whose API this server implements.
export interface VersionInfo {
  major: string; minor: string; gitVersion: string; gitCommit: string; gitTreeState: string;
  buildDate: string; goVersion: string; compiler: string; platform: string;
}

export function versionInfo(): VersionInfo {
  return {
    major: '1', minor: '32', gitVersion: 'v1.32.0-tskube', gitCommit: 'tskube', gitTreeState: 'clean',
    buildDate: '2026-11-25T00:00:00Z', goVersion: `node${process.versions.node}`, compiler: 'tsc',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}
