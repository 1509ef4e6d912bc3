// Preloaded into a product process by tests and benches (`node --import tsx --import ./test/support/socketBytes.ts …`):
// counts the bytes the process received and sent on the wire over every TCP connection it opened (TLS handshakes and
// framing included: a TLS connection is made over a plain socket of ours, whose bytes are counted), and writes
// {received, sent, connections} as JSON to the file named by AML_FAILOVER_SOCKET_BYTES when the process exits.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as net from 'node:net';

const out = process.env.AML_FAILOVER_SOCKET_BYTES;

if (out) {
  const sockets = new Set<net.Socket>();
  const connect = net.Socket.prototype.connect as (...args: unknown[]) => net.Socket;
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    sockets.add(this);
    return connect.apply(this, args);
  } as typeof net.Socket.prototype.connect;
  // The module object itself (https calls tls.connect through it), not an ES namespace copy.
  const tls = createRequire(__filename)('node:tls') as typeof import('node:tls');
  const tlsConnect = tls.connect;
  tls.connect = function (this: unknown, ...args: unknown[]) {
    const options = args[0] as { socket?: unknown; path?: string; port?: number; host?: string; localAddress?: string; family?: number } | undefined;
    if (args.length <= 2 && options && typeof options === 'object' && !options.socket && !options.path && options.port) {
      const raw = net.connect({ host: options.host, port: options.port, localAddress: options.localAddress, family: options.family });
      return (tlsConnect as (...a: unknown[]) => import('node:tls').TLSSocket).call(this, { ...options, socket: raw }, args[1]);
    }
    return (tlsConnect as (...a: unknown[]) => import('node:tls').TLSSocket).apply(this, args);
  } as typeof tls.connect;
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
