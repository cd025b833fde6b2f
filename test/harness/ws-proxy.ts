/**
 * A WebSocket proxy on 127.0.0.1 built on the `ws` library, in front of the broker's WebSocket listener:
 * it accepts clients (with permessage-deflate when asked), opens one upstream WebSocket to the broker per
 * client (no extension: mosquitto 2.0.11 offers none) and relays every message both ways, then the close.
 * So a capture of the proxy port holds real compressed frames, while the broker still logs every packet.
 *
 * ```ts
 * const proxy = await startWsProxy({ port: 8081, upstream: `ws://127.0.0.1:${broker.wsPort}/mqtt`, perMessageDeflate: { threshold: 0 } });
 * // … MQTT.js → ws://127.0.0.1:8081/mqtt …
 * await proxy.close();
 * ```
 */
import { WebSocket, WebSocketServer, type PerMessageDeflateOptions, type RawData } from 'ws';
import { LOOPBACK, onCleanup, withTimeout } from './proc.js';

/** One client the proxy accepted. */
export interface ProxyLeg {
  /** The client's port on the proxy side. */
  readonly clientPort: number;
  /** `Sec-WebSocket-Extensions` the proxy agreed with the client ('' when none). */
  readonly extensions: string;
  /** The subprotocol agreed with the client. */
  readonly protocol: string;
  /** Messages relayed client → broker and broker → client. */
  readonly relayed: { c2s: number; s2c: number };
  /** Close code seen from the client and from the broker (1005 = none, 1006 = no Close frame). */
  readonly closes: { client?: number; broker?: number };
}

export interface WsProxy {
  readonly port: number;
  readonly legs: readonly ProxyLeg[];
  /** Stops listening, terminates what is left. Idempotent. */
  close(): Promise<void>;
}

export interface WsProxyOptions {
  /** Port on 127.0.0.1. */
  port: number;
  /** ws://127.0.0.1:PORT/path of the broker's WebSocket listener. */
  upstream: string;
  /** `perMessageDeflate` of the proxy's server side (the client leg); default false. */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
}

/** A close code that may be sent in a Close frame (RFC 6455 §7.4): 1005/1006/1015 may not. */
const sendable = (code: number): boolean => code >= 1000 && code < 5000 && ![1004, 1005, 1006, 1015].includes(code);

export async function startWsProxy(o: WsProxyOptions): Promise<WsProxy> {
  if (!/^ws:\/\/(127\.0\.0\.1|\[::1\]):\d+\//.test(o.upstream)) throw new Error(`harness: loopback upstream only, got ${o.upstream}`);
  const legs: ProxyLeg[] = [];
  const sockets = new Set<WebSocket>();
  const server = new WebSocketServer({
    host: LOOPBACK, port: o.port, perMessageDeflate: o.perMessageDeflate ?? false,
    handleProtocols: (offered) => (offered.has('mqtt') ? 'mqtt' : false),
  });
  await withTimeout(new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  }), 5000, `ws proxy to listen on ${o.port}`);

  server.on('connection', (client, req) => {
    const leg = {
      clientPort: req.socket.remotePort ?? -1, extensions: client.extensions, protocol: client.protocol,
      relayed: { c2s: 0, s2c: 0 }, closes: {} as { client?: number; broker?: number },
    };
    legs.push(leg);
    const upstream = new WebSocket(o.upstream, ['mqtt'], { perMessageDeflate: false });
    sockets.add(client);
    sockets.add(upstream);
    const queue: Array<{ data: RawData; binary: boolean }> = [];
    client.on('message', (data, binary) => {
      leg.relayed.c2s++;
      if (upstream.readyState === WebSocket.OPEN) upstream.send(data as Buffer, { binary });
      else queue.push({ data, binary });
    });
    upstream.on('open', () => {
      for (const m of queue.splice(0)) upstream.send(m.data as Buffer, { binary: m.binary });
    });
    upstream.on('message', (data, binary) => {
      leg.relayed.s2c++;
      if (client.readyState === WebSocket.OPEN) client.send(data as Buffer, { binary });
    });
    const relayClose = (to: WebSocket, code: number): void => {
      if (to.readyState === WebSocket.OPEN) {
        if (sendable(code)) to.close(code);
        else to.close();
      } else if (to.readyState === WebSocket.CONNECTING) {
        to.terminate();
      }
    };
    client.on('close', (code) => { leg.closes.client = code; relayClose(upstream, code); sockets.delete(client); });
    upstream.on('close', (code) => { leg.closes.broker = code; relayClose(client, code); sockets.delete(upstream); });
    client.on('error', () => upstream.terminate());
    upstream.on('error', () => client.terminate());
  });

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      unregister();
      for (const s of sockets) s.terminate();
      await withTimeout(new Promise<void>((r) => server.close(() => r())), 5000, 'ws proxy to close');
    })();
    return closed;
  };
  const unregister = onCleanup(close);
  return { port: o.port, legs, close };
}
