// Preloaded into a product process by tests (`node --import tsx --import ./test/support/egressRecorder.ts …`): every
// network connection to a host other than loopback, and every child process, is refused before it happens and noted
// as one JSON line in the file named by AML_FAILOVER_EGRESS_LOG. A test then asserts what a credential chain tried.
import * as childProcess from 'node:child_process';
import { appendFileSync } from 'node:fs';
import * as net from 'node:net';

const log = process.env.AML_FAILOVER_EGRESS_LOG;
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+|localhost)$/i;

function note(entry: object): void {
  if (log) appendFileSync(log, `${JSON.stringify(entry)}\n`);
}

if (log) {
  const connect = net.Socket.prototype.connect as (...args: unknown[]) => net.Socket;
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    const first = Array.isArray(args[0]) ? (args[0][0] as unknown) : args[0];
    const options = (typeof first === 'object' && first !== null ? first : { port: first, host: args[1] }) as { host?: unknown; path?: unknown; port?: unknown };
    const host = typeof options.host === 'string' ? options.host : 'localhost';
    if (!options.path && !LOOPBACK.test(host)) {
      note({ kind: 'connect', host, port: options.port });
      process.nextTick(() => this.destroy(Object.assign(new Error(`egress to ${host} refused by the test`), { code: 'ECONNREFUSED' })));
      return this;
    }
    return connect.apply(this, args);
  } as typeof net.Socket.prototype.connect;

  const ChildProcess = childProcess.ChildProcess as unknown as { prototype: { spawn(options: { file?: string; args?: string[] }): unknown } };
  ChildProcess.prototype.spawn = function (options) {
    note({ kind: 'process', file: options.file, args: options.args });
    throw Object.assign(new Error(`starting ${options.file} refused by the test`), { code: 'EACCES' });
  };
}
