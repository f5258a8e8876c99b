// Which one-file bundles `npm run build` makes (scripts/bundle.ts) and what runs them.
// A component started from its bundle resolves and links one file instead of a few
// hundred ES modules and CommonJS packages: the apiserver starts in about 1.5 s of CPU
// instead of 2.2 s, the CLI runs `get pods` in 0.12 s instead of 0.35 s. The tests,
// `npm run cluster`, the benchmarks and the image all run the bundles; each main.js stays
// the unbundled entry point (same behaviour, source maps, for debugging).

/** A component's bundle: its entry (tsc output) and the file made of it, both under dist/. */
export interface Bundle {
  readonly entry: string;
  readonly out: string;
}

/**
 * By the component name componentCommand and the image's entrypoint use. The kubelet is
 * not bundled: kubelet/runtime/lazy-docker-deps.ts defers dockerode's dependencies by
 * hooking Node's CommonJS loader, which a bundle does not go through.
 */
export const BUNDLES = {
  apiserver: { entry: 'apiserver/main.js', out: 'apiserver/kube-apiserver.js' },
  scheduler: { entry: 'scheduler/main.js', out: 'scheduler/kube-scheduler.js' },
  'controller-manager': { entry: 'controller-manager/main.js', out: 'controller-manager/kube-controller-manager.js' },
  'kube-proxy': { entry: 'kube-proxy/main.js', out: 'kube-proxy/kube-proxy.js' },
  'metrics-server': { entry: 'metrics-server/main.js', out: 'metrics-server/metrics-server.js' },
  kubectl: { entry: 'kubectl/main.js', out: 'kubectl/tskubectl.js' },
} as const satisfies Record<string, Bundle>;

/**
 * Worker threads a bundle starts. The apiserver's etcd worker is found beside the module
 * that starts it (`new URL('./etcd-worker.js', import.meta.url)`): beside the bundle.
 */
export const WORKER_BUNDLES: readonly Bundle[] = [
  { entry: 'apiserver/storage/etcd-worker.js', out: 'apiserver/etcd-worker.js' },
];

export type BundledComponent = keyof typeof BUNDLES;
