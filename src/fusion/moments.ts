/**
 * The one moments-and-escalation engine, used by `fuseReadings` (analyze) and by live streams.
 *
 * Per speaker, windows are pushed in start order:
 * - `SpeakerMoments.push(window, evidence)` returns the moments that are final so far: a stress-spike run or an
 *   incongruence run once the window after it shows it has ended, an emotion shift as soon as its two windows
 *   are seen. Stress spikes are judged against the speaker's stress median *so far* (live).
 * - `SpeakerMoments.finish()` returns the speaker's moments as the signature reports them: stress-spike runs
 *   re-judged against the whole-call median, emotion shifts, incongruence runs merged, and the per-label peaks.
 * - `SummaryAccumulator` keeps running sums of the windows (prefix sums, running maxima, the last three windows)
 *   so the escalation score after each window costs O(1), not a re-summary of every past window.
 *
 * Memory: per window the engine keeps a compact record (start, end, stress, dominant label index, modality mask:
 * 5 numbers) and 4 prefix sums — 72 bytes per window, ~260 KB for a 60-minute call at a 1 s hop. That is what the
 * final signature's whole-call median and trend thirds need; everything else is O(1) per speaker.
 */
import { CORE_LABELS, dominantLabel, type CoreLabel, type Emotions } from '../signature/labels.js';
import type { Modality, SignatureMoment, SignatureWindow, SpeakerSignature } from '../signature/schema.js';
import { incongruence, type Evidence, type ReliabilityFile } from './reliability.js';
import { clamp, clampS, r3 } from './util.js';

export const MODALITY_ORDER: Modality[] = ['voice', 'face', 'text'];


function argmax(p: number[]): number {
  let b = 0;
  for (let k = 1; k < p.length; k++) if (p[k] > p[b]) b = k;
  return b;
}

function describe(m: Modality): string {
  return m === 'voice' ? 'the voice' : m === 'face' ? 'the face' : 'the words';
}

/** "the voice anger (0.81)". */
export function describeEvidence(e: Evidence): string {
  return `${describe(e.modality)} ${CORE_LABELS[argmax(e.p)]} (${e.p[argmax(e.p)].toFixed(2)})`;
}

/** A window whose dominant label is confident enough to count for an emotion shift. */
export function confidentWindow(w: SignatureWindow): boolean {
  return w.confidence >= 0.25 && w.emotions[w.dominant] >= 0.4;
}

/**
 * Whether a window's evidence is incongruent: among modalities with confidence ≥ 0.15, the odd one out
 * disagrees with the others beyond the fitted threshold and names a different label.
 */
export function incongruenceHit(evidence: Evidence[], rel: ReliabilityFile): { score: number; odd: Evidence; others: Evidence[] } | undefined {
  const ev = evidence.filter((e) => e.confidence >= 0.15);
  if (ev.length < 2) return undefined;
  const { score, odd, rest } = incongruence(ev, rel);
  if (!odd || !rest || score < rel.incongruence.threshold) return undefined;
  if (argmax(odd.p) === argmax(rest)) return undefined;
  return { score, odd, others: ev.filter((e) => e !== odd) };
}

const modsMask = (w: SignatureWindow) => MODALITY_ORDER.reduce((a, m, i) => (w.contributions[m] ? a | (1 << i) : a), 0);
const modsOfMask = (mask: number) => MODALITY_ORDER.filter((_, i) => mask & (1 << i));

/** Growable Float64Array (amortised O(1) append). */
class Column {
  a = new Float64Array(64);
  n = 0;
  push(x: number): void {
    if (this.n === this.a.length) {
      const b = new Float64Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = x;
  }
}

/** Exact running median of stresses rounded to 0.001 (windows carry r3 stresses): a 1001-bin histogram. */
class StressMedian {
  private readonly h = new Uint32Array(1001);
  private n = 0;
  add(x: number): void {
    this.h[Math.max(0, Math.min(1000, Math.round(x * 1000)))]++;
    this.n++;
  }
  /** The element at sorted index floor(n/2) (the median `fuseReadings` always used). */
  value(): number {
    const k = Math.floor(this.n / 2);
    let acc = 0;
    for (let b = 0; b <= 1000; b++) {
      acc += this.h[b];
      if (acc > k) return b / 1000;
    }
    return 0;
  }
}

interface SpikeRun {
  start: number;
  end: number;
  peak: { start: number; end: number; stress: number; dominant: CoreLabel };
  mask: number;
}

interface IncHit {
  w: SignatureWindow;
  score: number;
  odd: Evidence;
  others: Evidence[];
}

/** Moments of one speaker (see the file comment). */
export class SpeakerMoments {
  private readonly med = new StressMedian();
  // compact window records for the whole-call re-judgement of stress spikes
  private readonly start = new Column();
  private readonly end = new Column();
  private readonly stress = new Column();
  private readonly dom = new Column();
  private readonly mask = new Column();
  private live?: SpikeRun;
  private liveMedian = 0;
  private prev?: SignatureWindow;
  private held?: CoreLabel;
  private readonly shifts: SignatureMoment[] = [];
  private inc: IncHit[] = [];
  private incLastEnd = -Infinity;
  private readonly incMoments: SignatureMoment[] = [];
  private readonly peaks = new Map<CoreLabel, { start: number; end: number; v: number; mask: number }>();

  /**
   * `wholeCall` false: a live stream's engine, used only through push() and flushLive(); nothing is kept for
   * finish() (window columns, emotion shifts, closed incongruence runs), so its memory stays constant
   * however long the call. The stream's signature is built by fuseReadings with its own engines.
   */
  constructor(
    readonly speaker: string,
    private readonly stressedAt: number,
    private readonly rel: ReliabilityFile,
    private readonly wholeCall = true,
  ) {}

  /** Add the next window (in start order) with its evidence; returns the moments final so far. */
  push(w: SignatureWindow, ev: Evidence[]): SignatureMoment[] {
    const out: SignatureMoment[] = [];
    const mask = modsMask(w);
    if (this.wholeCall) {
      this.start.push(w.start);
      this.end.push(w.end);
      this.stress.push(w.stress);
      this.dom.push(CORE_LABELS.indexOf(w.dominant));
      this.mask.push(mask);
    }
    this.med.add(w.stress);
    // stress spikes (live: against the median so far)
    const med = this.med.value();
    const hot = w.stress >= this.stressedAt && w.stress >= med + 0.15;
    const run = this.live;
    if (run && !(hot && w.start <= run.end)) {
      out.push(this.spike(run, this.liveMedian, 'so far '));
      this.live = undefined;
    }
    if (hot) {
      if (!this.live) this.live = { start: w.start, end: w.end, peak: { start: w.start, end: w.end, stress: w.stress, dominant: w.dominant }, mask };
      else {
        this.live.end = w.end;
        this.live.mask |= mask;
        if (w.stress > this.live.peak.stress) this.live.peak = { start: w.start, end: w.end, stress: w.stress, dominant: w.dominant };
      }
      this.liveMedian = med;
    }
    // emotion shifts: a confident dominant label that holds for ≥ 2 windows and differs from the last one held
    const a = this.prev;
    if (a && confidentWindow(a) && confidentWindow(w) && a.dominant === w.dominant && w.start <= a.end) {
      if (this.held === undefined) this.held = a.dominant;
      else if (a.dominant !== this.held) {
        const m: SignatureMoment = {
          time: a.start,
          speaker: this.speaker,
          kind: 'emotion-shift',
          label: a.dominant,
          strength: r3(Math.min(a.emotions[a.dominant], w.emotions[w.dominant])),
          modalities: modsOfMask(modsMask(a) | mask),
          evidence: `${this.held} → ${a.dominant} (${a.emotions[a.dominant].toFixed(2)}) from ${a.start.toFixed(0)} s`,
        };
        if (this.wholeCall) this.shifts.push(m);
        out.push(m);
        this.held = a.dominant;
      }
    }
    this.prev = { ...w, contributions: Object.fromEntries(modsOfMask(mask).map((m) => [m, w.contributions[m]])) };
    // peaks: for each non-neutral label, the first window where it is strongest
    for (const l of CORE_LABELS) {
      if (l === 'neutral') continue;
      const b = this.peaks.get(l);
      if (!b || w.emotions[l] > b.v) this.peaks.set(l, { start: w.start, end: w.end, v: w.emotions[l], mask });
    }
    // incongruence: contiguous hits form one moment, final once a window starts after the last hit's end
    if (this.inc.length && w.start > this.incLastEnd) out.push(this.closeInc());
    const hit = incongruenceHit(ev, this.rel);
    if (hit) {
      if (this.inc.length && !(w.start <= this.incLastEnd)) out.push(this.closeInc());
      this.inc.push({ w: { ...w, contributions: {} }, ...hit });
      this.incLastEnd = w.end;
    }
    return out;
  }

  private closeInc(): SignatureMoment {
    const run = this.inc;
    this.inc = [];
    const top = run.reduce((a, b) => (b.score > a.score ? b : a));
    const mods = MODALITY_ORDER.filter((m) => run.some((h) => h.odd.modality === m || h.others.some((e) => e.modality === m)));
    const m: SignatureMoment = {
      time: run[0].w.start,
      end: run[run.length - 1].w.end,
      speaker: this.speaker,
      kind: 'incongruence',
      label: CORE_LABELS[argmax(top.odd.p)],
      strength: r3(top.score),
      modalities: [top.odd.modality, ...mods.filter((x) => x !== top.odd.modality)],
      evidence: `${describeEvidence(top.odd)} while ${top.others.map(describeEvidence).join(' and ')} (${top.w.start.toFixed(0)}–${top.w.end.toFixed(0)} s)`,
    };
    if (this.wholeCall) this.incMoments.push(m);
    return m;
  }

  private spike(run: SpikeRun, med: number, soFar: string): SignatureMoment {
    const p = run.peak;
    return {
      time: run.start,
      end: run.end,
      speaker: this.speaker,
      kind: 'stress-spike',
      label: p.dominant,
      strength: r3(p.stress),
      modalities: modsOfMask(run.mask),
      evidence: `stress ${p.stress.toFixed(2)} at ${p.start.toFixed(0)}–${p.end.toFixed(0)} s (speaker median ${soFar}${med.toFixed(2)}), mostly ${p.dominant}`,
    };
  }

  /**
   * Live streams at their end: the runs still open (stress spike against the median so far, incongruence), so
   * every live moment is emitted once. `finish()` still reports them as the signature does.
   */
  flushLive(): SignatureMoment[] {
    const out: SignatureMoment[] = [];
    if (this.live) out.push(this.spike(this.live, this.liveMedian, 'so far '));
    this.live = undefined;
    if (this.inc.length) out.push(this.closeInc());
    return out;
  }

  /**
   * The speaker's moments as the signature reports them (stress spikes against the whole-call median,
   * emotion shifts, merged incongruence runs, peaks). Call once, after the last push.
   */
  finish(): SignatureMoment[] {
    if (!this.wholeCall) throw new Error('SpeakerMoments.finish() needs an engine made with wholeCall true');
    const out: SignatureMoment[] = [];
    const n = this.start.n;
    if (!n) return out;
    const med = this.med.value();
    let run: SpikeRun | undefined;
    for (let i = 0; i < n; i++) {
      const s = this.stress.a[i];
      const st = this.start.a[i];
      const en = this.end.a[i];
      const hot = s >= this.stressedAt && s >= med + 0.15;
      if (run && !(hot && st <= run.end)) {
        out.push(this.spike(run, med, ''));
        run = undefined;
      }
      if (!hot) continue;
      const m = this.mask.a[i];
      const dominant = CORE_LABELS[this.dom.a[i]];
      if (!run) run = { start: st, end: en, peak: { start: st, end: en, stress: s, dominant }, mask: m };
      else {
        run.end = en;
        run.mask |= m;
        if (s > run.peak.stress) run.peak = { start: st, end: en, stress: s, dominant };
      }
    }
    if (run) out.push(this.spike(run, med, ''));
    out.push(...this.shifts);
    for (const l of CORE_LABELS) {
      const b = this.peaks.get(l);
      if (!b || b.v < 0.5) continue;
      out.push({
        time: b.start,
        end: b.end,
        speaker: this.speaker,
        kind: 'peak',
        label: l,
        strength: r3(b.v),
        modalities: modsOfMask(b.mask),
        evidence: `${l} peaks at ${b.v.toFixed(2)} (${b.start.toFixed(0)}–${b.end.toFixed(0)} s)`,
      });
    }
    if (this.inc.length) this.closeInc();
    out.push(...this.incMoments);
    return out;
  }
}

/** Chat frustration of one speaker: the strongest frustration nuance and how many messages reach 0.3. */
export interface ChatFrustration {
  top: number;
  n: number;
}

/** A long silence after the other party spoke (time already on the interaction's clock). */
export interface Silence {
  start: number;
  length: number;
}

interface Vas {
  valence: number;
  arousal: number;
  stress: number;
}

/**
 * Running sums of one speaker's windows: the speaker summary (mean, peaks, end, trend, stressed share) and the
 * escalation score (documented rules, docs/fusion.md) after any number of windows in O(1) per window.
 */
export class SummaryAccumulator {
  // prefix sums of c, c·valence, c·arousal, c·stress with c = max(0.05, confidence)
  private readonly pc = new Column();
  private readonly pv = new Column();
  private readonly pa = new Column();
  private readonly ps = new Column();
  private n = 0;
  private stressed = 0;
  private peakS?: SignatureWindow;
  private peakA?: SignatureWindow;
  private lowV?: SignatureWindow;
  private anger?: { v: number; start: number };
  private readonly tail: SignatureWindow[] = [];

  constructor(private readonly stressedAt: number) {
    for (const c of [this.pc, this.pv, this.pa, this.ps]) c.push(0);
  }

  get windows(): number {
    return this.n;
  }

  push(w: SignatureWindow): void {
    const c = Math.max(0.05, w.confidence);
    this.pc.push(this.pc.a[this.n] + c);
    this.pv.push(this.pv.a[this.n] + w.valence * c);
    this.pa.push(this.pa.a[this.n] + w.arousal * c);
    this.ps.push(this.ps.a[this.n] + w.stress * c);
    this.n++;
    if (w.stress >= this.stressedAt) this.stressed++;
    const lite = { ...w, contributions: {} };
    if (!this.peakS || w.stress > this.peakS.stress) this.peakS = lite;
    if (!this.peakA || w.arousal > this.peakA.arousal) this.peakA = lite;
    if (!this.lowV || w.valence < this.lowV.valence) this.lowV = lite;
    if (!this.anger || w.emotions.anger > this.anger.v) this.anger = { v: w.emotions.anger, start: w.start };
    this.tail.push(lite);
    if (this.tail.length > 3) this.tail.shift();
  }

  /** Confidence-weighted means of windows [i, j). */
  private vas(i: number, j: number): Vas {
    const C = this.pc.a[j] - this.pc.a[i];
    const f = (col: Column) => (C > 0 ? (col.a[j] - col.a[i]) / C : 0);
    return { valence: r3(clampS(f(this.pv))), arousal: r3(clampS(f(this.pa))), stress: r3(clamp(f(this.ps))) };
  }

  /**
   * The summary after the windows pushed so far. `emotions`: the speaker's mix (its dominant label is the
   * summary's); `fallback`: means to report when there are no windows; chat frustration and silences as
   * computed by `chatFrustration` / `silencesAfterOthers` (or kept incrementally by a stream).
   */
  summary(emotions: Emotions, fallback: Vas, chat: ChatFrustration | undefined, silences: Silence[]): SpeakerSignature['summary'] {
    const n = this.n;
    const m = n ? this.vas(0, n) : fallback;
    const tn = this.tail.length;
    const endVas = tn ? this.vas(n - tn, n) : m;
    const endEmo = tn ? mixOf(this.tail) : emotions;
    const third = Math.floor(n / 3);
    let trend: Vas = { valence: 0, arousal: 0, stress: 0 };
    if (third >= 1) {
      const a = this.vas(0, third);
      const b = this.vas(n - third, n);
      trend = { valence: r3(clampS(b.valence - a.valence)), arousal: r3(clampS(b.arousal - a.arousal)), stress: r3(clampS(b.stress - a.stress)) };
    }
    const stressedShare = n ? this.stressed / n : 0;
    const reasons: { code: string; weight: number; text: string }[] = [];
    if (trend.stress > 0.05) reasons.push({ code: 'rising-stress', weight: r3(clamp(trend.stress / 0.3)), text: `stress rose by ${trend.stress.toFixed(2)} from the first to the last third` });
    if (stressedShare >= 0.2) reasons.push({ code: 'stressed-time', weight: r3(stressedShare), text: `stressed ${(stressedShare * 100).toFixed(0)} % of the time` });
    const maxAnger = this.anger ? this.anger.v : emotions.anger;
    if (maxAnger >= 0.5)
      reasons.push({ code: 'anger-peak', weight: r3(clamp((maxAnger - 0.4) / 0.6)), text: `anger peaked at ${maxAnger.toFixed(2)}${this.anger ? ` around ${this.anger.start.toFixed(0)} s` : ''}` });
    if (endVas.valence < -0.2) reasons.push({ code: 'ends-negative', weight: r3(clamp(-endVas.valence)), text: `ends negative (valence ${endVas.valence.toFixed(2)})` });
    if (chat && chat.top >= 0.3)
      reasons.push({ code: 'chat-frustration', weight: r3(clamp(chat.top)), text: `frustration in chat (${chat.n} message${chat.n > 1 ? 's' : ''}, up to ${chat.top.toFixed(2)})` });
    if (silences.length)
      reasons.push({
        code: 'silence-after-agent',
        weight: r3(clamp(0.25 * silences.length)),
        text: `${silences.length} long silence${silences.length > 1 ? 's' : ''} after the other party spoke (${silences.map((p) => `${p.start.toFixed(0)} s, ${p.length.toFixed(1)} s`).join('; ')})`,
      });
    let score = 1 - reasons.reduce((a, r) => a * (1 - 0.6 * r.weight), 1);
    const calming = n >= 3 ? clamp((m.stress - endVas.stress) / 0.3) : 0;
    if (calming > 0.1 && (dominantLabel(endEmo) === 'neutral' || dominantLabel(endEmo) === 'joy')) {
      reasons.push({ code: 'calmed-down', weight: r3(calming), text: `calmed down at the end (stress ${endVas.stress.toFixed(2)} vs mean ${m.stress.toFixed(2)}); lowers the score` });
      score *= 1 - 0.4 * calming;
    }
    const ps = this.peakS;
    const pa = this.peakA;
    const pv = this.lowV;
    return {
      mean: m,
      peak: {
        stress: ps ? ps.stress : m.stress,
        stressAt: ps ? ps.start : 0,
        arousal: pa ? pa.arousal : m.arousal,
        arousalAt: pa ? pa.start : 0,
        lowestValence: pv ? pv.valence : m.valence,
        lowestValenceAt: pv ? pv.start : 0,
      },
      end: { ...endVas, dominant: dominantLabel(endEmo) },
      trend,
      dominant: dominantLabel(emotions),
      stressedShare: r3(stressedShare),
      windows: n,
      escalation: { score: r3(clamp(score)), reasons },
    };
  }
}

function mixOf(ws: SignatureWindow[]): Emotions {
  const p = new Array(CORE_LABELS.length).fill(0);
  for (const w of ws) CORE_LABELS.forEach((l, k) => (p[k] += w.emotions[l] / ws.length));
  const r4 = (x: number) => Math.round(x * 10000) / 10000;
  return Object.fromEntries(CORE_LABELS.map((l, k) => [l, clamp(r4(p[k]))])) as Emotions;
}

/** The frustration value of one chat message (the strongest of its frustration nuances). */
export function frustrationOf(nuances: Record<string, number | undefined>): number {
  return Math.max(nuances.annoyance ?? 0, nuances.anger ?? 0, nuances.disappointment ?? 0, nuances.disapproval ?? 0);
}

/** Add one message's frustration to a speaker's running chat frustration. */
export function addFrustration(acc: ChatFrustration, value: number): void {
  if (value > acc.top) acc.top = value;
  if (value >= 0.3) acc.n++;
}

/** Whether a pause is a long silence after another party spoke, for speaker `spk`. */
export function silenceAfterOthers(p: { length: number; before?: string; after?: string }, spk: string, longPause: number): boolean {
  return p.length >= longPause && !!p.before && p.before !== spk && (p.after === spk || p.after === undefined);
}
