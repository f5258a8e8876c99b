// The webhooks admission calls, read live from the watch cache of their configurations
// (kube-apiserver's configuration managers over informers): a configuration created,
// changed or deleted takes effect as soon as the cache has it, without a restart.
// Configurations are taken in name order and their webhooks in list order, as Kubernetes does.
import type { MutatingWebhook, ValidatingWebhook, WebhookCommon } from '../../../api/types/admissionregistration.js';
import type { KubeObject } from '../../../api/types/meta.js';
import type { WatchCache } from '../../watch-cache.js';

/** One webhook of one configuration. */
export interface WebhookEntry<H extends WebhookCommon> {
  /** `<configuration>/<webhook>/<index>`: tells apart webhooks of the same name in different configurations. */
  uid: string;
  configuration: string;
  hook: H;
}

export class WebhookSource<H extends WebhookCommon> {
  private built = -1;
  private entries: WebhookEntry<H>[] = [];

  constructor(private readonly cache: WatchCache) {}

  /** The current webhooks, rebuilt only when the cache changed. */
  webhooks(): readonly WebhookEntry<H>[] {
    if (this.built !== this.cache.version) {
      this.built = this.cache.version;
      const configs = [...this.cache.values()].sort((a, b) => compare(a.metadata.name ?? '', b.metadata.name ?? ''));
      this.entries = configs.flatMap((cfg: KubeObject) => {
        const name = cfg.metadata.name ?? '';
        const hooks = Array.isArray(cfg.webhooks) ? cfg.webhooks as H[] : [];
        return hooks.filter((h) => h && typeof h === 'object').map((hook, i) => ({ uid: `${name}/${hook.name}/${i}`, configuration: name, hook }));
      });
    }
    return this.entries;
  }
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export type MutatingSource = WebhookSource<MutatingWebhook>;
export type ValidatingSource = WebhookSource<ValidatingWebhook>;
