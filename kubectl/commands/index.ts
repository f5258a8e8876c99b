// Every command of the CLI, one module per verb (DESIGN: kubectl/commands/<verb>.ts).
import type { Command } from 'commander';
import type { Cli } from '../context.js';
import { register as get } from './get.js';
import { register as describe } from './describe.js';
import { register as create } from './create.js';
import { register as apply } from './apply.js';
import { register as diff } from './diff.js';
import { register as del } from './delete.js';
import { register as edit } from './edit.js';
import { register as patch } from './patch.js';
import { register as label } from './label.js';
import { register as annotate } from './annotate.js';
import { register as run } from './run.js';
import { register as expose } from './expose.js';
import { register as scale } from './scale.js';
import { register as autoscale } from './autoscale.js';
import { register as rollout } from './rollout.js';
import { register as logs } from './logs.js';
import { register as wait } from './wait.js';
import { register as cordon } from './cordon.js';
import { register as drain } from './drain.js';
import { register as taint } from './taint.js';
import { register as clusterInfo } from './cluster-info.js';
import { register as apiResources } from './api-resources.js';
import { register as version } from './version.js';
import { register as config } from './config.js';
import { register as exec } from './exec.js';
import { register as attach } from './attach.js';
import { register as portForward } from './port-forward.js';
import { register as cp } from './cp.js';
import { register as proxy } from './proxy.js';
import { register as top } from './top.js';
import { register as explain } from './explain.js';

export type RegisterCommand = (program: Command, cli: Cli) => void;

export const COMMANDS: RegisterCommand[] = [
  create, expose, run,
  get, edit, del,
  apply, patch, diff,
  rollout, scale, autoscale,
  cordon, drain, taint, top,
  describe, logs, attach, exec, portForward, proxy, cp, wait,
  label, annotate,
  clusterInfo, apiResources, explain, version, config,
];
