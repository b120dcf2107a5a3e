/**
 * A WebSocket server that reads emotion live from telephony media streams (8 kHz mu-law, as Twilio Media
 * Streams and Genesys AudioHook send it) and pushes the events back as JSON. One stream per connection.
 *
 *   npm run example:ws                 # listens on ws://127.0.0.1:8080 (PORT and HOST to change)
 *
 * Client → server (text frames are JSON; binary frames are raw audio of channel `binaryChannel`):
 *   { "event": "start", "speakers": ["customer", "agent"], "encoding": "mulaw", "sampleRate": 8000, "binaryChannel": 0 }
 *   { "event": "media", "channel": 0, "payload": "<base64 audio>" }
 *   { "event": "media", "media": { "track": "inbound" | "outbound", "payload": "<base64>" } }   (Twilio's shape: inbound = 0)
 *   { "event": "message", "time": 12.5, "speaker": "customer", "text": "..." }
 *   { "event": "frame", "time": 12.4, "payload": "<base64 JPEG/PNG>" }
 *   { "event": "stop" }
 * Server → client:
 *   { "event": "started", ... }, then every stream event as { "event": "reading" | "window" | "moment" | "escalation" | "warning", ... },
 *   { "event": "error", "code", "message" } for input the stream refused (its EmosigError code) or a message
 *     this server does not understand (code WS_PROTOCOL); the connection stays open,
 *   { "event": "signature", "signature": { ... } } after "stop", then the server closes the connection (1000).
 *
 * Limits (every one a typed, logged refusal — never a crash): a frame over `maxPayload`, invalid UTF-8, a reserved
 * bit, an unmasked frame, an unknown opcode or a bad close code closes only that connection (1002/1007/1009, as
 * the ws library decides) and finishes its stream; the server keeps every other call. A connection idle for
 * `idleTimeoutMs` (default 60 s) is closed with 1001; beyond `maxConnections` (default 200) new connections are
 * closed with 1013 (try again later); a client that does not read its events (more than `maxBufferedBytes`
 * waiting, default 8 MiB) is dropped. Logs (`log` option) carry codes and counts only, never client content.
 *
 * Back-pressure: when the stream has more than its high-water mark of audio waiting, the server stops
 * reading the socket (`ws.pause()`) until the stream drains, so a client that sends faster than real time
 * is slowed down by TCP instead of filling memory.
 */
import { pathToFileURL } from 'node:url';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { z } from 'zod';
import { createStream, type EmotionStream, type StreamEvent, type StreamOptions } from '../src/stream/index.js';
import { errorInfo } from '../src/errors.js';

export interface WsServerOptions {
  port?: number;
  host?: string;
  /** Defaults for every stream (a client's "start" message overrides speakers, encoding, sampleRate, window, name). */
  stream?: StreamOptions;
  /** Largest accepted WebSocket message (bytes). Default 1 MiB. */
  maxPayload?: number;
  /** Connections served at once; more are closed at once with 1013. Default 200. */
  maxConnections?: number;
  /** A connection that sends nothing for this long is closed with 1001. Default 60,000 ms. */
  idleTimeoutMs?: number;
  /** Events waiting to be written to a client at most (bytes); a client that does not read is dropped. Default 8 MiB. */
  maxBufferedBytes?: number;
  /** Where to log connection-level problems (codes and counts only). Default: nothing. */
  log?: (line: string) => void;
}

export interface WsServerStats {
  /** Connections open now. */
  open: number;
  accepted: number;
  /** Refused at once because `maxConnections` were open. */
  refused: number;
  /** Closed for a protocol violation (bad frame, oversized message, ...), by the ws library's error code. */
  protocolErrors: Record<string, number>;
  idleClosed: number;
  slowClientsDropped: number;
}

export interface WsServer {
  port: number;
  stats(): WsServerStats;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

/** The "start" message: every field checked (a bad one is a WS_PROTOCOL error naming it; the connection stays). */
const StartSchema = z.object({
  event: z.literal('start'),
  speakers: z.array(z.string().min(1).max(64)).min(1).max(8).optional(),
  encoding: z.enum(['pcm16', 'float32', 'mulaw', 'alaw']).optional(),
  sampleRate: z.number().int().min(4000).max(192000).optional(),
  binaryChannel: z.number().int().min(0).max(7).optional(),
  window: z.object({ size: z.number().positive().max(600).optional(), hop: z.number().min(0.05).max(600).optional() }).strict().optional(),
  name: z.string().max(200).optional(),
});

function zodProblem(e: z.ZodError): string {
  const i = e.issues[0];
  return `${i.path.length ? i.path.join('.') : 'message'}: ${i.message}`;
}

function send(ws: WebSocket, msg: Json): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
}

interface Conn {
  refuse(e: unknown): void;
  protocol(message: string): void;
}

/** One connection: a stream, fed from JSON and binary messages, its events sent back. */
function handle(ws: WebSocket, defaults: StreamOptions, o: Required<Pick<WsServerOptions, 'idleTimeoutMs' | 'maxBufferedBytes'>>, st: WsServerStats, log: (l: string) => void): void {
  let stream: EmotionStream | undefined;
  let binaryChannel = 0;
  let stopping = false;
  let ended = false;
  const sentErrors = new Set<string>();

  // a client that does not read its events is dropped instead of growing the server's memory
  const out = (msg: Json) => {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > o.maxBufferedBytes) {
      st.slowClientsDropped++;
      log(`ws: dropped a client with ${ws.bufferedAmount} bytes of unread events`);
      return ws.terminate();
    }
    send(ws, msg);
  };
  const c: Conn = {
    /** Input the stream refused: its EmosigError code and message (an error repeated after "stop" is sent once). */
    refuse(e) {
      const { code, message } = errorInfo(e);
      if (stopping) {
        const key = `${code}\u0000${message}`;
        if (sentErrors.has(key)) return;
        sentErrors.add(key);
      }
      out({ event: 'error', code, message });
    },
    /** A message this server does not understand (code WS_PROTOCOL). */
    protocol(message) {
      out({ event: 'error', code: 'WS_PROTOCOL', message });
    },
  };

  let idle: NodeJS.Timeout | undefined;
  const touch = () => {
    if (idle) idle.refresh();
    else {
      idle = setTimeout(() => {
        // not idle while the server itself holds the socket (back-pressure) or is finishing the call
        if (paused || stopping) return void idle!.refresh();
        st.idleClosed++;
        log('ws: closed an idle connection');
        ws.close(1001, 'idle timeout');
        // a peer that does not answer the close handshake is cut 5 s later
        setTimeout(() => ws.terminate(), 5000).unref();
      }, o.idleTimeoutMs);
      idle.unref();
    }
  };
  touch();

  const finish = () => {
    if (idle) clearTimeout(idle);
    if (stream && !stopping && !ended) {
      // a client that goes away without "stop": finish the stream quietly
      ended = true;
      stream.end().catch(() => undefined);
    }
  };

  let paused = false;
  const push = (f: () => boolean | void) => {
    try {
      if (f() === false && !paused) {
        paused = true;
        ws.pause();
        const resume = () => {
          paused = false;
          ws.resume();
        };
        stream!.whenDrained().then(resume, resume);
      }
    } catch (e) {
      c.refuse(e);
    }
  };

  const start = (raw: Json) => {
    if (stream) return c.protocol('"start" was already received on this connection; open a new connection for a new call');
    const parsed = StartSchema.safeParse(raw);
    if (!parsed.success) return c.protocol(`bad "start": ${zodProblem(parsed.error)}`);
    const m = parsed.data;
    const speakers = m.speakers ?? defaults.speakers;
    const opts: StreamOptions = {
      ...defaults,
      encoding: m.encoding ?? defaults.encoding ?? 'mulaw',
      sampleRate: m.sampleRate ?? defaults.sampleRate ?? 8000,
      ...(speakers ? { speakers } : {}),
      ...(m.window ? { window: m.window } : {}),
      ...(m.name !== undefined ? { name: m.name } : {}),
    };
    binaryChannel = m.binaryChannel ?? 0;
    try {
      stream = createStream(opts);
    } catch (e) {
      return c.refuse(e);
    }
    const forward = (e: StreamEvent) => out({ ...e, event: e.type });
    for (const t of ['reading', 'window', 'moment', 'escalation', 'warning'] as const) stream.on(t, forward);
    stream.on('error', (e) => c.refuse(e));
    out({ event: 'started', speakers: stream.speakers, encoding: opts.encoding, sampleRate: opts.sampleRate });
  };

  const stop = async () => {
    if (!stream || stopping || ended) return;
    stopping = true;
    try {
      const signature = await stream.end();
      out({ event: 'signature', signature });
    } catch (e) {
      c.refuse(e);
    }
    ended = true;
    if (ws.readyState === ws.OPEN) ws.close(1000, 'stream ended');
  };

  ws.on('message', (data: RawData, isBinary: boolean) => {
    touch();
    if (stopping) return c.protocol('the stream is ending after "stop"; open a new connection for a new call');
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (isBinary) {
      if (!stream) return c.protocol('binary audio before "start"; send { "event": "start", ... } first');
      return push(() => stream!.pushAudio(bytes, { channel: binaryChannel }));
    }
    let m: Json;
    try {
      m = JSON.parse(bytes.toString('utf8')) as Json;
      if (!m || typeof m !== 'object' || Array.isArray(m)) throw new Error('not an object');
    } catch {
      return c.protocol('text frames must be JSON objects with an "event" field');
    }
    const ev = m.event;
    if (typeof ev !== 'string') return c.protocol('text frames must be JSON objects with a string "event" field');
    if (ev === 'connected') return; // Twilio's greeting
    if (ev === 'start') return start(m);
    if (ev === 'stop') return void stop();
    const known = ['media', 'message', 'frame'].includes(ev);
    if (!known) return c.protocol('unknown event (use connected, start, media, message, frame or stop)');
    if (!stream) return c.protocol(`"${ev}" before "start"; send { "event": "start", ... } first`);
    if (ev === 'media') {
      const media = m.media && typeof m.media === 'object' && !Array.isArray(m.media) ? (m.media as Json) : m;
      const channel = typeof media.channel === 'number' ? media.channel : media.track === 'outbound' ? 1 : 0;
      if (typeof media.payload !== 'string') return c.protocol('"media" needs a base64 "payload"');
      return push(() => stream!.pushAudio(Buffer.from(media.payload as string, 'base64'), { channel }));
    }
    if (ev === 'message') return push(() => stream!.pushMessage({ time: m.time as number, text: m.text as string, ...(m.speaker !== undefined ? { speaker: m.speaker as string } : {}) }));
    if (ev === 'frame') {
      if (typeof m.payload !== 'string') return c.protocol('"frame" needs a base64 "payload" (an encoded image)');
      return push(() => {
        stream!.pushFrame(Buffer.from(m.payload as string, 'base64'), m.time as number);
      });
    }
  });

  // a protocol violation (oversized frame, invalid UTF-8, RSV bits, unmasked frame, bad opcode or close code):
  // the ws library closes this connection; the server and every other call go on
  ws.on('error', (e: Error & { code?: string }) => {
    const code = e.code ?? 'WS_ERROR';
    st.protocolErrors[code] = (st.protocolErrors[code] ?? 0) + 1;
    log(`ws: closed a connection: ${code}`);
    finish();
  });
  ws.on('close', () => {
    st.open--;
    finish();
  });
}

/** Start the server (port 0: any free port; the chosen one is in `port`). */
export function startServer(options: WsServerOptions = {}): Promise<WsServer> {
  const maxConnections = options.maxConnections ?? 200;
  const limits = { idleTimeoutMs: options.idleTimeoutMs ?? 60_000, maxBufferedBytes: options.maxBufferedBytes ?? 8 << 20 };
  const log = options.log ?? (() => undefined);
  const st: WsServerStats = { open: 0, accepted: 0, refused: 0, protocolErrors: {}, idleClosed: 0, slowClientsDropped: 0 };
  return new Promise((resolve, reject) => {
    const wss = new WebSocketServer({ port: options.port ?? 8080, host: options.host ?? '127.0.0.1', maxPayload: options.maxPayload ?? 1 << 20 });
    wss.on('error', reject);
    wss.on('connection', (ws) => {
      ws.on('error', () => undefined); // until handle() installs its own: an error never goes unhandled
      if (st.open >= maxConnections) {
        st.refused++;
        ws.close(1013, 'server busy');
        setTimeout(() => ws.terminate(), 5000).unref();
        return;
      }
      st.open++;
      st.accepted++;
      handle(ws, options.stream ?? {}, limits, st, log);
    });
    wss.on('listening', () => {
      const addr = wss.address();
      resolve({
        port: typeof addr === 'object' && addr ? addr.port : (options.port ?? 8080),
        stats: () => ({ ...st, protocolErrors: { ...st.protocolErrors } }),
        close: () =>
          new Promise<void>((done) => {
            for (const c of wss.clients) c.terminate();
            wss.close(() => done());
          }),
      });
    });
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const port = Number(process.env.PORT ?? 8080);
  const host = process.env.HOST ?? '127.0.0.1';
  startServer({ port, host, log: (l) => console.error(l) }).then(
    (s) => console.log(`emosig live stream server on ws://${host}:${s.port} — send {"event":"start"}, then 8 kHz mu-law media, then {"event":"stop"}`),
    (e) => {
      console.error(errorInfo(e).message);
      process.exit(1);
    },
  );
}
