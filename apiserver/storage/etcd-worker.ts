// Entry point of the storage worker thread: hosts one EtcdClient and answers the
// Store's requests ({ id, op, args } -> { id, result } | { id, error: Status }), and
// streams watch events ({ watch, events } | { watch, error }).
import { parentPort, workerData } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import { EtcdClient, mapEtcdError, type EtcdClientOptions, type EtcdTlsFiles } from './etcd-client.js';
import { loadEncryptionConfig } from './encryption/config.js';
import { encryptingCodec, PLAIN_CODEC } from './value-codec.js';

export type WorkerRequest = { id: number; op: string; args: unknown[] };

const port = parentPort;
if (!port) throw new Error('etcd-worker.js must run as a worker thread');
const data = workerData as EtcdClientOptions & { encryptionConfigFile?: string; tls?: EtcdTlsFiles };
// The apiserver checked the file before starting this thread; it is read again here,
// where values are encoded, so keys never cross threads.
const codec = data.encryptionConfigFile ? encryptingCodec(await loadEncryptionConfig(data.encryptionConfigFile)) : PLAIN_CODEC;
const client = new EtcdClient({ endpoints: data.endpoints, requestTimeoutMs: data.requestTimeoutMs, codec, credentials: credentials(data.tls) });

/** TLS credentials from the files; without a CA file, gRPC trusts the system's roots. */
function credentials(tls: EtcdTlsFiles | undefined): EtcdClientOptions['credentials'] {
  if (!tls?.caFile && !tls?.certFile && !tls?.keyFile) return undefined;
  const read = (file: string | undefined): Buffer | undefined => (file ? readFileSync(file) : undefined);
  return { rootCertificate: read(tls.caFile) as Buffer, certChain: read(tls.certFile), privateKey: read(tls.keyFile) };
}

port.on('message', (msg: WorkerRequest) => {
  void handle(msg);
});

async function handle({ id, op, args }: WorkerRequest): Promise<void> {
  try {
    let result: unknown;
    switch (op) {
      case 'get': result = await client.get(args[0] as string); break;
      case 'list': result = await client.list(args[0] as string, args[1] as string | undefined, args[2] as number, args[3] as number); break;
      case 'count': result = await client.count(args[0] as string); break;
      case 'put': result = await client.put(args[0] as string, args[1] as string, args[2] as number | undefined, args[3] as string | undefined); break;
      case 'delete': result = await client.delete(args[0] as string, args[1] as number); break;
      case 'createRaw': result = await client.createRaw(args[0] as string, args[1] as string); break;
      case 'deleteRaw': result = await client.deleteRaw(args[0] as string); break;
      case 'listRawKeys': result = await client.listRawKeys(args[0] as string); break;
      case 'revision': result = await client.revision(); break;
      case 'compact': result = await client.compact(args[0] as number); break;
      case 'grantLease': result = await client.grantLease(args[0] as number); break;
      case 'healthy': result = await client.healthy(args[0] as number); break;
      case 'watch': {
        const watchId = args[0] as number;
        await client.watch(watchId, args[1] as string, args[2] as number,
          (events, progress) => port?.postMessage({ watch: watchId, events, progress }),
          (error) => port?.postMessage({ watch: watchId, error }));
        break;
      }
      case 'cancelWatch': result = await client.cancelWatch(args[0] as number); break;
      case 'close': client.close(); break;
      default: throw new Error(`unknown storage operation ${op}`);
    }
    port?.postMessage({ id, result });
  } catch (err) {
    port?.postMessage({ id, error: mapEtcdError(err).status });
  }
}
