/**
 * Worker thread of a live stream's face model (see faces.ts): loads the face analyser once, then analyses
 * the frames it is sent, one at a time, and returns the tracks on request.
 */
import { parentPort } from 'node:worker_threads';
import { errorInfo } from '../errors.js';
import { inProcessFaces, threadMemory, type FaceReply, type FaceRequest, type StreamFaces } from './faces.js';

const port = parentPort;
if (port) {
  let faces: StreamFaces | undefined;
  const reply = (r: FaceReply) => port.postMessage(r);
  port.on('message', async (m: FaceRequest) => {
    try {
      if (m.type === 'init') {
        faces = await inProcessFaces(m.options);
        reply({ type: 'ready', info: faces.info });
      } else if (m.type === 'frame') {
        const image = m.image ? { ...m.image, data: new Uint8Array(m.image.data.buffer, m.image.data.byteOffset, m.image.data.byteLength) } : undefined;
        reply({ type: 'result', id: m.id, value: await faces!.frame({ image, encoded: m.encoded }, m.time, m.source) });
      } else if (m.type === 'tracks') {
        reply({ type: 'result', id: m.id, value: await faces!.tracks() });
      } else if (m.type === 'memory') {
        reply({ type: 'result', id: m.id, value: threadMemory('worker', m.gc) });
      }
    } catch (e) {
      reply({ type: 'error', ...('id' in m ? { id: m.id } : {}), ...errorInfo(e) });
    }
  });
}
