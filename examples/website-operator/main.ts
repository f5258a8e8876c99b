// website-operator: runs the Website controller (controller.ts) against a cluster.
// Apply crd.yaml first, then start it with a kubeconfig whose user may read and write
// Websites and Deployments:
//   node dist/examples/website-operator/main.js --kubeconfig ~/.kube/config
import { Command } from 'commander';
import { SharedInformerFactory } from '../../client/informer-factory.js';
import { loadClientConfig } from '../../client/kubeconfig.js';
import { componentLogger } from '../../client/logger.js';
import { RestClient } from '../../client/rest-client.js';
import { runComponent } from '../../client/signals.js';
import { WebsiteController } from './controller.js';

const program = new Command('website-operator')
  .description('Reconciles Websites (examples.tskube.io/v1) into Deployments')
  .option('--kubeconfig <file>', 'kubeconfig with the apiserver and credentials')
  .option('--master <url>', 'apiserver URL (overrides the kubeconfig server)')
  .option('--namespace <ns>', 'watch only this namespace (default: all)', '')
  .option('--workers <n>', 'Websites reconciled at once', '2')
  .option('--log-level <level>', 'pino log level', 'info')
  .parse();
const o = program.opts<{ kubeconfig?: string; master?: string; namespace: string; workers: string; logLevel: string }>();
const log = componentLogger('website-operator', o.logLevel);

await runComponent(log, 'website-operator', async (signal) => {
  const rest = new RestClient(loadClientConfig({ kubeconfig: o.kubeconfig, master: o.master }), { userAgent: 'website-operator' });
  const informers = new SharedInformerFactory(rest, { namespace: o.namespace, log: log.child({ component: 'informers' }) });
  const controller = new WebsiteController({ rest, informers, log: log.child({ component: 'website-controller' }), workers: Number(o.workers) });
  informers.start(signal);
  const running = (async () => {
    if (!(await informers.waitForSync(signal))) return;
    log.info('caches synced');
    await controller.run(signal);
  })();
  log.info('website-operator started');
  return async () => {
    await controller.queue.shutDown();
    await running;
    await rest.close();
  };
});
