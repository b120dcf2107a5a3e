import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import type { VoiceReading, VoiceSegment } from '../src/audio/index.js';
import type { FaceReading } from '../src/vision/index.js';
import type { TextMessageReading, TextReading } from '../src/text/index.js';
import { CORE_LABELS, emotionsFromVector, type CoreLabel, type Emotions } from '../src/signature/labels.js';
import { SignatureSchema } from '../src/signature/schema.js';
import { analyze, createAnalyzer } from '../src/fusion/analyze.js';
import { fuseReadings } from '../src/fusion/fuse.js';
import { calibrate, incongruence, loadReliability, pool } from '../src/fusion/reliability.js';
import { EmosigError } from '../src/errors.js';

const rel = loadReliability();

/** A distribution with `p` on `label` and the rest spread evenly. */
function peaked(label: CoreLabel, p = 0.8): Emotions {
  return emotionsFromVector(CORE_LABELS.map((l) => (l === label ? p : (1 - p) / (CORE_LABELS.length - 1))));
}
const VA: Record<CoreLabel, [number, number]> = { neutral: [0, -0.2], joy: [0.8, 0.5], sadness: [-0.7, -0.5], anger: [-0.7, 0.8], fear: [-0.7, 0.7], disgust: [-0.7, 0.3], surprise: [0.1, 0.8] };

function seg(speaker: string, start: number, end: number, label: CoreLabel, p = 0.8, stress = label === 'anger' ? 0.8 : 0.3): VoiceSegment {
  return { speaker, start, end, emotions: peaked(label, p), valence: VA[label][0] * p, arousal: VA[label][1] * p, stress, confidence: 0.7, quality: { rmsDb: -30, clippedFraction: 0, snrDb: 30, speechProb: 0.9 } };
}

function voice(segments: VoiceSegment[], durationSec = 20, pauses: VoiceReading['pauses'] = []): VoiceReading {
  const summary = { emotions: peaked('neutral'), valence: 0, arousal: 0, stress: 0.3, confidence: 0.5, speechSec: 1, segments: 1 };
  return {
    modality: 'voice',
    source: 'synthetic.wav',
    durationSec,
    sampleRate: 16000,
    encoding: 'pcm',
    speakers: ['customer', 'agent'],
    segments,
    pauses,
    overlaps: [],
    overall: summary,
    bySpeaker: { customer: summary, agent: summary },
    noSpeech: segments.length === 0,
    model: { name: 'voice-test', version: '1', backend: 'cpu', vad: 'silero' },
    warnings: [],
  } as VoiceReading;
}

function face(points: { time: number; label: CoreLabel; p?: number }[], micro: FaceReading['tracks'][number]['microExpressions'] = []): FaceReading {
  const timeline = points.map((pt) => ({ time: pt.time, emotions: peaked(pt.label, pt.p ?? 0.8), label: pt.label, valence: VA[pt.label][0], arousal: VA[pt.label][1], confidence: 0.6 }));
  return {
    frames: points.map((pt) => ({ time: pt.time, source: 'f.jpg', width: 100, height: 100, faces: [] })),
    tracks: points.length
      ? [{ trackId: 1, firstTime: points[0].time, lastTime: points[points.length - 1].time, timeline, microExpressions: micro, summary: { emotions: peaked('neutral'), label: 'neutral', valence: 0, arousal: 0 } }]
      : [],
    backend: 'onnxruntime-node/cpu',
    model: 'face-test',
    detector: 'tiny',
  } as FaceReading;
}

function text(msgs: { time?: number; speaker?: string; label: CoreLabel; nuances?: Record<string, number>; labels?: string[] }[]): TextReading {
  const messages = msgs.map(
    (m, index) =>
      ({
        index,
        ...(m.time !== undefined ? { time: m.time } : {}),
        ...(m.speaker ? { speaker: m.speaker } : {}),
        emotions: peaked(m.label),
        nuances: { annoyance: 0, anger: 0, disappointment: 0, disapproval: 0, gratitude: 0, ...(m.nuances ?? {}) },
        labels: m.labels ?? [],
        sentiment: { label: 'neutral', score: 0, probabilities: { negative: 0, neutral: 1, positive: 0, ambiguous: 0 } },
        valence: VA[m.label][0],
        arousal: VA[m.label][1],
        confidence: 0.6,
        cues: [],
        flags: [],
      }) as unknown as TextMessageReading,
  );
  return { modality: 'text', messages, overall: {} as never, bySpeaker: {}, issues: [], model: { name: 'text-test', version: 1 } } as TextReading;
}

const OPTS = { speakers: ['customer', 'agent'] };

describe('pooling', () => {
  it('agreeing modalities sharpen the fused reading and weights sum to 1', () => {
    const a = calibrate(CORE_LABELS.map((l) => (l === 'anger' ? 0.6 : 0.4 / 6)), rel.modalities.voice.temperature);
    const b = calibrate(CORE_LABELS.map((l) => (l === 'anger' ? 0.6 : 0.4 / 6)), rel.modalities.text.temperature);
    const one = pool([{ modality: 'voice', p: a, confidence: 0.8 }], rel)!;
    const two = pool([{ modality: 'voice', p: a, confidence: 0.8 }, { modality: 'text', p: b, confidence: 0.8 }], rel)!;
    const k = CORE_LABELS.indexOf('anger');
    expect(two.p[k]).toBeGreaterThan(one.p[k]);
    expect(Object.values(two.weights).reduce((s, w) => s + w!, 0)).toBeCloseTo(1, 6);
  });

  it('no usable evidence gives no reading (never a default neutral)', () => {
    expect(pool([], rel)).toBeNull();
    expect(pool([{ modality: 'face', p: new Array(7).fill(0), confidence: 0.9 }], rel)).toBeNull();
    expect(pool([{ modality: 'face', p: calibrate([1, 0, 0, 0, 0, 0, 0], 1), confidence: 0 }], rel)).toBeNull();
  });

  it('a low-confidence modality gets less weight', () => {
    const p = (l: CoreLabel) => calibrate(vec(peaked(l, 0.7)), 1);
    const r = pool([{ modality: 'voice', p: p('anger'), confidence: 0.9 }, { modality: 'face', p: p('joy'), confidence: 0.1 }], rel)!;
    expect(r.weights.voice!).toBeGreaterThan(r.weights.face!);
    expect(CORE_LABELS[r.p.indexOf(Math.max(...r.p))]).toBe('anger');
  });

  it('incongruence is high when one modality disagrees and low when all agree', () => {
    // clear readings (0.9 on one label): the face pooling is overconfident on held-out faces (fitted temperature ≈ 1.9),
    // so a raw 0.8 face reading is worth ~0.5 after calibration and is not "clear" any more
    const e = (m: 'voice' | 'face' | 'text', l: CoreLabel) => ({ modality: m, p: calibrate(vec(peaked(l, 0.9)), rel.modalities[m].temperature), confidence: 0.8 });
    const agree = incongruence([e('voice', 'anger'), e('face', 'anger'), e('text', 'anger')], rel);
    const odd = incongruence([e('voice', 'anger'), e('face', 'joy'), e('text', 'anger')], rel);
    expect(odd.score).toBeGreaterThan(rel.incongruence.threshold);
    expect(agree.score).toBeLessThan(rel.incongruence.threshold);
    expect(odd.odd?.modality).toBe('face');
  });
});

function vec(e: Emotions): number[] {
  return CORE_LABELS.map((l) => e[l]);
}

describe('fuseReadings', () => {
  it('fuses three modalities on one timeline and flags a smile over an angry voice', () => {
    const v = voice([seg('agent', 0.5, 2.5, 'neutral'), seg('customer', 3, 7, 'neutral', 0.8, 0.2), seg('customer', 8, 14, 'anger', 0.85), seg('agent', 14.5, 16, 'neutral')], 20, [
      { start: 16, end: 19, length: 3, before: 'agent', after: 'customer' },
    ]);
    const f = face([8, 9, 10, 11, 12, 13].map((time) => ({ time, label: 'joy' as const, p: 0.85 })));
    const t = text([{ time: 9, speaker: 'customer', label: 'anger', labels: ['annoyance'], nuances: { annoyance: 0.7 } }, { time: 1, speaker: 'Agent', label: 'neutral' }]);
    const sig = fuseReadings({ voice: v, face: f, text: t }, rel, OPTS);
    SignatureSchema.parse(sig);
    expect(sig.interaction.modalities.voice.present && sig.interaction.modalities.face.present && sig.interaction.modalities.text.present).toBe(true);
    const w = sig.timeline.find((x) => x.speaker === 'customer' && x.start === 10)!;
    expect(Object.keys(w.contributions).sort()).toEqual(['face', 'voice']);
    const inc = sig.moments.filter((m) => m.kind === 'incongruence' && m.speaker === 'customer');
    expect(inc.length).toBeGreaterThan(0);
    expect(inc[0].modalities).toContain('face');
    expect(inc[0].evidence).toMatch(/face joy/);
    // chat speaker names match case-insensitively; the agent did not get a new speaker entry
    expect(Object.keys(sig.speakers).sort()).toEqual(['agent', 'customer']);
    expect(sig.moments.some((m) => m.kind === 'long-pause' && m.speaker === 'customer')).toBe(true);
    expect(sig.nuances.some((n) => n.label === 'frustration' && n.speaker === 'customer')).toBe(true);
    const cust = sig.speakers.customer;
    expect(cust.modalities.voice && cust.modalities.face && cust.modalities.text).toBeTruthy();
    expect(cust.summary.escalation.reasons.map((r) => r.code)).toEqual(expect.arrayContaining(['anger-peak', 'chat-frustration', 'silence-after-agent']));
    // the signature holds no raw content by default
    expect(sig.interaction.kept).toEqual({ audio: false, frames: false, text: false });
    expect(sig.messages).toBeUndefined();
  });

  it('escalation is higher when anger rises to the end than when the customer calms down', () => {
    const rising = voice([seg('customer', 0, 5, 'neutral', 0.8, 0.2), seg('customer', 6, 12, 'anger', 0.7, 0.6), seg('customer', 13, 20, 'anger', 0.9, 0.9)]);
    const calming = voice([seg('customer', 0, 5, 'anger', 0.9, 0.9), seg('customer', 6, 12, 'anger', 0.7, 0.6), seg('customer', 13, 20, 'neutral', 0.8, 0.2)]);
    const a = fuseReadings({ voice: rising }, rel, OPTS).speakers.customer.summary;
    const b = fuseReadings({ voice: calming }, rel, OPTS).speakers.customer.summary;
    expect(a.trend.stress).toBeGreaterThan(0);
    expect(b.trend.stress).toBeLessThan(0);
    expect(a.escalation.score).toBeGreaterThan(b.escalation.score);
    expect(a.escalation.reasons.some((r) => r.code === 'rising-stress')).toBe(true);
    expect(b.escalation.reasons.some((r) => r.code === 'calmed-down')).toBe(true);
    expect(a.end.dominant).toBe('anger');
  });

  it('a missing modality degrades gracefully: no windows where nothing was seen', () => {
    const sig = fuseReadings({ face: face([{ time: 5, label: 'joy' }]) }, rel, { ...OPTS, videoDurationSec: 10 });
    SignatureSchema.parse(sig);
    expect(sig.interaction.modalities.voice).toMatchObject({ present: false, reason: 'not-given' });
    expect(sig.timeline.every((w) => w.speaker === 'customer' && w.end > 4 && w.start <= 5)).toBe(true);
    expect(sig.speakers.agent).toBeUndefined();
  });

  it('states chat problems: unsorted, outside the span, no timestamps, absolute times', () => {
    const v = voice([seg('customer', 1, 5, 'neutral')], 10);
    const out = fuseReadings({ voice: v, text: text([{ time: 8, label: 'joy' }, { time: 3, label: 'anger' }, { time: 30, label: 'sadness' }, { label: 'joy' }]) }, rel, OPTS);
    const codes = out.interaction.problems.map((p) => p.code);
    expect(codes).toEqual(expect.arrayContaining(['CHAT_UNSORTED', 'CHAT_OUTSIDE_SPAN', 'CHAT_MISSING_TIME']));
    expect(out.timeline.some((w) => w.contributions.text && w.start <= 8 && w.end > 8)).toBe(true);
    expect(out.speakers.customer.modalities.text).toBeDefined();
    const abs = fuseReadings({ text: text([{ time: 1_700_000_000, label: 'joy' }, { time: 1_700_000_004, label: 'anger' }]) }, rel, OPTS);
    expect(abs.interaction.problems.map((p) => p.code)).toContain('CHAT_ABSOLUTE_TIME');
    expect(abs.timeline.map((w) => w.start)).toContain(4);
    const early = fuseReadings({ text: text([{ time: 1, label: 'anger' }, { time: 5, label: 'joy' }]) }, rel, { ...OPTS, offsets: { text: -3 } });
    expect(early.interaction.problems.map((p) => p.code)).toContain('CHAT_OUTSIDE_SPAN');
    expect(early.speakers.customer.emotions.anger).toBeGreaterThan(0.1);
    expect(early.timeline.filter((w) => w.contributions.text).map((w) => w.start)).toEqual([1, 2]);
    const none = fuseReadings({ text: text([{ label: 'joy' }, { label: 'anger' }]) }, rel, OPTS);
    expect(none.timeline).toHaveLength(0);
    expect(none.interaction.problems.map((p) => p.code)).toContain('CHAT_NO_TIME');
    expect(none.speakers.customer.emotions.joy).toBeGreaterThan(0.2);
    SignatureSchema.parse(none);
  });

  it('chat messages without a speaker go to the customer unless told otherwise', () => {
    const t = text([{ time: 1, label: 'joy' }, { time: 2, speaker: 'bot', label: 'neutral' }]);
    const a = fuseReadings({ text: t }, rel, OPTS);
    expect(Object.keys(a.speakers).sort()).toEqual(['bot', 'customer']);
    expect(a.interaction.speakers.find((s) => s.name === 'bot')!.role).toBe('other');
    const b = fuseReadings({ text: t }, rel, { ...OPTS, chatSpeaker: 'agent' });
    expect(Object.keys(b.speakers).sort()).toEqual(['agent', 'bot']);
  });

  it('applies clock offsets and reports audio/video length mismatch', () => {
    const v = voice([seg('customer', 1, 3, 'anger')], 10);
    const f = face([{ time: 1, label: 'anger' }, { time: 2, label: 'anger' }]);
    const sig = fuseReadings({ voice: v, face: f }, rel, { ...OPTS, offsets: { face: 5 }, videoDurationSec: 20 });
    expect(sig.interaction.modalities.face.offsetSec).toBe(5);
    expect(sig.interaction.modalities.face.span!.start).toBe(6);
    expect(sig.interaction.problems.map((p) => p.code)).toContain('LENGTH_MISMATCH');
    expect(sig.interaction.durationSec).toBe(25);
  });

  it('voice without speech and faces without faces are absent for that reason', () => {
    const sig = fuseReadings({ voice: voice([], 5), face: face([]), text: text([{ time: 1, label: 'joy' }]) }, rel, OPTS);
    expect(sig.interaction.modalities.voice).toMatchObject({ present: false, reason: 'no-speech' });
    expect(sig.interaction.modalities.face).toMatchObject({ present: false, reason: 'no-face' });
    expect(sig.interaction.modalities.text.present).toBe(true);
  });
});

describe('analyze', () => {
  it('rejects bad options with typed errors', async () => {
    await expect(analyze({ window: { size: 2, hop: 3 }, chat: ['hi'] })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
    await expect(analyze({ offsets: { smell: 1 } as never, chat: ['hi'] })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
    await expect(analyze({ video: 'a.mp4', frames: 'dir' })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
    await expect(analyze({ speakers: ['a', 'A'], chat: ['hi'] })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
  });

  it('nothing given, nothing consented or nothing usable → NOTHING_USABLE naming each reason', async () => {
    await expect(analyze({})).rejects.toMatchObject({ code: 'NOTHING_USABLE' });
    const e = await analyze({ audio: 'fixtures/call_stereo.wav', chat: { path: 'fixtures/demo/chat.json' }, consent: { voice: false, text: false } }).catch((x) => x);
    expect(e).toBeInstanceOf(EmosigError);
    expect(e.code).toBe('NOTHING_USABLE');
    expect(e.message).toMatch(/voice: no-consent.*text: no-consent/);
    const b = await analyze({ audio: 'fixtures/bad/not_a_wav.wav', chat: { content: '   ' } }).catch((x) => x);
    expect(b.code).toBe('NOTHING_USABLE');
    expect(b.message).toMatch(/voice: unusable/);
  });

  it('a broken modality next to a usable one gives a valid signature with the problem stated', async () => {
    const sig = await analyze({ audio: 'fixtures/bad/empty_file.wav', chat: { path: 'fixtures/demo/chat.json' }, keepText: true });
    SignatureSchema.parse(sig);
    expect(sig.interaction.modalities.voice).toMatchObject({ present: false, reason: 'unusable' });
    expect(sig.interaction.problems.some((p) => p.modality === 'voice')).toBe(true);
    expect(sig.interaction.modalities.text.present).toBe(true);
    expect(sig.messages?.length).toBe(8);
    expect(sig.interaction.kept.text).toBe(true);
  });

  it('keeps no message text unless asked', async () => {
    const sig = await analyze({ chat: ['my secret password is swordfish and I am furious'], audio: 'fixtures/silence.wav' });
    expect(JSON.stringify(sig)).not.toMatch(/swordfish|password/);
    expect(sig.interaction.modalities.voice).toMatchObject({ present: false });
    const kept = await analyze({ chat: ['my secret password is swordfish'], keepText: true });
    expect(kept.messages?.[0].text).toContain('swordfish');
  });

  it('without consent a modality is not decoded at all', async () => {
    // a missing file would be an INPUT_NOT_FOUND problem if it were opened
    const sig = await analyze({ audio: 'does/not/exist.wav', frames: 'does/not/exist', chat: { path: 'fixtures/demo/chat.json' }, consent: { voice: false, face: false } });
    expect(sig.interaction.modalities.voice).toMatchObject({ present: false, reason: 'no-consent' });
    expect(sig.interaction.modalities.face).toMatchObject({ present: false, reason: 'no-consent' });
    expect(sig.interaction.problems.filter((p) => p.modality !== 'text')).toEqual([]);
  });

  it('reads faces from a video next to silent audio', async () => {
    const sig = await analyze({ video: 'fixtures/face/clip.mp4', audio: 'fixtures/silence.wav', consent: { voice: true } });
    SignatureSchema.parse(sig);
    expect(sig.interaction.modalities.face).toMatchObject({ present: true, source: 'fixtures/face/clip.mp4' });
    expect(sig.interaction.modalities.voice.present).toBe(false);
    expect(sig.timeline.every((w) => w.speaker === 'customer' && w.contributions.face)).toBe(true);
  });

  it('createAnalyzer analyses the demo chat and frames with the models loaded once', async () => {
    const a = await createAnalyzer({ speakers: ['customer', 'agent'], consent: { voice: false } });
    const sig = await a.analyze({ frames: 'fixtures/demo/frames', chat: { path: 'fixtures/demo/chat.json' } });
    SignatureSchema.parse(sig);
    expect(sig.interaction.modalities.face).toMatchObject({ present: true, items: 13 });
    expect(sig.interaction.speakers.find((s) => s.name === 'customer')!.modalities).toEqual(['face', 'text']);
    const win = sig.timeline.find((w) => w.speaker === 'customer' && w.start === 24)!;
    expect(win.contributions.face && win.contributions.text).toBeTruthy();
    expect(win.dominant).toBe('joy');
  });

  it.runIf(existsSync('models/voice/voice.json'))('analyzes the full demo (voice + face + chat)', async () => {
    const sig = await analyze({ audio: 'fixtures/call_stereo.wav', frames: 'fixtures/demo/frames', chat: { path: 'fixtures/demo/chat.json' }, speakers: ['customer', 'agent'] });
    SignatureSchema.parse(sig);
    expect(sig.interaction.modalities.voice.present).toBe(true);
    expect(sig.interaction.speakers.map((s) => [s.name, s.channel])).toEqual([
      ['customer', 0],
      ['agent', 1],
    ]);
    // ground truth (fixtures/demo/annotation.json): the 3 s hold, the strong angry turn at 12.5–14.9 s with polite
    // words typed at 13.6 s, and a calm, grateful end
    expect(sig.moments.some((m) => m.kind === 'long-pause' && m.time > 17 && m.time < 18.5)).toBe(true);
    const during = (m: { time: number; end?: number }, a: number, b: number) => m.time < b && (m.end ?? m.time) > a;
    const cust = sig.moments.filter((m) => m.speaker === 'customer');
    expect(cust.some((m) => m.kind === 'stress-spike' && during(m, 12.5, 14.9))).toBe(true);
    expect(cust.some((m) => m.kind === 'incongruence' && during(m, 13, 15) && m.modalities.includes('text') && m.modalities.includes('voice'))).toBe(true);
    const c = sig.speakers.customer.summary;
    expect(c.peak.stress).toBeGreaterThan(c.end.stress);
    expect(['joy', 'neutral']).toContain(c.end.dominant);
    expect(c.escalation.reasons.map((r) => r.code)).toContain('calmed-down');
  });
});
