/**
 * A TCP proxy on loopback between stations and the API, to break the route on purpose:
 *
 *   const proxy = await FaultProxy.start(targetPort)   listens on a free 127.0.0.1 port
 *   proxy.url                 'http://127.0.0.1:<port>' (give it to stations as the server)
 *   proxy.setMode(mode)       'forward' (default) | 'reset' (accept, close at once: a load
 *                             balancer whose backend is down) | 'hang' (accept, never answer);
 *                             leaving 'forward' cuts the open connections too
 *   proxy.delayMs             delay added to every chunk forwarded
 *   proxy.cut()               destroy every open connection now (a network cut)
 *   proxy.stats               { connections, cuts }
 *   proxy.close()
 */
import net from 'node:net';

export type ProxyMode = 'forward' | 'reset' | 'hang';

export class FaultProxy {
  mode: ProxyMode = 'forward';
  delayMs = 0;
  readonly stats = { connections: 0, cuts: 0 };
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
    private readonly targetPort: number,
  ) {}

  static async start(targetPort: number, port = 0): Promise<FaultProxy> {
    let proxy: FaultProxy | null = null;
    const server = net.createServer((client) => proxy?.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (typeof address !== 'object' || !address) throw new Error('proxy has no address');
    proxy = new FaultProxy(server, address.port, targetPort);
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  setMode(mode: ProxyMode): void {
    this.mode = mode;
    if (mode !== 'forward') this.cut();
  }

  cut(): void {
    if (this.sockets.size > 0) this.stats.cuts += 1;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  }

  private accept(client: net.Socket): void {
    this.stats.connections += 1;
    this.track(client);
    if (this.mode === 'reset') {
      client.destroy();
      return;
    }
    if (this.mode === 'hang') {
      client.resume(); // read and drop whatever comes, answer nothing
      return;
    }
    const upstream = net.connect(this.targetPort, '127.0.0.1');
    this.track(upstream);
    this.pipe(client, upstream);
    this.pipe(upstream, client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }

  private pipe(from: net.Socket, to: net.Socket): void {
    from.on('data', (chunk) => {
      if (this.delayMs <= 0) {
        to.write(chunk);
        return;
      }
      from.pause();
      setTimeout(() => {
        if (!to.destroyed) to.write(chunk);
        from.resume();
      }, this.delayMs);
    });
  }
}
