// kustomize's errors: one type, its message worded as kustomize words it (kubectl prints
// it after "error: " for -k, or as the klog "command failed" line for `kustomize`).

export class KustomizeError extends Error {
  override name = 'KustomizeError';
}
