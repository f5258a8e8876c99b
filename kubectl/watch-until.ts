// Following one object until a condition holds: client-go's watchtools.UntilWithSync
// for the commands that wait (rollout status, wait). Lists the object by name, reports
// what it found, then watches from that list's resourceVersion, resuming after the
// server ends a watch and listing again after 410 Gone. Stops when the callback says
// so, or throws WaitTimeout once `signal` aborts.
import { isGone } from '../api/errors.js';
import type { KubeObject } from '../api/types/meta.js';
import type { ResourceClient } from '../client/resource-client.js';

export type ObjectEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/**
 * Called for the object's first state (ADDED) and each change. Returns true when the
 * wait is over; a thrown error ends the wait with that error.
 */
export type ObjectEventHandler<T> = (type: ObjectEventType, obj: T) => boolean | Promise<boolean>;

/** The wait ran out of time (or was aborted) before the handler said it was done. */
export class WaitTimeout extends Error {
  override name = 'WaitTimeout';
  constructor() {
    super('timed out waiting for the condition');
  }
}

export interface UntilOptions<T> {
  client: ResourceClient<T & KubeObject>;
  namespace: string;
  name: string;
  /** Aborts the wait (a timeout): the call then throws WaitTimeout. */
  signal?: AbortSignal;
  /**
   * Checked once after the first list, before any event: true ends the wait at once
   * (the result is then true); a thrown error ends it with that error.
   */
  precondition?: (obj: T | undefined) => boolean;
}

/** Resolves true when the handler (or the precondition) ended the wait. */
export async function untilWithSync<T extends KubeObject>(o: UntilOptions<T>, handler: ObjectEventHandler<T>): Promise<boolean> {
  const fieldSelector = `metadata.name=${o.name}`;
  let known: T | undefined;
  let resourceVersion = '';
  let first = true;
  try {
    for (;;) {
      if (resourceVersion === '') {
        const list = await o.client.list(o.namespace, { fieldSelector }, o.signal);
        resourceVersion = list.metadata?.resourceVersion ?? '';
        const found = list.items.find((i) => i.metadata.name === o.name) as T | undefined;
        if (first) {
          first = false;
          if (o.precondition?.(found)) return true;
        }
        // A relist stands in for the events the watch missed.
        if (found && (!known || known.metadata.resourceVersion !== found.metadata.resourceVersion)) {
          const type = known && known.metadata.uid === found.metadata.uid ? 'MODIFIED' : 'ADDED';
          known = found;
          if (await handler(type, found)) return true;
        } else if (!found && known) {
          const gone = known;
          known = undefined;
          if (await handler('DELETED', gone)) return true;
        }
      }
      try {
        for await (const ev of o.client.watch(o.namespace, { fieldSelector, resourceVersion, allowWatchBookmarks: true }, o.signal)) {
          const obj = ev.object as T;
          if (obj.metadata?.resourceVersion) resourceVersion = obj.metadata.resourceVersion;
          if (ev.type === 'BOOKMARK') continue;
          if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED' && ev.type !== 'DELETED') continue;
          known = ev.type === 'DELETED' ? undefined : obj;
          if (await handler(ev.type, obj)) return true;
        }
      } catch (err) {
        if (!isGone(err)) throw err;
        resourceVersion = '';
      }
    }
  } catch (err) {
    if (o.signal?.aborted) throw new WaitTimeout();
    throw err;
  }
}

/** An AbortSignal that fires after ms; none for 0 or less (no timeout). */
export function timeoutSignal(ms: number): AbortSignal | undefined {
  return ms > 0 ? AbortSignal.timeout(ms) : undefined;
}
