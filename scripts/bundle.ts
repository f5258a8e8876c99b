// The CLI as one file: dist/kubectl/tskubectl.js, our code and its packages bundled by
// esbuild after tsc (`npm run build`). Loading dist/kubectl/main.js resolves and links a few
// hundred ES modules and CommonJS packages at every command; the bundle starts in about a
// third of the CPU time (0.12 s against 0.35 s for `get pods`), which is most of what a
// command costs. bin/tskubectl, the images and the tests run the bundle; main.js stays the
// unbundled entry point (same behaviour, for debugging with source maps).
//
// Packages undici's Pool is taken from at run time (client/undici-pool.ts requires them
// through createRequire) stay outside; bundled CommonJS packages get a `require` made
// with createRequire, for the Node built-ins they require.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export const CLI_BUNDLE = 'dist/kubectl/tskubectl.js';

export async function bundleCli(): Promise<void> {
  await build({
    absWorkingDir: root,
    entryPoints: ['dist/kubectl/main.js'],
    outfile: CLI_BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // ws's optional native helpers: absent, and ws works without them.
    external: ['bufferutil', 'utf-8-validate'],
    banner: { js: "import { createRequire as __tskubeCreateRequire } from 'node:module';\nconst require = __tskubeCreateRequire(import.meta.url);" },
    logLevel: 'error',
    legalComments: 'none',
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const t = performance.now();
  await bundleCli();
  process.stdout.write(`bundle: ${CLI_BUNDLE} in ${Math.round(performance.now() - t)} ms\n`);
}
