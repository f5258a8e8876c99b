// The --leader-elect* flags every leader-elected component takes (component-base's
// LeaderElectionConfiguration: kube-scheduler's and kube-controller-manager's flags,
// names and defaults), and the LeaderElector options they make.
import type { Command } from 'commander';
import { parseDurationFlag } from '../api/duration.js';
import type { LeaderElectorOptions } from './leader-elector.js';

/** Adds the flags; `what` ends "only the leader <what>", lease is the Lease's default name. */
export function addLeaderElectionFlags(program: Command, what: string, lease: string): Command {
  return program
    .option('--leader-elect [bool]', `run leader election; only the leader ${what}`, 'true')
    .option('--leader-elect-lease-duration <duration>', 'how long a standby waits before taking over an unrenewed lease', '15s')
    .option('--leader-elect-renew-deadline <duration>', 'how long the leader retries renewing before it stops leading', '10s')
    .option('--leader-elect-retry-period <duration>', 'pause between acquire/renew attempts', '2s')
    .option('--leader-elect-resource-namespace <ns>', 'namespace of the Lease', 'kube-system')
    .option('--leader-elect-resource-name <name>', 'name of the Lease', lease);
}

/** Whether --leader-elect is on (any value but false). */
export function leaderElectionEnabled(o: Record<string, unknown>): boolean {
  return o.leaderElect !== false && o.leaderElect !== 'false';
}

/** The Lease and timings the flags name, for `new LeaderElector({ ...these, rest, identity, ... })`. */
export function leaderElectionOptions(o: Record<string, unknown>): Pick<LeaderElectorOptions, 'namespace' | 'name' | 'leaseDurationMs' | 'renewDeadlineMs' | 'retryPeriodMs'> {
  return {
    namespace: String(o.leaderElectResourceNamespace), name: String(o.leaderElectResourceName),
    leaseDurationMs: parseDurationFlag(String(o.leaderElectLeaseDuration)),
    renewDeadlineMs: parseDurationFlag(String(o.leaderElectRenewDeadline)),
    retryPeriodMs: parseDurationFlag(String(o.leaderElectRetryPeriod)),
  };
}
