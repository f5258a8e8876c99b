// Bundles the components into one file each with esbuild, after tsc (`npm run build`);
// scripts/bundles.ts says which and why.
//
// Packages undici's Pool is taken from at run time (client/undici-pool.ts requires them
// through createRequire) are required from node_modules as they are; bundled CommonJS
// packages get a `require` made with createRequire, for the Node built-ins they require.
// etcd3 reads its .proto file from beside its own module (`${__dirname}/../proto`): in the
// bundle that path is resolved from node_modules instead.
import { build, type Plugin } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';
import { BUNDLES, WORKER_BUNDLES, type Bundle } from './bundles.js';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));

const BANNER = "import { createRequire as __tskubeCreateRequire } from 'node:module';\nconst require = __tskubeCreateRequire(import.meta.url);";

/** etcd3's connection pool loads `${__dirname}/../proto/rpc.proto`: from the installed package instead. */
const etcd3Proto: Plugin = {
  name: 'etcd3-proto',
  setup(b) {
    b.onLoad({ filter: /[\\/]etcd3[\\/]lib[\\/]connection-pool\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const fixed = source.replace('`${__dirname}/../proto/rpc.proto`', "require.resolve('etcd3/proto/rpc.proto')");
      if (fixed === source) throw new Error(`${args.path}: etcd3 no longer loads \`\${__dirname}/../proto/rpc.proto\`; update scripts/bundle.ts`);
      return { contents: fixed, loader: 'js' };
    });
  },
};

async function bundle({ entry, out }: Bundle): Promise<void> {
  await build({
    absWorkingDir: root,
    entryPoints: [join('dist', entry)],
    outfile: join('dist', out),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // ws's optional native helpers: absent, and ws works without them.
    external: ['bufferutil', 'utf-8-validate'],
    plugins: [etcd3Proto],
    banner: { js: BANNER },
    logLevel: 'error',
    legalComments: 'none',
  });
}

export async function bundleAll(): Promise<string[]> {
  const all = [...Object.values(BUNDLES), ...WORKER_BUNDLES];
  await Promise.all(all.map(bundle));
  return all.map((b) => join('dist', b.out));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const t = performance.now();
  const files = await bundleAll();
  process.stdout.write(`bundle: ${files.length} files (${files.join(', ')}) in ${Math.round(performance.now() - t)} ms\n`);
}
