// kube-scheduler: parses flags, builds the client and the Scheduler, keeps its informers
// running, and schedules only while it holds the kube-scheduler Lease. SIGTERM/SIGINT
// abort one signal; the Lease is released so a standby takes over at once.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { Command } from 'commander';
import { componentLogger } from '../client/logger.js';
import { EventRecorder } from '../client/event-recorder.js';
import { loadClientConfig } from '../client/kubeconfig.js';
import { addLeaderElectionFlags, leaderElectionEnabled, leaderElectionOptions } from '../client/leader-election-flags.js';
import { LeaderElector } from '../client/leader-elector.js';
import { RestClient } from '../client/rest-client.js';
import { runComponent } from '../client/signals.js';
import { loadSchedulerConfiguration } from './component-config.js';
import { DEFAULT_SCHEDULER_NAME, type ProfileConfig } from './config.js';
import { Scheduler } from './scheduler.js';

const program = new Command('kube-scheduler')
  .description('Assigns pending pods to nodes')
  .option('--kubeconfig <file>', 'kubeconfig with the apiserver and credentials')
  .option('--master <url>', 'apiserver URL (overrides the kubeconfig server)')
  .option('--scheduler-name <name>', 'pods with this spec.schedulerName are scheduled', DEFAULT_SCHEDULER_NAME)
  .option('--config <file>', 'a KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1, YAML or JSON): profiles, backoff, leader election; explicit flags win')
  .option('--log-level <level>', 'pino log level', 'info');

/**
 * Connections to the apiserver: bindings are sent in the background as decisions are
 * made, and a burst of them waits here instead of piling onto the apiserver at once
 * (kube-scheduler multiplexes them over one HTTP/2 connection). The two watches hold
 * two of them.
 */
const API_CONNECTIONS = 128;
/** kube-scheduler's default clientConnection qps and burst, which its event client gets. */
const EVENT_QPS = 50;
const EVENT_BURST = 100;
const EVENT_WRITERS = 4;

addLeaderElectionFlags(program, 'schedules', 'kube-scheduler');
program.parse();
const o = program.opts<Record<string, string | boolean | undefined>>();
const log = componentLogger('kube-scheduler', String(String(o.logLevel)));
const str = (k: string): string => String(o[k]);

await runComponent(log, 'kube-scheduler', async (signal) => {
  const config = o.config ? loadSchedulerConfiguration(readFileSync(str('config'), 'utf8')) : undefined;
  // An explicit flag wins over the file; the file wins over a flag's default.
  const explicit = (k: string): boolean => program.getOptionValueSource(k) === 'cli';
  const leaderElect = config && !explicit('leaderElect') ? config.leaderElection.leaderElect : leaderElectionEnabled(o);
  const electionFlags = leaderElectionOptions(o);
  const election = config ? {
    namespace: explicit('leaderElectResourceNamespace') ? electionFlags.namespace : config.leaderElection.resourceNamespace,
    name: explicit('leaderElectResourceName') ? electionFlags.name : config.leaderElection.resourceName,
    leaseDurationMs: explicit('leaderElectLeaseDuration') ? electionFlags.leaseDurationMs : config.leaderElection.leaseDurationMs,
    renewDeadlineMs: explicit('leaderElectRenewDeadline') ? electionFlags.renewDeadlineMs : config.leaderElection.renewDeadlineMs,
    retryPeriodMs: explicit('leaderElectRetryPeriod') ? electionFlags.retryPeriodMs : config.leaderElection.retryPeriodMs,
  } : electionFlags;
  const profiles: ProfileConfig[] = config?.profiles ?? [{ schedulerName: str('schedulerName') }];
  if (config && explicit('schedulerName')) {
    if (profiles.length !== 1) throw new Error('--scheduler-name cannot be combined with a --config of several profiles');
    profiles[0] = { ...profiles[0], schedulerName: str('schedulerName') };
  }
  const schedulerName = profiles.map((p) => p.schedulerName ?? DEFAULT_SCHEDULER_NAME).join(',');
  const kubeconfig = (o.kubeconfig as string | undefined) ?? config?.clientConnection.kubeconfig;
  const clientConfig = loadClientConfig({ kubeconfig, master: o.master as string | undefined });
  const rest = new RestClient(clientConfig, { userAgent: 'kube-scheduler', connections: API_CONNECTIONS });
  // Lease renewals and Events must not wait behind a backlog of bindings: clients of their
  // own, as kube-scheduler's leader-election and event clients.
  const leaseRest = new RestClient(clientConfig, { userAgent: 'kube-scheduler/leader-election' });
  const eventRest = new RestClient(clientConfig, { userAgent: 'kube-scheduler/events' });
  const identity = `${hostname()}_${randomUUID()}`;
  // kube-scheduler writes events through a client of their own, rate limited by the
  // default client QPS (50, burst 100), several at a time: a burst of bindings must not
  // turn into as many Event writes competing with them. Beyond 1000 queued, events are
  // dropped (client-go's broadcaster queue).
  // One recorder per profile: its events are reported by its scheduler name.
  const recorders: EventRecorder[] = [];
  const recorder = (component: string): EventRecorder => {
    const r = new EventRecorder({
      rest: eventRest, component, logger: log.child({ component: 'events', profile: component }), qps: EVENT_QPS, burst: EVENT_BURST, writers: EVENT_WRITERS,
    });
    recorders.push(r);
    return r;
  };
  const queue = config ? { initialBackoffMs: config.podInitialBackoffSeconds * 1000, maxBackoffMs: config.podMaxBackoffSeconds * 1000 } : undefined;
  const scheduler = new Scheduler({ rest, recorder, log: log.child({ component: 'scheduler' }), profiles, queue });
  const informers = await scheduler.start(signal);
  let running: Promise<unknown>[] = [informers.done];
  if (signal.aborted) {
    // Stopped while syncing: nothing else to start.
  } else if (leaderElect) {
    // Informers run on the standby too, so a takeover starts from warm caches.
    const elector = new LeaderElector({
      rest: leaseRest, identity,
      ...election,
      logger: log.child({ component: 'leader-election' }),
      onStartedLeading: (leading) => {
        log.info({ identity }, 'started leading');
        return scheduler.runLoop(leading);
      },
      onStoppedLeading: () => log.info({ identity }, 'stopped leading'),
      onNewLeader: (leader) => { if (leader !== identity) log.info({ leader }, 'new leader elected'); },
    });
    running = [...running, elector.run(signal)];
  } else {
    running = [...running, scheduler.runLoop(signal)];
  }
  log.info({ identity, schedulerName, leaderElect }, 'kube-scheduler started');
  return async () => {
    await Promise.allSettled(running);
    await Promise.all(recorders.map((r) => r.close(2000)));
    await Promise.all([rest.close(), leaseRest.close(), eventRest.close()]);
  };
});
