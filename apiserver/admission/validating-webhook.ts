// The ValidatingAdmissionWebhook admission plugin: the webhooks of every
// ValidatingWebhookConfiguration that match a request are called at once, after the
// object passed its own validation; any refusal (or, with failurePolicy Fail, any
// failure to get an answer) refuses the request. The first failing webhook in
// configuration order gives the answer.
import type { ValidatingWebhook } from '../../api/types/admissionregistration.js';
import type { AdmissionPlugin } from './chain.js';
import { callWebhook, matchAttributes, shouldCall, type WebhookDeps } from './webhook/dispatch.js';
import { CallingWebhookError } from './webhook/review.js';
import type { WebhookSource } from './webhook/source.js';

export const VALIDATING_ADMISSION_WEBHOOK = 'ValidatingAdmissionWebhook';

export function validatingAdmissionWebhook(source: WebhookSource<ValidatingWebhook>, deps: WebhookDeps): AdmissionPlugin {
  const log = deps.log.child({ plugin: VALIDATING_ADMISSION_WEBHOOK });
  return {
    name: VALIDATING_ADMISSION_WEBHOOK,
    async validate(a) {
      const hooks = source.webhooks();
      if (!hooks.length) return;
      const m = matchAttributes(a);
      if (!m) return;
      const relevant: ValidatingWebhook[] = [];
      for (const { hook } of hooks) if (await shouldCall(hook, m, deps, a)) relevant.push(hook);
      if (!relevant.length) return;
      const outcomes = await Promise.all(relevant.map(async (hook): Promise<Error | undefined> => {
        try {
          await callWebhook(hook, a, false, deps);
          return undefined;
        } catch (err) {
          if (!(err instanceof CallingWebhookError)) return err as Error;
          if (hook.failurePolicy === 'Ignore') {
            log.warn({ webhook: hook.name, err: err.message }, 'failed calling webhook, failing open');
            return undefined;
          }
          log.warn({ webhook: hook.name, err: err.message }, 'failed calling webhook, failing closed');
          return err.toStatusError();
        }
      }));
      const failed = outcomes.find((e) => e !== undefined);
      if (failed) throw failed;
    },
  };
}
