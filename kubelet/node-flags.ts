// The Node.js flags the kubelet process is started with: `npm run cluster`, the
// container image, the test harness and the benchmark all put these before main.js.
//
// The kubelet allocates little but in bursts (pod lists, Docker inspect answers, a wave
// of status writes), and a node's memory is the pods', so the kubelet trades a little
// CPU for resident memory (measured idle, node registered, smaps: 69-83 MB without
// these flags, 63-66 MB with them; bench/pod-startup gives the figure with 30 pods):
// - --max-semi-space-size=1: V8 grows the young generation under bursts up to 2 x 16 MB
//   and never gives it back; 1 MB costs a few more scavenges of short-lived garbage.
// - --v8-pool-size=1: one V8 background thread (concurrent GC and compile tasks) instead
//   of one per core; each thread keeps its own malloc arena of freed memory.
// V8 reads both only when the process starts (v8.setFlagsFromString does not change the
// semi-space), so they have to be command-line flags (or NODE_OPTIONS).
export const KUBELET_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1', '--v8-pool-size=1'];

/** The flags of KUBELET_NODE_FLAGS this process was started without (main logs them). */
export function missingNodeFlags(execArgv = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): string[] {
  const given = [...execArgv, ...nodeOptions.split(/\s+/)];
  return KUBELET_NODE_FLAGS.filter((f) => !given.some((g) => g.split('=')[0] === f.split('=')[0]));
}
