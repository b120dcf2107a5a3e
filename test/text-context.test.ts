/**
 * Conversation context (models/text/text-context.json, src/text/model.ts applyContext): causal, resets per
 * conversation, the same whether messages come one by one (the live stream) or all at once.
 */
import { describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { analyzeText, loadTextModel, parseChat, scoreMessages, TextHistory, type TextMessageReading } from '../src/text/index.js';
import { streamTranscript } from '../src/text/stream.js';
import { EmosigError } from '../src/errors.js';

const CHAT = [
  { text: 'My flight was cancelled and nobody at the desk will help me.', speaker: 'customer' },
  { text: 'I am so sorry to hear that.', speaker: 'agent' },
  { text: 'Well.', speaker: 'customer' },
  { text: 'Is there anything else?', speaker: 'agent' },
  { text: 'No.', speaker: 'customer' },
  { text: 'Thank you so much, that was wonderful!', speaker: 'customer' },
];
const msgs = (xs: { text: string; speaker?: string; conversation?: string }[]) => xs.map((m, index) => ({ ...m, index }));
const scores = (r: TextMessageReading) => ({ emotions: r.emotions, sentiment: r.sentiment, valence: r.valence, cx: r.cx, nuances: r.nuances });

describe('conversation context', () => {
  it('ships a context head with the text model', async () => {
    const m = await loadTextModel();
    expect(m.context).toBeDefined();
    expect(m.context!.window).toBeGreaterThanOrEqual(1);
    expect(m.context!.W.length).toBe(m.context!.window * m.mlp!.D * m.context!.outputs.length);
  });

  it('changes the reading of a message after an emotional one, not the first message', async () => {
    const m = await loadTextModel();
    const on = await scoreMessages(m, msgs(CHAT), { context: true });
    const off = await scoreMessages(m, msgs(CHAT), { context: false });
    expect(scores(on[0])).toEqual(scores(off[0]));
    // "Well." after a complaint reads differently with context
    const moved = on.slice(1).some((r, i) => Math.abs(r.sentiment.score - off[i + 1].sentiment.score) > 0.005 || Math.abs(r.emotions.neutral - off[i + 1].emotions.neutral) > 0.005);
    expect(moved).toBe(true);
    // the GoEmotions nuances are not context-dependent (the head adds to core emotions and sentiment only)
    on.forEach((r, i) => expect(r.nuances).toEqual(off[i].nuances));
  });

  it('is causal: a reading never depends on later messages', async () => {
    const m = await loadTextModel();
    const full = await scoreMessages(m, msgs(CHAT), { context: true });
    for (let k = 1; k < CHAT.length; k++) {
      const prefix = await scoreMessages(m, msgs(CHAT.slice(0, k)), { context: true });
      prefix.forEach((r, i) => expect(scores(r)).toEqual(scores(full[i])));
    }
    // changing the last message changes nothing before it
    const changed = await scoreMessages(m, msgs([...CHAT.slice(0, -1), { text: 'I hate this, it is the worst!!!', speaker: 'customer' }]), { context: true });
    changed.slice(0, -1).forEach((r, i) => expect(scores(r)).toEqual(scores(full[i])));
  });

  it('gives the same readings message by message (one TextHistory, as the live stream) as all at once, in any batch size', async () => {
    const m = await loadTextModel();
    const all = await scoreMessages(m, msgs(CHAT), { context: true });
    const history = new TextHistory();
    const one: TextMessageReading[] = [];
    for (const x of msgs(CHAT)) one.push(...(await scoreMessages(m, [x], { context: true, history })));
    expect(one.map(scores)).toEqual(all.map(scores));
    const batched = await scoreMessages(m, msgs(CHAT), { context: true, batchSize: 2 });
    expect(batched.map(scores)).toEqual(all.map(scores));
    // onnxruntime computes the same network: same readings within rounding
    const ort = await scoreMessages(m, msgs(CHAT), { context: true, backend: 'onnx' });
    ort.forEach((r, i) => expect(Math.abs(r.sentiment.score - all[i].sentiment.score)).toBeLessThan(2e-3));
  });

  it('a streamed JSONL transcript (emosig text --jsonl) reads as the whole one, batch after batch', async () => {
    const m = await loadTextModel();
    const all = await scoreMessages(m, msgs(CHAT), { context: true });
    const lines = (async function* () {
      for (const c of CHAT) yield JSON.stringify(c) + '\n';
    })();
    const got: TextMessageReading[] = [];
    for await (const item of streamTranscript(lines, 'jsonl', { context: true, batchSize: 2 })) if ('reading' in item) got.push(item.reading);
    expect(got.map(scores)).toEqual(all.map(scores));
  });

  it('starts afresh where the conversation id changes, and empty messages do not enter the context', async () => {
    const m = await loadTextModel();
    const two = await scoreMessages(m, msgs([{ ...CHAT[0], conversation: 'a' }, { text: 'Well.', conversation: 'b' }]), { context: true });
    const alone = await scoreMessages(m, msgs([{ text: 'Well.' }]), { context: true });
    expect(scores(two[1])).toEqual(scores(alone[0]));
    const withEmpty = await scoreMessages(m, msgs([CHAT[0], { text: '   ' }, { text: 'Well.' }]), { context: true });
    const without = await scoreMessages(m, msgs([CHAT[0], { text: 'Well.' }]), { context: true });
    expect(withEmpty[1].flags).toContain('empty');
    expect(scores(withEmpty[2])).toEqual(scores(without[1]));
  });

  it('follows the model default unless told, through analyzeText too', async () => {
    const m = await loadTextModel();
    const dflt = await analyzeText(CHAT);
    const asDefault = await analyzeText(CHAT, { context: m.context!.onByDefault });
    const other = await analyzeText(CHAT, { context: !m.context!.onByDefault });
    expect(dflt.messages.map(scores)).toEqual(asDefault.messages.map(scores));
    expect(other.messages.map(scores)).not.toEqual(dflt.messages.map(scores));
  });

  it('rejects bad options with typed errors', async () => {
    const m = await loadTextModel();
    await expect(scoreMessages(m, msgs(CHAT), { context: 'yes' as unknown as boolean })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
    await expect(scoreMessages(m, msgs(CHAT), { history: {} as TextHistory })).rejects.toBeInstanceOf(EmosigError);
  });

  it('reads conversation ids from JSONL and CSV transcripts', () => {
    const jl = parseChat('{"text":"hi","conversation_id":"c1"}\n{"text":"yo","thread":7}\n');
    expect(jl.messages.map((x) => x.conversation)).toEqual(['c1', '7']);
    const csv = parseChat('conversation,speaker,text\na,customer,hello\nb,agent,hi there\n');
    expect(csv.messages.map((x) => x.conversation)).toEqual(['a', 'b']);
  });

  it('refuses a context head that does not fit the model (MODEL_INVALID naming the file)', async () => {
    const src = resolve(__dirname, '..', 'models', 'text');
    const dir = mkdtempSync(join(tmpdir(), 'emosig-ctx-'));
    try {
      for (const f of ['text-emotion.onnx', 'known-words.bin']) symlinkSync(join(src, f), join(dir, f));
      cpSync(join(src, 'text-model.json'), join(dir, 'text-model.json'));
      const head = JSON.parse(readFileSync(join(src, 'text-context.json'), 'utf8'));
      writeFileSync(join(dir, 'text-context.json'), JSON.stringify({ ...head, W: head.W.slice(1) }));
      await expect(loadTextModel(dir)).rejects.toMatchObject({ code: 'MODEL_INVALID', input: join(dir, 'text-context.json') });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
