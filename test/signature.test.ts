import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { signatureJsonSchema, SignatureSchema, SCHEMA_VERSION } from '../src/signature/schema.js';
import { analyze } from '../src/fusion/analyze.js';
import { schemaText, SCHEMA_FILE, SCHEMA_FILE_V1 } from '../scripts/fusion-schema.js';

const committed = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8'));
/** A validator built from the shipped JSON Schema file itself (not from the zod source). */
const shipped = z.fromJSONSchema(committed);

describe('signature schema', () => {
  it('the committed schema/signature.v2.json equals the one generated from src/signature/schema.ts', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(schemaText());
    expect(committed).toEqual(signatureJsonSchema());
    expect(committed.properties.schemaVersion.enum).toContain(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBe('1.1');
  });

  it('the frozen v1 schema (1.0, for old consumers) has no cx block and accepts a 1.1 signature stripped of cx and model licences', async () => {
    const v1 = JSON.parse(readFileSync(SCHEMA_FILE_V1, 'utf8'));
    expect(v1.properties.schemaVersion.const).toBe('1.0');
    expect(v1.properties.cx).toBeUndefined();
    const sig = JSON.parse(JSON.stringify(await analyze({ chat: { path: 'fixtures/demo/chat.json' } })));
    expect(sig.cx).toBeDefined();
    const { cx: _cx, ...old } = sig;
    // 1.1 also added a licence to the models entries
    for (const m of old.interaction.models) delete m.license;
    const r = z.fromJSONSchema(v1).safeParse({ ...old, schemaVersion: '1.0' });
    expect(r.success, JSON.stringify(r.error?.issues?.slice(0, 3))).toBe(true);
    expect(SignatureSchema.safeParse({ ...old, schemaVersion: '1.0' }).success).toBe(true);
  });

  it('the package ships the schema', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
    expect(pkg.exports['./schema/signature.v1.json']).toBe('./schema/signature.v1.json');
    expect(pkg.exports['./schema/signature.v2.json']).toBe('./schema/signature.v2.json');
    expect(pkg.files).toContain('schema');
  });

  it('every analyze output validates against the zod schema and the shipped JSON Schema', async () => {
    const outputs = [
      await analyze({ chat: { path: 'fixtures/demo/chat.json' } }),
      await analyze({ chat: { path: 'fixtures/text/support-chat.jsonl' }, keepText: true, window: { size: 4, hop: 2 } }),
      await analyze({ chat: ['no timestamps here', 'I am so angry right now!'], audio: 'fixtures/bad/cut_mid_sample.wav' }),
    ];
    for (const sig of outputs) {
      expect(SignatureSchema.safeParse(sig).success).toBe(true);
      const r = shipped.safeParse(JSON.parse(JSON.stringify(sig)));
      expect(r.success, JSON.stringify(r.error?.issues?.slice(0, 3))).toBe(true);
    }
  });

  it('rejects broken signatures (so the validation can fail)', async () => {
    const sig = JSON.parse(JSON.stringify(await analyze({ chat: { path: 'fixtures/demo/chat.json' } })));
    const bad = [
      { ...sig, schemaVersion: '2.0' },
      { ...sig, timeline: [{ ...sig.timeline[0], stress: 1.5 }] },
      { ...sig, timeline: [{ ...sig.timeline[0], emotions: { ...sig.timeline[0].emotions, calm: 0.1 } }] },
      { ...sig, interaction: { ...sig.interaction, kept: { audio: true, frames: false, text: false } } },
      { ...sig, moments: [{ time: 1, speaker: 'x', kind: 'hunch', strength: 0.5, modalities: [], evidence: '' }] },
      (({ speakers: _s, ...rest }) => rest)(sig),
    ];
    for (const b of bad) {
      expect(SignatureSchema.safeParse(b).success).toBe(false);
      expect(shipped.safeParse(b).success).toBe(false);
    }
  });
});
