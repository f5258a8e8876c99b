// KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1), the file --config names:
// decoded strictly (unknown fields are errors, as kube-scheduler's strict decoding),
// defaulted (v1 SetDefaults_KubeSchedulerConfiguration) and validated
// (ValidateKubeSchedulerConfiguration), with kube-scheduler's field paths and wording.
// What it yields: the profiles for buildFramework (config.ts), the queue's backoff, the
// leader election settings.
import { isObject, type JSONObject } from '../api/apiextensions/schema/util.js';
import { parse as parseYaml } from 'yaml';
import { parseDurationFlag } from '../api/duration.js';
import { decodePluginConfig } from './plugin-args.js';
import { DEFAULT_SCHEDULER_NAME, EXTENSION_POINTS, type PluginRef, type PluginSet, type ProfileConfig } from './config.js';

export const API_VERSION = 'kubescheduler.config.k8s.io/v1';
export const KIND = 'KubeSchedulerConfiguration';

export interface LeaderElectionConfiguration {
  leaderElect: boolean;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  resourceLock: string;
  resourceName: string;
  resourceNamespace: string;
}

/** The configuration after defaulting. */
export interface SchedulerConfiguration {
  parallelism: number;
  percentageOfNodesToScore?: number;
  podInitialBackoffSeconds: number;
  podMaxBackoffSeconds: number;
  leaderElection: LeaderElectionConfiguration;
  clientConnection: { kubeconfig?: string; qps: number; burst: number };
  profiles: ProfileConfig[];
}

/** A configuration that does not decode or validate; `message` lists every problem. */
export class SchedulerConfigError extends Error {}

const TOP_FIELDS = new Set([
  'apiVersion', 'kind', 'parallelism', 'leaderElection', 'clientConnection', 'healthzBindAddress', 'metricsBindAddress',
  'enableProfiling', 'enableContentionProfiling', 'percentageOfNodesToScore', 'podInitialBackoffSeconds', 'podMaxBackoffSeconds',
  'profiles', 'extenders', 'delayCacheUntilActive',
]);
const LEADER_FIELDS = new Set(['leaderElect', 'leaseDuration', 'renewDeadline', 'retryPeriod', 'resourceLock', 'resourceName', 'resourceNamespace']);
const CLIENT_FIELDS = new Set(['kubeconfig', 'acceptContentTypes', 'contentType', 'qps', 'burst']);
const PROFILE_FIELDS = new Set(['schedulerName', 'percentageOfNodesToScore', 'plugins', 'pluginConfig']);
const PLUGIN_POINTS = new Set<string>(['multiPoint', ...EXTENSION_POINTS]);

/** Reads, defaults and validates a KubeSchedulerConfiguration (YAML or JSON text). */
export function loadSchedulerConfiguration(text: string): SchedulerConfiguration {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new SchedulerConfigError(`couldn't decode as KubeSchedulerConfiguration: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!isObject(doc)) throw new SchedulerConfigError('couldn\'t decode as KubeSchedulerConfiguration: not an object');
  if (doc.kind !== KIND || doc.apiVersion !== API_VERSION) {
    throw new SchedulerConfigError(`no kind "${String(doc.kind ?? '')}" is registered for version "${String(doc.apiVersion ?? '')}"; want apiVersion ${API_VERSION}, kind ${KIND}`);
  }
  const unknown: string[] = [];
  const strict = (o: JSONObject, allowed: ReadonlySet<string>, path: string): void => {
    for (const k of Object.keys(o)) if (!allowed.has(k)) unknown.push(`unknown field "${path}${k}"`);
  };
  strict(doc, TOP_FIELDS, '');
  const errs: string[] = [];
  const num = (v: unknown, path: string): number | undefined => {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      errs.push(`${path}: Invalid value: ${JSON.stringify(v)}: must be an integer`);
      return undefined;
    }
    return v;
  };
  const str = (v: unknown, path: string): string | undefined => {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') {
      errs.push(`${path}: Invalid value: ${JSON.stringify(v)}: must be a string`);
      return undefined;
    }
    return v;
  };
  const duration = (v: unknown, path: string, dflt: number): number => {
    const s = str(v, path);
    if (s === undefined) return dflt;
    try {
      return parseDurationFlag(s);
    } catch {
      errs.push(`${path}: Invalid value: "${s}": must be a duration such as 15s`);
      return dflt;
    }
  };

  const le = isObject(doc.leaderElection) ? doc.leaderElection : {};
  strict(le, LEADER_FIELDS, 'leaderElection.');
  const leaderElection: LeaderElectionConfiguration = {
    leaderElect: le.leaderElect === undefined ? true : le.leaderElect === true,
    leaseDurationMs: duration(le.leaseDuration, 'leaderElection.leaseDuration', 15_000),
    renewDeadlineMs: duration(le.renewDeadline, 'leaderElection.renewDeadline', 10_000),
    retryPeriodMs: duration(le.retryPeriod, 'leaderElection.retryPeriod', 2_000),
    resourceLock: str(le.resourceLock, 'leaderElection.resourceLock') ?? 'leases',
    resourceName: str(le.resourceName, 'leaderElection.resourceName') ?? 'kube-scheduler',
    resourceNamespace: str(le.resourceNamespace, 'leaderElection.resourceNamespace') ?? 'kube-system',
  };
  const cc = isObject(doc.clientConnection) ? doc.clientConnection : {};
  strict(cc, CLIENT_FIELDS, 'clientConnection.');
  const clientConnection = {
    kubeconfig: str(cc.kubeconfig, 'clientConnection.kubeconfig') || undefined,
    qps: typeof cc.qps === 'number' ? cc.qps : 50,
    burst: num(cc.burst, 'clientConnection.burst') ?? 100,
  };
  const config: SchedulerConfiguration = {
    parallelism: num(doc.parallelism, 'parallelism') ?? 16,
    percentageOfNodesToScore: num(doc.percentageOfNodesToScore, 'percentageOfNodesToScore'),
    podInitialBackoffSeconds: num(doc.podInitialBackoffSeconds, 'podInitialBackoffSeconds') ?? 1,
    podMaxBackoffSeconds: num(doc.podMaxBackoffSeconds, 'podMaxBackoffSeconds') ?? 10,
    leaderElection,
    clientConnection,
    profiles: [],
  };
  if (doc.profiles !== undefined && !Array.isArray(doc.profiles)) errs.push('profiles: Invalid value: must be a list');
  const rawProfiles = Array.isArray(doc.profiles) && doc.profiles.length > 0 ? doc.profiles : [{}];
  rawProfiles.forEach((raw, i) => {
    const path = `profiles[${i}]`;
    if (!isObject(raw)) {
      errs.push(`${path}: Invalid value: must be an object`);
      return;
    }
    strict(raw, PROFILE_FIELDS, `${path}.`);
    const profile: ProfileConfig = {
      schedulerName: str(raw.schedulerName, `${path}.schedulerName`) ?? DEFAULT_SCHEDULER_NAME,
      percentageOfNodesToScore: num(raw.percentageOfNodesToScore, `${path}.percentageOfNodesToScore`) ?? config.percentageOfNodesToScore,
    };
    if (raw.plugins !== undefined) profile.plugins = pluginsOf(raw.plugins, `${path}.plugins`, errs, unknown);
    if (raw.pluginConfig !== undefined) profile.pluginArgs = decodePluginConfig(raw.pluginConfig, `${path}.pluginConfig`, { errs, unknown });
    config.profiles.push(profile);
  });
  if (unknown.length > 0) throw new SchedulerConfigError(`strict decoding error: ${unknown.join(', ')}`);
  validate(config, errs);
  if (errs.length > 0) throw new SchedulerConfigError(`invalid KubeSchedulerConfiguration: ${errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`}`);
  return config;
}

function pluginsOf(raw: unknown, path: string, errs: string[], unknown: string[]): ProfileConfig['plugins'] {
  if (!isObject(raw)) {
    errs.push(`${path}: Invalid value: must be an object`);
    return undefined;
  }
  const out: Record<string, PluginSet> = {};
  for (const [point, set] of Object.entries(raw)) {
    if (!PLUGIN_POINTS.has(point)) {
      unknown.push(`unknown field "${path}.${point}"`);
      continue;
    }
    if (set === null || set === undefined) continue;
    if (!isObject(set)) {
      errs.push(`${path}.${point}: Invalid value: must be an object`);
      continue;
    }
    const refs = (list: unknown, where: string): PluginRef[] | undefined => {
      if (list === undefined || list === null) return undefined;
      if (!Array.isArray(list)) {
        errs.push(`${where}: Invalid value: must be a list`);
        return undefined;
      }
      return list.flatMap((r, j): PluginRef[] => {
        if (!isObject(r) || typeof r.name !== 'string' || r.name === '') {
          errs.push(`${where}[${j}].name: Required value`);
          return [];
        }
        if (r.weight !== undefined && (typeof r.weight !== 'number' || !Number.isInteger(r.weight))) {
          errs.push(`${where}[${j}].weight: Invalid value: ${JSON.stringify(r.weight)}: must be an integer`);
          return [];
        }
        return [r.weight === undefined ? { name: r.name } : { name: r.name, weight: r.weight as number }];
      });
    };
    out[point] = { enabled: refs(set.enabled, `${path}.${point}.enabled`), disabled: refs(set.disabled, `${path}.${point}.disabled`) };
  }
  return out;
}

/** ValidateKubeSchedulerConfiguration's checks that apply here. */
function validate(c: SchedulerConfiguration, errs: string[]): void {
  if (c.parallelism <= 0) errs.push(`parallelism: Invalid value: ${c.parallelism}: should be an integer value greater than zero`);
  if (c.percentageOfNodesToScore !== undefined && (c.percentageOfNodesToScore < 0 || c.percentageOfNodesToScore > 100)) {
    errs.push(`percentageOfNodesToScore: Invalid value: ${c.percentageOfNodesToScore}: not in valid range [0-100]`);
  }
  if (c.podInitialBackoffSeconds <= 0) errs.push(`podInitialBackoffSeconds: Invalid value: ${c.podInitialBackoffSeconds}: must be greater than 0`);
  if (c.podMaxBackoffSeconds < c.podInitialBackoffSeconds) {
    errs.push(`podMaxBackoffSeconds: Invalid value: ${c.podMaxBackoffSeconds}: must be greater than or equal to PodInitialBackoffSeconds`);
  }
  const le = c.leaderElection;
  if (le.leaderElect) {
    if (le.leaseDurationMs <= 0) errs.push('leaderElection.leaseDuration: Invalid value: must be greater than zero');
    if (le.renewDeadlineMs <= 0) errs.push('leaderElection.renewDeadline: Invalid value: must be greater than zero');
    if (le.retryPeriodMs <= 0) errs.push('leaderElection.retryPeriod: Invalid value: must be greater than zero');
    if (le.leaseDurationMs <= le.renewDeadlineMs) errs.push('leaderElection.leaseDuration: Invalid value: LeaseDuration must be greater than RenewDeadline');
    if (le.resourceLock !== 'leases') errs.push(`leaderElection.resourceLock: Invalid value: "${le.resourceLock}": only leases are supported`);
  }
  const names = new Set<string>();
  c.profiles.forEach((p, i) => {
    const name = p.schedulerName ?? '';
    if (name === '') errs.push(`profiles[${i}].schedulerName: Required value`);
    else if (names.has(name)) errs.push(`profiles[${i}].schedulerName: Duplicate value: "${name}"`);
    names.add(name);
    const pct = p.percentageOfNodesToScore;
    if (pct !== undefined && (pct < 0 || pct > 100)) errs.push(`profiles[${i}].percentageOfNodesToScore: Invalid value: ${pct}: not in valid range [0-100]`);
  });
  // Every profile shares one queue: its sort must be the same.
  const sortOf = (p: ProfileConfig): string => JSON.stringify(p.plugins?.queueSort ?? null);
  c.profiles.forEach((p, i) => {
    if (i > 0 && sortOf(p) !== sortOf(c.profiles[0])) errs.push(`profiles[${i}].plugins.queueSort: Invalid value: queueSort must be the same for all profiles`);
  });
}
