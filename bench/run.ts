// `npm run bench [-- name...]`: runs the named benchmarks (all when none is named).
// Each benchmark is bench/<name>.ts exporting run(), which prints our figure, the
// baseline measured in the same run, and their ratio.

interface Benchmark {
  run(): Promise<void>;
}

const benchmarks: Record<string, () => Promise<Benchmark>> = {
  apiserver: () => import('./apiserver.js'),
  compose: () => import('./compose.js'),
  controllers: () => import('./controllers.js'),
  'pod-startup': () => import('./pod-startup.js'),
  proxy: () => import('./proxy.js'),
  scheduler: () => import('./scheduler.js'),
  streaming: () => import('./streaming.js'),
};

const requested = process.argv.slice(2).filter((a) => a !== '--');
const unknown = requested.filter((name) => !Object.hasOwn(benchmarks, name));
if (unknown.length) {
  console.error(`unknown benchmark${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`);
  console.error(`known benchmarks: ${Object.keys(benchmarks).join(', ')}`);
  console.error('usage: npm run bench [-- <name>...]   (no name runs them all)');
  process.exit(1);
}

// Ctrl-C or SIGTERM: exit through process.exit so the harness's exit hook kills the
// etcd and apiserver children instead of leaving them behind.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping (child processes are killed on exit)`);
    process.exit(130);
  });
}

let failed = false;
for (const name of requested.length ? requested : Object.keys(benchmarks)) {
  try {
    const bench = await benchmarks[name]();
    await bench.run();
  } catch (err) {
    failed = true;
    console.error(`benchmark ${name} failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  }
}
process.exit(failed ? 1 : 0);
