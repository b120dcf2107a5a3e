/**
 * A raw WebSocket client over TCP for hostile tests: it completes the HTTP upgrade, then writes any bytes,
 * including frames no well-behaved client library would send.
 */
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';

export interface RawFrameSpec {
  fin?: boolean;
  rsv?: number; // 0..7 (RSV1 = 4)
  opcode: number;
  payload: Buffer;
  masked?: boolean;
  /** Claim this payload length in the header instead of the real one. */
  claimedLength?: number;
}

/** One WebSocket frame as bytes. */
export function frame(f: RawFrameSpec): Buffer {
  const len = f.claimedLength ?? f.payload.length;
  const masked = f.masked ?? true;
  const head: number[] = [((f.fin ?? true) ? 0x80 : 0) | ((f.rsv ?? 0) << 4) | (f.opcode & 0x0f)];
  const m = masked ? 0x80 : 0;
  let ext = Buffer.alloc(0);
  if (len < 126) head.push(m | len);
  else if (len < 65536) {
    head.push(m | 126);
    ext = Buffer.alloc(2);
    ext.writeUInt16BE(len);
  } else {
    head.push(m | 127);
    ext = Buffer.alloc(8);
    ext.writeBigUInt64BE(BigInt(len));
  }
  const key = masked ? randomBytes(4) : Buffer.alloc(0);
  const body = Buffer.from(f.payload);
  if (masked) for (let i = 0; i < body.length; i++) body[i] ^= key[i & 3];
  return Buffer.concat([Buffer.from(head), ext, key, body]);
}

export interface RawClient {
  socket: Socket;
  /** Bytes received after the upgrade. */
  received(): Buffer;
  /** Resolves when the server closes the TCP connection (or after `ms`, with false). */
  closed(ms: number): Promise<boolean>;
}

/** Open a TCP connection and complete the WebSocket upgrade. */
export function rawConnect(port: number, host = '127.0.0.1'): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host);
    const chunks: Buffer[] = [];
    let upgraded = false;
    let head = Buffer.alloc(0);
    let closedResolve: (() => void) | undefined;
    let isClosed = false;
    socket.on('close', () => {
      isClosed = true;
      closedResolve?.();
    });
    socket.on('error', (e) => {
      if (!upgraded) reject(e);
    });
    socket.on('data', (d: Buffer) => {
      if (upgraded) return void chunks.push(d);
      head = Buffer.concat([head, d]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      if (!head.subarray(0, 12).toString().includes('101')) return reject(new Error(`upgrade refused: ${head.subarray(0, end).toString()}`));
      upgraded = true;
      if (head.length > end + 4) chunks.push(head.subarray(end + 4));
      resolve({
        socket,
        received: () => Buffer.concat(chunks),
        closed: (ms) =>
          isClosed
            ? Promise.resolve(true)
            : new Promise<boolean>((r) => {
                const t = setTimeout(() => r(false), ms);
                closedResolve = () => {
                  clearTimeout(t);
                  r(true);
                };
              }),
      });
    });
    socket.on('connect', () => {
      socket.write(
        `GET / HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
  });
}
