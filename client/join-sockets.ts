// Two upgraded connections joined byte for byte (an exec or port-forward passed on by
// the apiserver, or by `tskubectl proxy`): each side's backpressure pauses the other,
// and either one closing or failing ends both.
import type { Duplex } from 'node:stream';

export function joinSockets(a: Duplex, b: Duplex): void {
  a.pipe(b);
  b.pipe(a);
  const teardown = (): void => { a.destroy(); b.destroy(); };
  for (const s of [a, b]) {
    s.on('close', teardown);
    s.on('error', teardown);
  }
}
