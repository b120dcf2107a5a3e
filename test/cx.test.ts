import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyze } from '../src/fusion/analyze.js';
import { renderReport } from '../src/fusion/report.js';
import { SignatureSchema } from '../src/signature/schema.js';
import { deleteProfile, jsonFileStore, loadSatisfactionModel, predictSatisfaction, profileKey, readProfile, textTurn, type ProfileStore, type TemperamentProfile } from '../src/cx/index.js';
import { emptyEmotions } from '../src/signature/labels.js';
import { summary } from '../src/cli/analyze.js';
import { EmosigError } from '../src/errors.js';
import { auc, spearman } from '../scripts/lib/cx-fit.js';

const expected = JSON.parse(readFileSync('fixtures/cx/expected.json', 'utf8')) as Record<string, { helped: { kind: string; time: number }[]; hurt: { kind: string; time: number }[] }>;

const DEMO = { audio: 'fixtures/call_stereo.wav', frames: 'fixtures/demo/frames', chat: { path: 'fixtures/demo/chat.json' }, speakers: ['customer', 'agent'] };

describe('cx block on the demo interaction', async () => {
  const sig = await analyze(DEMO);
  const cx = sig.cx!;

  it('is in the signature and validates', () => {
    expect(sig.schemaVersion).toBe('1.1');
    expect(cx).toBeDefined();
    expect(SignatureSchema.safeParse(sig).success).toBe(true);
    expect(JSON.stringify(sig)).not.toContain('third time'); // no message text without keepText
  });

  it('estimates satisfaction per customer chat turn and for the interaction', () => {
    const s = cx.satisfaction!;
    expect(s.turns.map((t) => t.time)).toEqual([3.4, 9.1, 13.6, 24.1]);
    expect(s.turns.every((t) => t.head === 'text')).toBe(true);
    // the angry "third time" message is the least satisfied, the closing thanks the most
    const byTime = Object.fromEntries(s.turns.map((t) => [t.time, t]));
    expect(byTime[9.1].pDissatisfied).toBeGreaterThan(byTime[24.1].pDissatisfied);
    expect(byTime[9.1].rating).toBeLessThan(byTime[24.1].rating);
    expect(s.rating).toBeGreaterThanOrEqual(1);
    expect(s.rating).toBeLessThanOrEqual(5);
  });

  it('ranks the refund (21 s) as what helped and the answer before the outburst as what hurt', () => {
    expect(cx.impact.helped[0]).toMatchObject({ kind: 'agent-reply', time: 21, actor: 'agent' });
    expect(cx.impact.hurt.length).toBeGreaterThan(0);
    expect(cx.impact.hurt[0].actor).toBe('agent');
    expect(cx.impact.hurt[0].time).toBeGreaterThanOrEqual(4);
    expect(cx.impact.hurt[0].time).toBeLessThan(9);
    // every moment is judged against the trend, with its before/after
    for (const m of cx.impact.moments) expect(Math.abs(m.impact)).toBeLessThanOrEqual(1);
  });

  it('finds the customer talking over the agent and the agent apology', () => {
    expect(cx.talk.interruptions.customer).toBe(1);
    expect(cx.talk.agentApologies).toBe(1);
    expect(cx.talk.longSilences).toBeGreaterThanOrEqual(1);
  });

  it('shows the depth index with its parts', () => {
    expect(cx.depth.score).toBeGreaterThan(0);
    expect(cx.depth.score).toBeLessThanOrEqual(1);
    const avail = Object.values(cx.depth.parts).filter((p) => p.available);
    expect(avail.length).toBe(6);
    expect(avail.reduce((a, p) => a + p.weight, 0)).toBeCloseTo(1, 2);
    expect(cx.depth.parts.questionAnswer.value).toBe(1); // "How can I help?" answered
  });

  it('gives a routing hint with reasons and stores nothing without consent', () => {
    const t = cx.temperament!;
    expect(['human-senior', 'human', 'automated']).toContain(t.routing.suggest);
    expect(t.routing.suggest).not.toBe('automated'); // the customer shouted
    expect(t.routing.reasons.length).toBeGreaterThan(0);
    expect(t.stored).toBe(false);
    expect(t.basis).toBe('interaction');
  });

  it('reaches the CLI summary and the HTML report', () => {
    const text = summary(sig);
    expect(text).toMatch(/satisfaction \(predicted\): \d\.\d\d \/ 5/);
    expect(text).toMatch(/depth index: 0\.\d\d/);
    expect(text).toMatch(/helped \+0\.\d\d\s+21\.0\s+agent-reply/);
    expect(text).toMatch(/route: human/);
    const html = renderReport(sig);
    expect(html).toContain('data-section="cx"');
    expect(html).toContain('Moments that helped / hurt');
    expect(html).not.toMatch(/<script/i);
  });
});

describe('cx on scripted interactions (fixtures/cx, scripts/cx-fixtures.ts)', () => {
  for (const name of ['apology-calms', 'silence-outburst']) {
    it(`${name}: the ranking names the moments a reader names`, async () => {
      const sig = await analyze({ chat: { path: `fixtures/cx/${name}.json` } });
      const cx = sig.cx!;
      expect(SignatureSchema.safeParse(sig).success).toBe(true);
      for (const e of expected[name].helped) expect(cx.impact.helped[0]).toMatchObject(e);
      for (const e of expected[name].hurt) expect(cx.impact.hurt[0]).toMatchObject(e);
    });
  }

  it('silence-outburst: the slow reply is counted', async () => {
    const sig = await analyze({ chat: { path: 'fixtures/cx/silence-outburst.json' } });
    expect(sig.cx!.talk.slowReplies).toBe(1);
    expect(sig.cx!.depth.parts.responseLatency.value).toBeGreaterThan(15);
  });

  it('a chat without timestamps is judged in turn order', async () => {
    const msgs = JSON.parse(readFileSync('fixtures/cx/apology-calms.json', 'utf8')).map((m: { speaker: string; text: string }) => ({ speaker: m.speaker, text: m.text }));
    const sig = await analyze({ chat: msgs });
    const cx = sig.cx!;
    expect(cx.satisfaction!.turns.every((t) => t.time === undefined)).toBe(true);
    expect(cx.impact.helped[0]).toMatchObject({ kind: 'agent-apology', time: 4 });
    expect(cx.depth.parts.responseLatency.available).toBe(false);
  });
});

describe('cx on voice only', () => {
  it('uses voice turns and the affect head; question–answer needs text', async () => {
    const sig = await analyze({ audio: 'fixtures/call_stereo.wav', speakers: ['customer', 'agent'] });
    const cx = sig.cx!;
    expect(cx.satisfaction!.turns.length).toBeGreaterThanOrEqual(3);
    expect(cx.satisfaction!.turns.every((t) => t.head === 'affect')).toBe(true);
    expect(cx.depth.parts.questionAnswer.available).toBe(false);
    expect(cx.depth.parts.customerShare.unit).toBe('share of speech time');
    expect(cx.talk.interruptions.customer).toBe(1);
    expect(SignatureSchema.safeParse(sig).success).toBe(true);
  });
});

describe('satisfaction model', () => {
  const model = loadSatisfactionModel();
  const turn = (role: 'customer' | 'agent', text: string, valence = 0) =>
    textTurn({ valence, arousal: 0, emotions: { ...emptyEmotions(), neutral: 1 }, confidence: 0.8 }, role, role, text);

  it('reads refusals after a failed booking as dissatisfied and thanks as satisfied', () => {
    const bad = predictSatisfaction(model, [turn('customer', 'Book a table for two at 7 pm.'), turn('agent', 'Sorry, I could not make that reservation.'), turn('customer', 'No, that is wrong. I said Tuesday, not Monday!')]);
    const good = predictSatisfaction(model, [turn('customer', 'Book a table for two at 7 pm.'), turn('agent', 'Your table for two at 7 pm is booked.'), turn('customer', 'Great, thank you so much!', 0.6)]);
    expect(bad.turns[1].pDissatisfied).toBeGreaterThan(good.turns[1].pDissatisfied + 0.2);
    expect(bad.turns[1].rating).toBeLessThan(good.turns[1].rating);
  });

  it('records the data it was trained on and its licence in the model card', () => {
    const card = readFileSync('models/cx/MODEL_CARD.md', 'utf8');
    expect(card).toMatch(/no licence is stated/i);
    expect(card).toMatch(/leave-one-corpus-out/i);
    expect(model.trainedOn.length).toBe(4);
  });
});

describe('temperament profile store (consent)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'emosig-cx-'));
  const file = join(dir, 'profiles.json');

  it('keeps nothing without consent', async () => {
    const sig = await analyze({ chat: { path: 'fixtures/cx/apology-calms.json' }, cx: { profile: { callerId: 'cust-42', consent: false, store: file } } });
    expect(existsSync(file)).toBe(false);
    expect(sig.cx!.temperament!.stored).toBe(false);
  });

  it('with consent: stores numbers under a hash of the id, merges across interactions, deletes on request', async () => {
    const opts = { profile: { callerId: 'cust-42', consent: true, store: file } };
    const a = await analyze({ chat: { path: 'fixtures/cx/apology-calms.json' }, cx: opts });
    expect(a.cx!.temperament).toMatchObject({ stored: true, basis: 'interaction', interactions: 1 });
    const b = await analyze({ chat: { path: 'fixtures/cx/silence-outburst.json' }, cx: opts });
    expect(b.cx!.temperament).toMatchObject({ stored: true, basis: 'profile', interactions: 2 });
    const raw = readFileSync(file, 'utf8');
    expect(raw).not.toContain('cust-42');
    expect(raw).not.toMatch(/charged|internet|refund/i);
    expect(raw).toContain(profileKey('cust-42'));
    const p = await readProfile('cust-42', file);
    expect(p!.history.length).toBe(2);
    expect(await deleteProfile('cust-42', file)).toBe(true);
    expect(await readProfile('cust-42', file)).toBeUndefined();
    expect(await deleteProfile('cust-42', file)).toBe(false);
  });

  it('accepts a user-supplied store', async () => {
    const m = new Map<string, TemperamentProfile>();
    const store: ProfileStore = { get: (k) => m.get(k), set: (k, v) => void m.set(k, v), delete: (k) => m.delete(k) };
    await analyze({ chat: { path: 'fixtures/cx/silence-outburst.json' }, cx: { profile: { callerId: 'x', consent: true, store } } });
    expect(m.size).toBe(1);
    expect(await deleteProfile('x', store)).toBe(true);
    expect(m.size).toBe(0);
  });

  it('rejects bad options and a broken store file with typed errors', async () => {
    await expect(analyze({ chat: [{ speaker: 'customer', text: 'hi' }], cx: { profile: { callerId: '', consent: true, store: file } } })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
    await expect(analyze({ chat: [{ speaker: 'customer', text: 'hi' }], cx: { profile: { callerId: 'a', consent: 'yes' as never, store: file } } })).rejects.toBeInstanceOf(EmosigError);
    await expect(analyze({ chat: [{ speaker: 'customer', text: 'hi' }], cx: { profile: { callerId: 'a', consent: true, store: 42 as never } } })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{not json');
    await expect(readProfile('a', jsonFileStore(bad))).rejects.toMatchObject({ code: 'INPUT_UNREADABLE' });
    // inside analyze the analysis stands and the problem is stated
    const sig = await analyze({ chat: [{ speaker: 'customer', text: 'I am fine' }], cx: { profile: { callerId: 'a', consent: true, store: bad } } });
    expect(sig.cx!.temperament!.stored).toBe(false);
    expect(sig.interaction.problems.find((p) => p.code === 'CX_PROFILE_FAILED')?.message).toMatch(/INPUT_UNREADABLE/);
    expect(JSON.stringify(sig)).not.toContain('"a"');
    rmSync(dir, { recursive: true, force: true });
  });

  it('cx can be switched off', async () => {
    const sig = await analyze({ chat: [{ speaker: 'customer', text: 'I am fine, thanks' }], cx: { enabled: false } });
    expect(sig.cx).toBeUndefined();
  });
});

const __dirname = dirname(fileURLToPath(import.meta.url));
const USS = resolve(__dirname, '..', '..', 'shared', 'data', 'text', 'uss_satisfaction', 'SGD.txt');
describe.skipIf(!existsSync(USS))('shipped satisfaction model on USS SGD (needs ../shared/data; skipped when absent)', () => {
  it('orders the first 150 SGD dialogues by the raters (sanity: SGD is in the shipped training set; held-out figures are in bench/results/cx-satisfaction.md)', async () => {
    const { analyzeText } = await import('../src/text/index.js');
    const blocks = readFileSync(USS, 'utf8').split(/\n\s*\n/).slice(0, 150);
    const model = loadSatisfactionModel();
    const pred: number[] = [];
    const pdis: number[] = [];
    const y: number[] = [];
    for (const b of blocks) {
      const lines = b.split('\n').filter((l) => l.trim()).map((l) => l.split('\t')).filter((p) => p[1] !== 'OVERALL' && (p[0] === 'USER' || p[0] === 'SYSTEM'));
      if (!lines.length) continue;
      const r = await analyzeText(lines.map((p) => p[1] || ' '), { explain: false });
      const turns = lines.map((p, i) => textTurn(r.messages[i], p[0] === 'USER' ? 'customer' : 'agent', p[0], p[1]));
      const s = predictSatisfaction(model, turns);
      for (const t of s.turns) {
        const rs = (lines[t.turn][3] ?? '').split(',').map(Number).filter((x) => x >= 1);
        if (!rs.length) continue;
        pred.push(t.rating);
        pdis.push(t.pDissatisfied);
        y.push(rs.reduce((a, b) => a + b, 0) / rs.length);
      }
    }
    expect(y.length).toBeGreaterThan(1000);
    expect(spearman(pred, y)).toBeGreaterThan(0.35);
    expect(auc(pdis, y.map((v) => v < 2.5))).toBeGreaterThan(0.75);
  });
});
