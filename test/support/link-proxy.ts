import { createServer, Server, Socket } from 'node:net';

/**
 * A TCP proxy in front of a broker, standing for the network between two countries: cut() drops every
 * connection and refuses new ones (as a broken link does), restore() listens again on the same port.
 */
export class LinkProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  private constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  static async start(target: string): Promise<LinkProxy> {
    const [host, port] = target.split(':');
    const probe = createServer();
    const free = await new Promise<number>((resolve) =>
      probe.listen(0, '127.0.0.1', () => {
        const { port: p } = probe.address() as { port: number };
        probe.close(() => resolve(p));
      }),
    );
    const proxy = new LinkProxy(free, { host, port: Number(port) });
    await proxy.restore();
    return proxy;
  }

  async restore(): Promise<void> {
    if (this.server) return;
    const server = createServer((inbound) => {
      const outbound = new Socket();
      outbound.connect(this.target.port, this.target.host);
      for (const socket of [inbound, outbound]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      inbound.pipe(outbound).pipe(inbound);
      inbound.on('close', () => outbound.destroy());
      outbound.on('close', () => inbound.destroy());
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.server = server;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise((resolve) => server.close(resolve));
  }

  /** Connections through the proxy now (the links that are up). */
  get connections(): number {
    return this.sockets.size / 2;
  }
}
