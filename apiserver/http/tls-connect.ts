// The end of an undici connect function over node:tls, shared by the connections to
// kubelets (http/proxy-stream.ts) and to admission webhooks (admission/webhook/client.ts).
import type { TLSSocket } from 'node:tls';
import type { buildConnector } from 'undici';

/**
 * Hands socket to undici's callback once, when its TLS handshake is done or at its
 * first error (then decorate may annotate the error, and the socket is destroyed).
 * Returns the settling function, so a caller's own timeout can fail the connection.
 */
export function settleTls(socket: TLSSocket, callback: buildConnector.Callback, decorate?: (err: Error) => void): (err: Error | null) => void {
  let done = false;
  const finish = (err: Error | null): void => {
    if (done) return;
    done = true;
    socket.off('error', finish);
    if (err) {
      decorate?.(err);
      socket.destroy();
      callback(err, null);
    } else callback(null, socket);
  };
  socket.once('secureConnect', () => finish(null));
  socket.once('error', finish);
  return finish;
}
