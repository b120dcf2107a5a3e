/**
 * One engine for live and recorded interactions: the stream's signature equals analyze's, and the moments engine
 * gives the same moments and escalation pushed window by window as over the whole timeline. The documented causal
 * differences (README, "Streaming: what differs from analyze") are the only ones allowed.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_FPS } from '../src/signature/time.js';
import { decodeWav } from '../src/audio/index.js';
import { createStream } from '../src/stream/index.js';
import { analyze, loadReliability, speakerSummary, SpeakerMoments, SummaryAccumulator } from '../src/fusion/index.js';
import type { EmotionalSignature, SignatureMoment } from '../src/signature/schema.js';

const CHAT = JSON.parse(readFileSync('fixtures/demo/chat.json', 'utf8')) as { time: number; speaker: string; text: string }[];
const STEREO = 'fixtures/call_stereo.wav';
const FRAMES = 'fixtures/demo/frames';
const tick = () => new Promise((r) => setTimeout(r, 0));

/** What must be equal between two signatures of the same interaction (the interaction block names its sources). */
function core(s: EmotionalSignature) {
  return { timeline: s.timeline, moments: s.moments, nuances: s.nuances, speakers: s.speakers, durationSec: s.interaction.durationSec };
}

describe('stream = analyze', () => {
  it('chat pushed in random batches gives analyze’s timeline, moments, speakers and escalation', async () => {
    const ref = await analyze({ chat: { path: 'fixtures/demo/chat.json' }, speakers: ['customer', 'agent'] });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: CHAT.length, maxLength: CHAT.length }), async (sizes) => {
        const s = createStream({ speakers: ['customer', 'agent'] });
        for (let i = 0, k = 0; i < CHAT.length; i += sizes[k++]) {
          for (const m of CHAT.slice(i, i + sizes[k])) s.pushMessage(m);
          await tick();
        }
        const sig = await s.end();
        expect(core(sig)).toEqual(core(ref));
        for (const spk of Object.keys(ref.speakers))
          expect(Math.abs(sig.speakers[spk].summary.escalation.score - ref.speakers[spk].summary.escalation.score)).toBeLessThan(1e-6);
      }),
      { numRuns: 5, seed: 13 },
    );
  }, 60_000);

  it('with conversation context on (config text.context), the chat stream still equals analyze, and context changes readings', async () => {
    const config = { text: { context: true } };
    const ref = await analyze({ chat: { path: 'fixtures/demo/chat.json' }, speakers: ['customer', 'agent'], config });
    const off = await analyze({ chat: { path: 'fixtures/demo/chat.json' }, speakers: ['customer', 'agent'] });
    expect(ref.timeline).not.toEqual(off.timeline);
    const s = createStream({ speakers: ['customer', 'agent'], config });
    for (const m of CHAT) s.pushMessage(m);
    expect(core(await s.end())).toEqual(core(ref));
  }, 60_000);

  it('audio and chat pushed in random chunk sizes give analyze’s signature (timeline, moments, speakers, nuances)', async () => {
    const wav = await decodeWav(STEREO);
    const run = async (chunks: number[]) => {
      const s = createStream({ speakers: ['customer', 'agent'], sampleRate: wav.info.sampleRate });
      let m = 0;
      for (let i = 0, k = 0; i < wav.info.frames; k++) {
        const n = chunks[k % chunks.length];
        for (let c = 0; c < 2; c++) if (!s.pushAudio(wav.channels[c].slice(i, i + n), { channel: c })) await s.whenDrained();
        i += n;
        const t = Math.min(i, wav.info.frames) / wav.info.sampleRate;
        while (m < CHAT.length && CHAT[m].time <= t) s.pushMessage(CHAT[m++]);
      }
      return core(await s.end());
    };
    const ref = core(await analyze({ audio: STEREO, chat: { path: 'fixtures/demo/chat.json' }, speakers: ['customer', 'agent'] }));
    expect(ref.timeline.length).toBeGreaterThan(20);
    expect(await run([Math.round(0.02 * wav.info.sampleRate)])).toEqual(ref);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 37, max: 3 * wav.info.sampleRate }), { minLength: 1, maxLength: 8 }), async (chunks) => {
        expect(await run(chunks)).toEqual(ref);
      }),
      { numRuns: 3, seed: 13 },
    );
  }, 120_000);
});

describe('stream = analyze with all three modalities', () => {
  it('the demo call, its camera frames (at the frame folder clock, none dropped) and its chat give analyze’s signature', async () => {
    const frames = readdirSync(FRAMES).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort();
    const at = (f: string) => Number(f.match(/\d+/)![0]) / DEFAULT_FPS; // the frame folder's clock
    const wav = await decodeWav(STEREO);
    const s = createStream({ speakers: ['customer', 'agent'], sampleRate: wav.info.sampleRate, maxPendingFrames: 100 });
    const n = Math.round(0.5 * wav.info.sampleRate);
    let m = 0;
    let k = 0;
    for (let i = 0; i < wav.info.frames; i += n) {
      for (let c = 0; c < 2; c++) if (!s.pushAudio(wav.channels[c].slice(i, i + n), { channel: c })) await s.whenDrained();
      const t = Math.min(i + n, wav.info.frames) / wav.info.sampleRate;
      while (k < frames.length && at(frames[k]) <= t) s.pushFrame(readFileSync(join(FRAMES, frames[k])), at(frames[k++]));
      while (m < CHAT.length && CHAT[m].time <= t) s.pushMessage(CHAT[m++]);
    }
    const sig = await s.end();
    expect(s.stats().frames.dropped).toBe(0);
    const ref = await analyze({ audio: STEREO, frames: FRAMES, chat: { path: 'fixtures/demo/chat.json' }, speakers: ['customer', 'agent'] });
    expect(ref.interaction.modalities.face.present).toBe(true);
    expect(core(sig)).toEqual(core(ref));
  }, 120_000);
});

describe('moments engine: incremental = whole timeline', () => {
  it('pushing a recorded timeline window by window gives the signature’s moments, and escalation after every window', async () => {
    const sig = await analyze({ audio: STEREO, chat: { path: 'fixtures/demo/chat.json' }, speakers: ['customer', 'agent'] });
    const rel = loadReliability();
    const key = (m: SignatureMoment) => JSON.stringify(m);
    for (const spk of Object.keys(sig.speakers)) {
      const wins = sig.timeline.filter((w) => w.speaker === spk);
      // the engine's finish() on the signature's windows gives the signature's stress spikes, shifts and peaks
      // (incongruence needs the per-modality evidence, which the signature does not keep: checked by the stream tests)
      const e = new SpeakerMoments(spk, 0.55, rel);
      // the stream's live form keeps nothing for finish() but emits the same moments as they come
      const lite = new SpeakerMoments(spk, 0.55, rel, false);
      const liteOut: SignatureMoment[] = [];
      const live: SignatureMoment[] = [];
      const acc = new SummaryAccumulator(0.55);
      wins.forEach((w, i) => {
        live.push(...e.push(w, []));
        liteOut.push(...lite.push(w, []));
        acc.push(w);
        const direct = speakerSummary(spk, wins.slice(0, i + 1), w.emotions, [], undefined, 'customer', 0.55, 2, undefined, 0);
        const inc = acc.summary(w.emotions, { valence: 0, arousal: 0, stress: 0 }, undefined, []);
        expect(Math.abs(inc.escalation.score - direct.escalation.score)).toBeLessThan(1e-6);
        expect(inc.trend).toEqual(direct.trend);
      });
      live.push(...e.flushLive());
      liteOut.push(...lite.flushLive());
      expect(liteOut).toEqual(live);
      expect(() => lite.finish()).toThrow(/wholeCall/);
      const fin = e.finish();
      const mine = sig.moments.filter((m) => m.speaker === spk && ['stress-spike', 'emotion-shift', 'peak'].includes(m.kind));
      expect(fin.map(key).sort()).toEqual(mine.map(key).sort());
      // live: shifts are the same; stress spikes are judged against the median so far (documented causal difference)
      expect(live.filter((m) => m.kind === 'emotion-shift').map(key)).toEqual(fin.filter((m) => m.kind === 'emotion-shift').map(key));
    }
  }, 60_000);
});
