// undici's Pool without the rest of undici. `import { Pool } from 'undici'` runs
// undici's index, which loads every API it has (fetch, WebSocket, EventSource, caches,
// mock agents): about 130 ms at the start of every process that talks to the apiserver
// (each CLI command, each component). The Pool and the request API it uses are about
// 40 ms. The same modules undici's index uses, so classes and errors are the very same;
// test/client/undici-pool.test.ts checks that against the installed undici.
import { createRequire } from 'node:module';
import type { Pool as UndiciPool } from 'undici';

const require = createRequire(import.meta.url);

/** What undici's index does to give every dispatcher request(), stream(), pipeline()... */
const dispatcher = require('undici/lib/dispatcher/dispatcher.js') as { prototype: object };
Object.assign(dispatcher.prototype, require('undici/lib/api/index.js') as object);

export const Pool = require('undici/lib/dispatcher/pool.js') as typeof UndiciPool;
export type Pool = UndiciPool;
