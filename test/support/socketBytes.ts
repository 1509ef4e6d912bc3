// Preloaded into a product process by tests and benches (`node --import tsx --import ./test/support/socketBytes.ts …`):
// counts the bytes the process received and sent over every connection it opened (TCP and TLS sockets; for TLS the
// bytes of the HTTP messages, without TLS framing), and writes {received, sent, connections} as JSON to the file named
// by AML_FAILOVER_SOCKET_BYTES when the process exits.
import { writeFileSync } from 'node:fs';
import * as net from 'node:net';

const out = process.env.AML_FAILOVER_SOCKET_BYTES;

if (out) {
  const sockets = new Set<net.Socket>();
  const connect = net.Socket.prototype.connect as (...args: unknown[]) => net.Socket;
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    sockets.add(this);
    return connect.apply(this, args);
  } as typeof net.Socket.prototype.connect;
  process.once('exit', () => {
    let received = 0;
    let sent = 0;
    for (const s of sockets) {
      received += s.bytesRead;
      sent += s.bytesWritten;
    }
    writeFileSync(out, JSON.stringify({ received, sent, connections: sockets.size }));
  });
}

export interface SocketBytes {
  received: number;
  sent: number;
  connections: number;
}
