// kube-controller-manager: parses flags, serves /healthz and /metrics, and while it
// holds the kube-controller-manager Lease runs one leadership term: shared informers,
// the enabled controllers, their event recorders. With --use-service-account-credentials
// each controller acts as its own ServiceAccount (client-builder.ts). Losing the Lease
// ends the term (everything in it stops) and it campaigns again; SIGTERM/SIGINT end the
// process (client/signals.ts), releasing the Lease.
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { Command, Option } from 'commander';
import { componentLogger } from '../client/logger.js';
import { realClock } from '../client/clock.js';
import { loadClientConfig } from '../client/kubeconfig.js';
import { addLeaderElectionFlags, leaderElectionEnabled, leaderElectionOptions } from '../client/leader-election-flags.js';
import { LeaderElector } from '../client/leader-elector.js';
import { RestClient } from '../client/rest-client.js';
import { runComponent } from '../client/signals.js';
import { RootClientBuilder, ServiceAccountClientBuilder, USE_SERVICE_ACCOUNT_CREDENTIALS_FLAG, type ControllerClientBuilder } from './client-builder.js';
import { COMMON_FLAGS, CONTROLLERS, enabledControllers } from './controllers.js';
import { startHealthServer } from '../client/health-server.js';
import { createControllerMetrics } from './metrics.js';
import { checkFlag, ControllerOptions, type FlagDef } from './options.js';
import { runTerm } from './term.js';

const camel = (flag: string): string => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

const program = new Command('kube-controller-manager')
  .description('Runs the controllers that make the cluster act: ReplicaSets, Deployments, endpoints, nodes, namespaces, garbage collection, service accounts, RBAC aggregation, bootstrap tokens')
  .option('--kubeconfig <file>', 'kubeconfig with the apiserver and credentials')
  .option('--master <url>', 'apiserver URL (overrides the kubeconfig server)')
  .option('--controllers <list>', `controllers to enable: '*' enables all on-by-default controllers, 'foo' enables foo, '-foo' disables foo. All controllers: ${CONTROLLERS.map((c) => c.name).join(', ')}`, '*')
  .option('--bind-address <ip>', 'address of /healthz and /metrics', '127.0.0.1')
  .option('--port <port>', 'port of /healthz and /metrics (0: any free port)', '10257')
  .option('--port-file <file>', 'write {"port"} as JSON to this file once listening (for tests and scripts)')
  .option('--log-level <level>', 'pino log level', 'info');

const flagDefs: FlagDef[] = [USE_SERVICE_ACCOUNT_CREDENTIALS_FLAG, ...COMMON_FLAGS, ...CONTROLLERS.flatMap((c) => c.flags)];
const seen = new Set<string>();
for (const f of flagDefs) {
  if (seen.has(f.name)) continue;
  seen.add(f.name);
  const arg = f.kind === 'bool' ? `[${f.kind}]` : `<${f.kind}>`;
  program.addOption(new Option(`--${f.name} ${arg}`, f.description).default(f.default).argParser((v: string | boolean) => {
    const value = String(v === true ? 'true' : v);
    checkFlag(f, value);
    return value;
  }).hideHelp(f.hidden === true));
}

addLeaderElectionFlags(program, 'runs controllers', 'kube-controller-manager');
program.parse();
const o = program.opts<Record<string, string | boolean | undefined>>();
const log = componentLogger('kube-controller-manager', String(String(o.logLevel)));
const str = (k: string): string => String(o[k]);

await runComponent(log, 'kube-controller-manager', async (signal) => {
  const controllers = enabledControllers(str('controllers').split(','));
  const options = new ControllerOptions(new Map(flagDefs.map((f) => [f.name, String(o[camel(f.name)] === true ? 'true' : o[camel(f.name)])])));
  for (const c of controllers) c.validate?.(options);
  const leaderElect = leaderElectionEnabled(o);
  const clientConfig = loadClientConfig({ kubeconfig: o.kubeconfig as string | undefined, master: o.master as string | undefined });
  const rest = new RestClient(clientConfig, { userAgent: 'kube-controller-manager' });
  const leaseRest = new RestClient(clientConfig, { userAgent: 'kube-controller-manager/leader-election' });
  const eventRest = new RestClient(clientConfig, { userAgent: 'kube-controller-manager/events' });
  const useServiceAccountCredentials = options.bool(USE_SERVICE_ACCOUNT_CREDENTIALS_FLAG.name);
  const clients: ControllerClientBuilder = useServiceAccountCredentials
    ? new ServiceAccountClientBuilder({
      config: clientConfig, root: { rest, eventRest }, userAgent: 'kube-controller-manager', clock: realClock,
      log: log.child({ component: 'client-builder' }),
    })
    : new RootClientBuilder({ rest, eventRest });
  const metrics = createControllerMetrics();
  const identity = `${hostname()}_${randomUUID()}`;
  const health = await startHealthServer({
    address: str('bindAddress'), port: Number(str('port')), registry: metrics.registry, log: log.child({ component: 'health' }),
  });
  if (o.portFile) await writeFile(str('portFile'), JSON.stringify({ port: health.port }));
  const term = (termSignal: AbortSignal): Promise<void> =>
    runTerm({ rest, clients, controllers, options, metrics, clock: realClock, log, signal: termSignal });
  let running: Promise<unknown>;
  if (leaderElect) {
    const elector = new LeaderElector({
      rest: leaseRest, identity,
      ...leaderElectionOptions(o),
      logger: log.child({ component: 'leader-election' }),
      onStartedLeading: (leading) => {
        log.info({ identity }, 'started leading');
        metrics.leader.set({ name: 'kube-controller-manager' }, 1);
        return term(leading);
      },
      onStoppedLeading: () => {
        metrics.leader.set({ name: 'kube-controller-manager' }, 0);
        log.info({ identity }, 'stopped leading');
      },
      onNewLeader: (leader) => { if (leader !== identity) log.info({ leader }, 'new leader elected'); },
    });
    running = elector.run(signal);
  } else {
    running = term(signal);
  }
  log.info({ identity, leaderElect, useServiceAccountCredentials, controllers: controllers.map((c) => c.name), port: health.port }, 'kube-controller-manager started');

  return async () => {
    await Promise.allSettled([running]);
    await Promise.all([health.close(), clients.close(), rest.close(), leaseRest.close(), eventRest.close()]);
  };
});
