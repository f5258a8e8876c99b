// The Node.js flags each component's process is started with: `npm run cluster` and
// the container image's entrypoint (through a file the Dockerfile writes from this
// table) put them before main.js; the kubelet's test harness and benchmark too.
//
// The components allocate little but in bursts (lists, watch events, Docker inspect
// answers, a wave of status writes), and V8 keeps what a burst took: it grows the young
// generation up to 2 x 16 MB and never gives it back, and each V8 background thread
// keeps its own malloc arena of freed memory. So the long-running control-plane and
// node components trade a little CPU for resident memory:
// - --max-semi-space-size: 1 MB costs a few more scavenges of short-lived garbage.
//   The apiserver, which allocates the most per request, gets 8 MB: at 4 MB its create
//   rate fell about 5% (bench/apiserver), at 8 MB it did not move. Measured idle on this
//   machine: kubelet 69-83 MB without the flags, 63-66 MB with them; apiserver about
//   135 MB without, about 100 MB with; scheduler and controller-manager about 10 MB
//   less each (bench/compose and bench/pod-startup give the figures).
// - --v8-pool-size=1: one V8 background thread (concurrent GC and compile tasks)
//   instead of one per core.
// kube-proxy has none: in userspace mode it is a data path, where scavenges cost
// throughput. Nor has the scheduler: it caches every pod and decides under load, where
// the small young generation promoted what would have died young and one V8 thread did
// all the marking; bench/scheduler with its pods (10,000 at 5,000 nodes) measured 5.6 s of
// scheduler CPU and 270 MB RSS with SMALL_HEAP, 4.3-4.7 s with 8 MB and one thread, and
// 4.0-4.3 s (0.90-0.94 of the bind-only rate) with none. V8 reads these only when the process starts (v8.setFlagsFromString does
// not change the semi-space), so they have to be command-line flags (or NODE_OPTIONS).

export type Component = 'kube-apiserver' | 'kube-scheduler' | 'kube-controller-manager' | 'kubelet' | 'kube-proxy' | 'metrics-server';

const SMALL_HEAP: readonly string[] = ['--max-semi-space-size=1', '--v8-pool-size=1'];

export const NODE_FLAGS: Readonly<Record<Component, readonly string[]>> = {
  'kube-apiserver': ['--max-semi-space-size=8', '--v8-pool-size=1'],
  'kube-scheduler': [],
  'kube-controller-manager': SMALL_HEAP,
  kubelet: SMALL_HEAP,
  'kube-proxy': [],
  'metrics-server': SMALL_HEAP,
};

export const KUBELET_NODE_FLAGS: readonly string[] = NODE_FLAGS.kubelet;

/** The flags of a component's NODE_FLAGS this process was started without (its main logs them). */
export function missingNodeFlags(component: Component, execArgv = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): string[] {
  const given = [...execArgv, ...nodeOptions.split(/\s+/)];
  return NODE_FLAGS[component].filter((f) => !given.some((g) => g.split('=')[0] === f.split('=')[0]));
}

/** The table as the image's entrypoint reads it: one line per component, "<component> <flags...>". */
export function nodeFlagsFile(): string {
  return Object.entries(NODE_FLAGS).map(([c, flags]) => `${c} ${flags.join(' ')}`.trimEnd()).join('\n') + '\n';
}

// Run as a script (the Dockerfile): prints nodeFlagsFile().
if (process.argv[1]?.endsWith('/client/node-flags.js')) process.stdout.write(nodeFlagsFile());
