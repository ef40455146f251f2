// SPDX-License-Identifier: MIT
// TCP and UDP sockets inside a namespace, from this very process. The socket is created by the
// native runner thread inside the namespace (a socket belongs to the namespace current at socket()),
// then adopted by Node's own net/dgram objects, so everything after that is ordinary Node.

import * as dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import * as net from 'node:net';
import { InvalidArgumentError } from '../errors';
import { native } from '../native/binding';
import { validatePort } from '../util/validate';
import { Namespace } from './namespace';

function hostArg(host: unknown, argument: string): string {
  if (typeof host !== 'string' || host.length === 0) throw new InvalidArgumentError(argument, host, 'expected a host name or IP address');
  return host;
}

function family(host: string | undefined): number {
  const c = native().socketConstants;
  return host && isIPv6(host) ? c.AF_INET6 : c.AF_INET;
}

/** A net.Server whose listen() makes its socket inside the namespace first. */
export function createServerIn(ns: Namespace, options: net.ServerOpts = {}, onConnection?: (s: net.Socket) => void): net.Server {
  const server = net.createServer(options, onConnection);
  const plainListen = server.listen.bind(server) as (...a: unknown[]) => net.Server;
  // listen(port?, host?, backlog?, cb?) or listen({ port, host, backlog }, cb?)
  (server as { listen: unknown }).listen = (...args: unknown[]): net.Server => {
    const cb = typeof args[args.length - 1] === 'function' ? (args.pop() as () => void) : undefined;
    const o = (typeof args[0] === 'object' && args[0] !== null ? args[0] : { port: args[0], host: args[1], backlog: args[2] }) as net.ListenOptions;
    const c = native().socketConstants;
    // Bad input is reported the way the rest of listen's failures are: as the server's 'error'.
    new Promise<{ fd: number }>((resolve) => {
      const host = o.host === undefined ? '0.0.0.0' : hostArg(o.host, 'host');
      const port = validatePort(o.port === undefined ? 0 : o.port, 'port', true);
      resolve(native().socketIn(ns.assertOpen(), family(host), c.SOCK_STREAM, host, port));
    })
      .then(({ fd }) => {
        native().releaseFd(fd); // Node's now: it closes it
        return plainListen({ fd, ...(o.backlog !== undefined ? { backlog: o.backlog } : {}) }, cb);
      })
      .catch((e: unknown) => server.emit('error', e));
    return server;
  };
  return server;
}

/** Listens on `port` (0: any free one) inside the namespace; resolves once listening. */
export function listenIn(ns: Namespace, options: { port?: number; host?: string; backlog?: number }, onConnection?: (s: net.Socket) => void): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = createServerIn(ns, {}, onConnection);
    server.once('error', reject);
    server.listen(options, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/** Connects to host:port from inside the namespace; resolves with the connected socket. */
export async function connectIn(ns: Namespace, options: { port: number; host: string; timeout?: number }): Promise<net.Socket> {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', options, 'expected { port, host }');
  const port = validatePort(options.port, 'port', false);
  hostArg(options.host, 'host');
  const timeout = options.timeout;
  if (timeout !== undefined && !(typeof timeout === 'number' && timeout > 0 && Number.isFinite(timeout))) {
    throw new InvalidArgumentError('timeout', timeout, 'expected a number of milliseconds > 0');
  }
  const c = native().socketConstants;
  const { fd } = await native().socketIn(ns.assertOpen(), family(options.host), c.SOCK_STREAM, null, 0);
  return new Promise((resolve, reject) => {
    const socket = new net.Socket({ fd, readable: true, writable: true });
    native().releaseFd(fd); // Node's now: it closes it
    // A SYN nobody answers is retried for minutes: with a timeout, give up and close the socket.
    const timer = timeout === undefined ? undefined : setTimeout(() => {
      const e = Object.assign(new Error(`connect ETIMEDOUT ${options.host}:${port} (after ${timeout} ms)`), { code: 'ETIMEDOUT', errno: -110, syscall: 'connect' });
      socket.destroy(e);
    }, timeout);
    const failed = (e: Error) => {
      clearTimeout(timer);
      reject(e);
    };
    socket.once('error', failed);
    socket.connect(port, options.host, () => {
      clearTimeout(timer);
      socket.off('error', failed);
      resolve(socket);
    });
  });
}

/** A UDP socket bound inside the namespace (port 0: any free one). */
export async function udpIn(ns: Namespace, options: { type?: 'udp4' | 'udp6'; port?: number; address?: string } = {}): Promise<dgram.Socket> {
  if (options.address !== undefined) hostArg(options.address, 'address');
  const type = options.type ?? (options.address && isIPv6(options.address) ? 'udp6' : 'udp4');
  if (type !== 'udp4' && type !== 'udp6') throw new InvalidArgumentError('type', type, "expected 'udp4' or 'udp6'");
  const port = validatePort(options.port === undefined ? 0 : options.port, 'port', true);
  const c = native().socketConstants;
  const address = options.address ?? (type === 'udp6' ? '::' : '0.0.0.0');
  const { fd } = await native().socketIn(ns.assertOpen(), type === 'udp6' ? c.AF_INET6 : c.AF_INET, c.SOCK_DGRAM, address, port);
  const socket = dgram.createSocket(type);
  native().releaseFd(fd); // Node's now (bound below): it closes it
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ fd }, () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

declare module './namespace' {
  interface Namespace {
    /**
     * A net.Server whose listen() creates its socket inside this namespace.
     *
     * Equivalent to: `ip netns exec NAME <a server>`, without a process
     */
    createServer(options?: net.ServerOpts, onConnection?: (socket: net.Socket) => void): net.Server;
    /** Listens inside this namespace (port 0: any free port); resolves once listening. */
    listen(options: { port?: number; host?: string; backlog?: number }, onConnection?: (socket: net.Socket) => void): Promise<net.Server>;
    /** Opens a TCP connection from inside this namespace; `timeout` (ms) gives up and closes the socket. */
    connect(options: { port: number; host: string; timeout?: number }): Promise<net.Socket>;
    /** A UDP socket bound inside this namespace. */
    createUdpSocket(options?: { type?: 'udp4' | 'udp6'; port?: number; address?: string }): Promise<dgram.Socket>;
  }
}

// Methods of Namespace, added here (declaration merging) so namespace.ts keeps to the namespace itself.
Namespace.prototype.createServer = function (this: Namespace, options?: net.ServerOpts, onConnection?: (socket: net.Socket) => void) {
  return createServerIn(this, options, onConnection);
};
Namespace.prototype.listen = function (this: Namespace, options: { port?: number; host?: string; backlog?: number }, onConnection?: (socket: net.Socket) => void) {
  return listenIn(this, options, onConnection);
};
Namespace.prototype.connect = function (this: Namespace, options: { port: number; host: string; timeout?: number }) {
  return connectIn(this, options);
};
Namespace.prototype.createUdpSocket = function (this: Namespace, options?: { type?: 'udp4' | 'udp6'; port?: number; address?: string }) {
  return udpIn(this, options);
};
