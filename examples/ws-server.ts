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
 * Back-pressure: when the stream has more than its high-water mark of audio waiting, the server stops
 * reading the socket (`ws.pause()`) until the stream drains, so a client that sends faster than real time
 * is slowed down by TCP instead of filling memory.
 */
import { pathToFileURL } from 'node:url';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { createStream, type EmotionStream, type StreamEncoding, type StreamEvent, type StreamOptions } from '../src/stream/index.js';
import { errorInfo } from '../src/errors.js';

export interface WsServerOptions {
  port?: number;
  host?: string;
  /** Defaults for every stream (a client's "start" message overrides speakers, encoding, sampleRate, window, name). */
  stream?: StreamOptions;
  /** Largest accepted WebSocket message (bytes). Default 1 MiB. */
  maxPayload?: number;
}

export interface WsServer {
  port: number;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

function send(ws: WebSocket, msg: Json): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
}

/** Input the stream refused: its EmosigError code and message. */
function refuse(ws: WebSocket, e: unknown): void {
  const { code, message } = errorInfo(e);
  send(ws, { event: 'error', code, message });
}

/** A message this server does not understand (code WS_PROTOCOL). */
function protocol(ws: WebSocket, message: string): void {
  send(ws, { event: 'error', code: 'WS_PROTOCOL', message });
}

/** One connection: a stream, fed from JSON and binary messages, its events sent back. */
function handle(ws: WebSocket, defaults: StreamOptions): void {
  let stream: EmotionStream | undefined;
  let binaryChannel = 0;
  let stopping = false;

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
      refuse(ws, e);
    }
  };

  const start = (m: Json) => {
    if (stream) return protocol(ws, '"start" was already received on this connection; open a new connection for a new call');
    const speakers = Array.isArray(m.speakers) ? (m.speakers as string[]) : defaults.speakers;
    const opts: StreamOptions = {
      ...defaults,
      encoding: (m.encoding as StreamEncoding | undefined) ?? defaults.encoding ?? 'mulaw',
      sampleRate: (m.sampleRate as number | undefined) ?? defaults.sampleRate ?? 8000,
      ...(speakers ? { speakers } : {}),
      ...(m.window ? { window: m.window as StreamOptions['window'] } : {}),
      ...(typeof m.name === 'string' ? { name: m.name } : {}),
    };
    binaryChannel = typeof m.binaryChannel === 'number' ? m.binaryChannel : 0;
    try {
      stream = createStream(opts);
    } catch (e) {
      return refuse(ws, e);
    }
    const forward = (e: StreamEvent) => send(ws, { ...e, event: e.type });
    for (const t of ['reading', 'window', 'moment', 'escalation', 'warning'] as const) stream.on(t, forward);
    stream.on('error', (e) => refuse(ws, e));
    send(ws, { event: 'started', speakers: stream.speakers, encoding: opts.encoding, sampleRate: opts.sampleRate });
  };

  const stop = async () => {
    if (!stream || stopping) return;
    stopping = true;
    try {
      const signature = await stream.end();
      send(ws, { event: 'signature', signature });
    } catch (e) {
      refuse(ws, e);
    }
    ws.close(1000, 'stream ended');
  };

  ws.on('message', (data: RawData, isBinary: boolean) => {
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (isBinary) {
      if (!stream) return protocol(ws, 'binary audio before "start"; send { "event": "start", ... } first');
      return push(() => stream!.pushAudio(bytes, { channel: binaryChannel }));
    }
    let m: Json;
    try {
      m = JSON.parse(bytes.toString('utf8')) as Json;
      if (!m || typeof m !== 'object') throw new Error('not an object');
    } catch {
      return protocol(ws, 'text frames must be JSON objects with an "event" field');
    }
    const ev = m.event;
    if (ev === 'connected') return; // Twilio's greeting
    if (ev === 'start') return start(m);
    if (ev === 'stop') return void stop();
    if (!stream) return protocol(ws, `"${String(ev)}" before "start"; send { "event": "start", ... } first`);
    if (ev === 'media') {
      const media = (m.media as Json | undefined) ?? m;
      const channel = typeof media.channel === 'number' ? media.channel : media.track === 'outbound' ? 1 : 0;
      if (typeof media.payload !== 'string') return protocol(ws, '"media" needs a base64 "payload"');
      return push(() => stream!.pushAudio(Buffer.from(media.payload as string, 'base64'), { channel }));
    }
    if (ev === 'message') return push(() => stream!.pushMessage({ time: m.time as number, text: m.text as string, ...(typeof m.speaker === 'string' ? { speaker: m.speaker } : {}) }));
    if (ev === 'frame') {
      if (typeof m.payload !== 'string') return protocol(ws, '"frame" needs a base64 "payload" (an encoded image)');
      return push(() => {
        stream!.pushFrame(Buffer.from(m.payload as string, 'base64'), m.time as number);
      });
    }
    protocol(ws, `unknown event "${String(ev)}" (use start, media, message, frame or stop)`);
  });

  ws.on('close', () => {
    // a client that goes away without "stop": finish the stream quietly
    if (stream && !stopping) {
      stopping = true;
      stream.end().catch(() => undefined);
    }
  });
}

/** Start the server (port 0: any free port; the chosen one is in `port`). */
export function startServer(options: WsServerOptions = {}): Promise<WsServer> {
  return new Promise((resolve, reject) => {
    const wss = new WebSocketServer({ port: options.port ?? 8080, host: options.host ?? '127.0.0.1', maxPayload: options.maxPayload ?? 1 << 20 });
    wss.on('error', reject);
    wss.on('connection', (ws) => handle(ws, options.stream ?? {}));
    wss.on('listening', () => {
      const addr = wss.address();
      resolve({
        port: typeof addr === 'object' && addr ? addr.port : (options.port ?? 8080),
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
  startServer({ port, host }).then(
    (s) => console.log(`emosig live stream server on ws://${host}:${s.port} — send {"event":"start"}, then 8 kHz mu-law media, then {"event":"stop"}`),
    (e) => {
      console.error(errorInfo(e).message);
      process.exit(1);
    },
  );
}
