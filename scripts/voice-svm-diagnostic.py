#!/usr/bin/env python3
"""
Diagnostic (training-side only; the product never runs Python): does a TRUE margin SVM — the issue's eGeMAPS + SVM
baseline classifier — do better on emosig's 242 voice features than the shipped learners, in the same protocol as
scripts/train-voice.ts? Candidates K (all features) and L (prosodic subset) are declared in
scripts/lib/voice-candidates.ts (SVM_CANDIDATES): scikit-learn SVC(kernel='rbf', gamma='scale', C=1,
class_weight='balanced'); clip model on globally standardised features, personal model on per-speaker z-scores.

Protocol (as train-voice.ts; rows and variants from .cache/voice-features-v2.json, which it exports once to
.cache/voice-features-v2.npz):
- splits: outer LOCO (train on the two other corpora, every variant: clean, tel, noise, aug; test on the third's
  clean and mu-law copies over the shared labels), inner LOCO between two corpora (both directions), inner
  within-corpus (the corpus's speakers at even positions held out, training on the rest of the two corpora);
- protocols: per clip; personal against the speaker's other clips ('others'); personal with a 20-clip pool 70 % one
  emotion ('skew70'; pools drawn with numpy's seeded generator, not train-voice's mulberry32);
- selection scores (SELECTION_RULE): clip, p0.5 (personal averaged with the clip model), p1 (personal alone), each a
  mean UAR over the copies (and the two personal protocols); the shipped-model score is the mean over corpora X of
  (outer LOCO →X, mean of X's two inner within-corpus scores).
Also a nested choice of C in {0.1, 1, 10} per reported corpus by the inner scores only (a diagnostic of whether C
matters; K and L themselves are fixed at C=1), and candidate A's figures recomputed from train-voice's own cached
predictions (.cache/voice-eval) for the F1 columns.

  OMP_NUM_THREADS=1 nice -n 10 /work/venv11/bin/python scripts/voice-svm-diagnostic.py [--cs 0.1,1,10]
Writes bench/results/voice-svm-diagnostic.{json,md}; per-split results cached in .cache/voice-svm/.
"""
import os

for _v in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ.setdefault(_v, '1')
import sys
import json
import time
import hashlib
import re
import argparse
import numpy as np
from sklearn.svm import SVC
from sklearn.linear_model import Ridge

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE_JSON = os.path.join(ROOT, '.cache', 'voice-features-v2.json')
NPZ = os.path.join(ROOT, '.cache', 'voice-features-v2.npz')
SVM_CACHE = os.path.join(ROOT, '.cache', 'voice-svm')
RESULTS = os.path.join(ROOT, 'bench', 'results')
CORE = ['neutral', 'joy', 'sadness', 'anger', 'fear', 'disgust', 'surprise']
K = len(CORE)
CORPORA = ['ravdess', 'emodb', 'turev']
TEST_VARIANTS = ['clean', 'tel']
CLIP_Z = 5.0
# arousal of a label as said (src/audio/voice-fit.ts LABEL_AV)
AROUSAL = {'neutral': -0.2, 'calm': -0.6, 'boredom': -0.7, 'bored': -0.7, 'joy': 0.5, 'happy': 0.5, 'happiness': 0.5, 'sadness': -0.5, 'sad': -0.5,
           'anger': 0.8, 'angry': 0.8, 'fear': 0.7, 'fearful': 0.7, 'afraid': 0.7, 'disgust': 0.3, 'disgusted': 0.3, 'surprise': 0.8, 'surprised': 0.8}
PROSODIC = re.compile(r'^(f0|loudness|rms|zcr|hnr|jitter|shimmer|alphaRatio|hammarbergIndex|spectralSlope)_')


def log(s):
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())}] {s}", file=sys.stderr, flush=True)


def load():
    """The feature cache as arrays (exported once to .npz: clip id, corpus, speaker, label, copy, 242 features)."""
    if os.path.exists(NPZ) and os.path.getmtime(NPZ) >= os.path.getmtime(CACHE_JSON):
        d = np.load(NPZ)
        return {k: d[k] for k in d.files}
    with open(CACHE_JSON) as f:
        data = json.load(f)
    rows = data['rows']
    d = {
        'X': np.asarray([r['vector'] for r in rows], dtype=np.float32),
        'clip': np.asarray([r['path'].split('/speech/')[-1] for r in rows]),
        'corpus': np.asarray([r['corpus'] for r in rows]),
        'speaker': np.asarray([r['speaker'] for r in rows]),
        'label': np.asarray([r['label'] for r in rows]),
        'y': np.asarray([CORE.index(r['core']) for r in rows], dtype=np.int64),
        'variant': np.asarray([r['variant'] for r in rows]),
        'featureNames': np.asarray(data['featureNames']),
    }
    np.savez(NPZ, **d)
    log(f'exported {len(rows)} rows to {NPZ}')
    return d


D = load()
FEATS = list(D['featureNames'])
SETS = {'all': np.arange(len(FEATS)), 'prosodic': np.asarray([i for i, n in enumerate(FEATS) if PROSODIC.match(n) or '_' not in n])}
N = len(D['y'])
AR = np.asarray([AROUSAL[l] for l in D['label']])
GROUP = np.char.add(np.char.add(D['speaker'], '|'), D['variant'])


def fit_std(X):
    mu = X.mean(0)
    sd = X.std(0)
    sd[sd == 0] = 1
    return mu, sd


def std_clip(X, mu, sd):
    return np.clip((X - mu) / sd, -CLIP_Z, CLIP_Z)


def zscore(X, mu, sd, floor):
    return np.clip((X - mu) / np.maximum(np.maximum(sd, floor), 1e-9), -CLIP_Z, CLIP_Z)


class Svm:
    """Standardise (over the training rows) → clip ±5 → feature subset → SVC; ridge arousal head on the same inputs."""

    def __init__(self, C, feats):
        self.C, self.feats = C, SETS[feats]

    def fit(self, X, y, ar):
        self.mu, self.sd = fit_std(X)
        Z = std_clip(X, self.mu, self.sd)[:, self.feats]
        self.svc = SVC(C=self.C, kernel='rbf', gamma='scale', class_weight='balanced', decision_function_shape='ovr', cache_size=1000).fit(Z, y)
        self.ridge = Ridge(alpha=1.0).fit(Z, ar)
        return self

    def predict(self, X):
        """Class scores (ovr aggregation of the ovo decisions) in CORE order, −inf for classes absent from training; arousal."""
        Z = std_clip(X, self.mu, self.sd)[:, self.feats]
        dec = self.svc.decision_function(Z)
        s = np.full((len(X), K), -np.inf)
        s[:, self.svc.classes_] = dec
        return s, self.ridge.predict(Z)


def softmax(s):
    m = s.max(1, keepdims=True)
    e = np.exp(s - m)
    return e / e.sum(1, keepdims=True)


def group_z_train(X, idx, floor):
    """Personal inputs of training rows: each speaker|variant group z-scored against all of its rows."""
    Z = np.empty((len(idx), X.shape[1]))
    g = GROUP[idx]
    for grp in np.unique(g):
        m = g == grp
        mu, sd = X[idx[m]].mean(0), X[idx[m]].std(0)
        sd[sd == 0] = 1
        Z[m] = zscore(X[idx[m]], mu, sd, floor)
    return Z


def run_split(C, feats, train, test, seed=1):
    """Train K/L's clip and personal SVMs on `train` rows; score `test` rows (clean/tel) under clip, others, skew70."""
    X = D['X'].astype(np.float64)
    y, t0 = D['y'], time.time()
    clip = Svm(C, feats).fit(X[train], y[train], AR[train])
    gmu, gsd = fit_std(X[train])
    floor = gsd * 1e-6
    pers = Svm(C, feats).fit(group_z_train(X, train, floor), y[train], AR[train])
    log(f'  fitted C={C} {feats} on {len(train)} rows: {len(clip.svc.support_)} / {len(pers.svc.support_)} support vectors ({time.time() - t0:.0f} s)')
    out = {}
    rng = np.random.default_rng(seed)
    for v in TEST_VARIANTS:
        tv = test[D['variant'][test] == v]
        if not len(tv):
            continue
        cs, ca = clip.predict(X[tv])
        cp = softmax(cs)
        out[f'{v}/clip'] = dict(truth=y[tv], score=cs, probs=cp, clipProbs=cp, arousal=ca, trueArousal=AR[tv])
        # others: each clip against the mean/deviation of the speaker's other clips (leave-one-out sums)
        rows_o, Zo = [], []
        rows_s, Zs = [], []
        for grp in np.unique(GROUP[tv]):
            gi = tv[GROUP[tv] == grp]
            Xg = X[gi]
            n = len(gi)
            S, Q = Xg.sum(0), (Xg ** 2).sum(0)
            mu = (S - Xg) / (n - 1)
            var = np.maximum((Q - Xg ** 2) / (n - 1) - mu ** 2, 0)
            sd = np.sqrt(var)
            sd[sd == 0] = 1
            Zo.append(zscore(Xg, mu, sd, floor))
            rows_o.append(gi)
            for e in np.unique(y[gi]):
                mine = rng.permutation(np.flatnonzero(y[gi] == e))
                rest = rng.permutation(np.flatnonzero(y[gi] != e))
                pool = np.concatenate([mine[:14], rest[:6]])
                keep = np.setdiff1d(np.arange(n), pool)
                if not len(keep):
                    continue
                pmu, psd = Xg[pool].mean(0), Xg[pool].std(0)
                psd[psd == 0] = 1
                Zs.append(zscore(Xg[keep], pmu, psd, floor))
                rows_s.append(gi[keep])
        for name, rows, Zl in (('others', rows_o, Zo), ('skew70', rows_s, Zs)):
            ri = np.concatenate(rows)
            ps, pa = pers.predict(np.concatenate(Zl))
            # clip-model probabilities of the same rows (for the p0.5 blend)
            pos = {r: i for i, r in enumerate(tv)}
            out[f'{v}/{name}'] = dict(truth=y[ri], score=ps, probs=softmax(ps), clipProbs=cp[[pos[r] for r in ri]], arousal=pa, trueArousal=AR[ri])
    return out


def metrics(s, allowed, w=1.0):
    allowed = np.asarray(allowed)
    keep = np.isin(s['truth'], allowed)
    p = s['probs'] if w >= 1 else w * s['probs'] + (1 - w) * s['clipProbs']
    if w >= 1 and 'score' in s:
        p = s['score']  # argmax of the scores = argmax of their softmax
    pred = allowed[np.argmax(p[keep][:, allowed], 1)]
    t = s['truth'][keep]
    rec, f1 = [], []
    for k in allowed:
        sup = (t == k).sum()
        if not sup:
            continue
        tp = ((t == k) & (pred == k)).sum()
        pr = (pred == k).sum()
        r = tp / sup
        pc = tp / pr if pr else 0
        rec.append(r)
        f1.append(2 * r * pc / (r + pc) if r + pc > 0 else 0)
    from scipy.stats import spearmanr
    rho = spearmanr(s['arousal'], s['trueArousal']).correlation
    return dict(uar=float(np.mean(rec)), f1=float(np.mean(f1)), acc=float((t == pred).mean()), n=int(keep.sum()), rho=float(rho))


def sel(sc, allowed):
    u = lambda p, w=1.0: np.mean([metrics(sc[f'{v}/{p}'], allowed, w)['uar'] for v in TEST_VARIANTS])
    f = lambda p, w=1.0: np.mean([metrics(sc[f'{v}/{p}'], allowed, w)['f1'] for v in TEST_VARIANTS])
    r = lambda p: np.mean([metrics(sc[f'{v}/{p}'], allowed)['rho'] for v in TEST_VARIANTS])
    return dict(clip=u('clip'), **{f'p{w:g}': np.mean([u(p, w) for p in ('others', 'skew70')]) for w in (0.5, 1.0)},
                f1Clip=f('clip'), f1Others=f('others'), uarOthers=u('others'), rhoClip=r('clip'), rhoPersonal=r('others'))


def labels_of(idx):
    return sorted(set(D['y'][idx].tolist()))


def split_defs():
    """Every split of the selection rule: outer LOCO, inner LOCO (both directions), inner within-corpus."""
    c_of, var = D['corpus'], D['variant']
    test_ok = np.isin(var, TEST_VARIANTS)
    out = {}
    for c in CORPORA:
        tr = np.flatnonzero(c_of != c)
        te = np.flatnonzero((c_of == c) & test_ok)
        out[f'loco:{c}'] = (tr, te, [k for k in labels_of(tr) if k in labels_of(te)])
    for a in CORPORA:
        for b in CORPORA:
            if a == b:
                continue
            tr = np.flatnonzero(c_of == a)
            te = np.flatnonzero((c_of == b) & test_ok)
            out[f'inner:{a}->{b}'] = (tr, te, [k for k in labels_of(tr) if k in labels_of(te)])
    for c in CORPORA:
        for x in CORPORA:
            if x == c:
                continue
            spk = sorted(set(D['speaker'][c_of == x].tolist()))
            held = np.isin(D['speaker'], spk[0::2])
            tr = np.flatnonzero((c_of != c) & ~held)
            te = np.flatnonzero((c_of == x) & held & test_ok)
            out[f'innerWithin:{x}-without-{c}'] = (tr, te, labels_of(np.flatnonzero(c_of == x)))
    return out


def cached(C, feats, name, tr, te, allowed):
    os.makedirs(SVM_CACHE, exist_ok=True)
    f = os.path.join(SVM_CACHE, f'{feats}-C{C:g}-{name.replace(":", "_").replace(">", "")}.json')
    if os.path.exists(f):
        with open(f) as h:
            return json.load(h)
    log(f'{name} C={C} {feats}')
    sc = run_split(C, feats, tr, te)
    res = dict(sel=sel(sc, allowed), perCopy={k: metrics(v, allowed) for k, v in sc.items()})
    with open(f, 'w') as h:
        json.dump(res, h)
    return res


def a_scores(splits):
    """Candidate A's figures from train-voice's cached predictions (.cache/voice-eval), keyed as train-voice keys them."""
    H = {'rff': 0, 'gammaScale': 1, 'l2': 0.001, 'epochs': 30, 'lr': 0.003, 'batch': 64, 'labelSmoothing': 0.05, 'vaWeight': 1, 'seed': 7}
    cfg = {'clip': {'features': 'all', 'heads': H}, 'personal': {'features': 'all', 'heads': {**H, 'seed': 8}, 'baseline': {'calmFraction': 1, 'minCalm': 3}, 'floorFrac': 0.25}}
    out = {}
    for name, (tr, te, allowed) in splits.items():
        key = hashlib.sha1(json.dumps({'cfg': cfg, 'split': f'{name}|{N}', 'v': 1}, separators=(',', ':')).encode()).hexdigest()[:16]
        f = os.path.join(ROOT, '.cache', 'voice-eval', f'{key}.json')
        if not os.path.exists(f):
            log(f'A: no cached predictions for {name} ({key})')
            continue
        with open(f) as h:
            st = json.load(h)
        sc = {k: dict(truth=np.asarray(v['truth']), probs=np.asarray(v['probs']), clipProbs=np.asarray(v['clipProbs']), arousal=np.asarray(v['arousal']), trueArousal=np.asarray(v['trueArousal'])) for k, v in st.items()}
        out[name] = dict(sel=sel(sc, allowed), perCopy={k: metrics(v, allowed) for k, v in sc.items()})
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--cs', default='1,0.1,10')
    ap.add_argument('--sets', default='all,prosodic')
    args = ap.parse_args()
    Cs = [float(c) for c in args.cs.split(',')]
    fsets = args.sets.split(',')
    splits = split_defs()
    res = {}
    # candidates K/L (C=1) first over every split, then the other C values
    for C in Cs:
        for fs in fsets:
            for name, (tr, te, allowed) in splits.items():
                res[(fs, C, name)] = cached(C, fs, name, tr, te, allowed)
    A = a_scores(splits)
    if len(A) < len(splits):
        sys.exit('voice-svm-diagnostic: candidate A\'s predictions are not all in .cache/voice-eval; run `npm run train:voice -- --eval-only` first')
    write(res, A, Cs, fsets)


def avg(xs):
    return {k: float(np.mean([x[k] for x in xs])) for k in xs[0]}


def write(res, A, Cs, fsets):
    keys = ['clip', 'p0.5', 'p1']
    others = lambda c: [x for x in CORPORA if x != c]

    def within_of(get, x):  # X's inner within-corpus score: mean of the two runs without one other corpus
        return avg([get(f'innerWithin:{x}-without-{c}') for c in others(x)])

    def ship(get):
        return avg([avg([get(f'loco:{x}'), within_of(get, x)]) for x in CORPORA])

    def inner(get, c):  # nested score for reported corpus c, computed without c
        a, b = others(c)
        il = avg([get(f'inner:{a}->{b}'), get(f'inner:{b}->{a}')])
        iw = avg([get(f'innerWithin:{a}-without-{c}'), get(f'innerWithin:{b}-without-{c}')])
        return avg([il, iw])

    getA = lambda n: A[n]['sel']
    cand = {'A': getA}
    for fs in fsets:
        for C in Cs:
            cand[f'SVM {fs} C={C:g}'] = (lambda fs, C: lambda n: res[(fs, C, n)]['sel'])(fs, C)
    L = ['# True RBF SVM on emosig voice features vs candidate A (diagnostic; `scripts/voice-svm-diagnostic.py`)', '',
         f'Measured {time.strftime("%Y-%m-%d", time.gmtime())} on the 2-vCPU shared VM, scikit-learn SVC single-threaded, same rows, splits, variants and protocols as '
         '`scripts/train-voice.ts` (skew70 pools drawn with numpy\'s seeded generator). K = SVM all features C=1, L = SVM prosodic C=1 (declared before running, '
         'scripts/lib/voice-candidates.ts). Clip = globally standardised features; personal = per-speaker z-scores (no floor), '
         'p1 = personal alone (mean of "others" and "skew70"), p0.5 = averaged with the same candidate\'s clip model. UAR mean over the as-stored and mu-law copies.', '']
    L += ['## Shipped-model selection score (SELECTION_RULE: mean over corpora of (outer LOCO →X, X\'s inner within-corpus score))', '',
          '| candidate | clip | p0.5 | p1 |', '|---|---:|---:|---:|']
    for name, g in cand.items():
        s = ship(g)
        L.append(f'| {name} | ' + ' | '.join(f'{s[k]:.3f}' for k in keys) + ' |')
    L += ['', '## Outer leave-one-corpus-out (UAR / macro-F1, mean of the two copies; personal = against the speaker\'s other clips)', '',
          '| candidate | ' + ' | '.join(f'→{c} clip UAR | F1 | personal UAR | F1 | p1 (sel.)' for c in CORPORA) + ' |',
          '|---|' + '---:|' * (5 * len(CORPORA))]
    for name, g in cand.items():
        L.append(f'| {name} | ' + ' | '.join(f"{g(f'loco:{c}')['clip']:.3f} | {g(f'loco:{c}')['f1Clip']:.3f} | {g(f'loco:{c}')['uarOthers']:.3f} | {g(f'loco:{c}')['f1Others']:.3f} | {g(f'loco:{c}')['p1']:.3f}" for c in CORPORA) + ' |')
    L += ['', '## New speakers within a corpus (half the speakers held out, mean of the two runs without one other corpus)', '',
          '| candidate | ' + ' | '.join(f'{c} clip UAR | F1 | personal UAR | F1 | p1 (sel.)' for c in CORPORA) + ' |',
          '|---|' + '---:|' * (5 * len(CORPORA))]
    for name, g in cand.items():
        L.append(f'| {name} | ' + ' | '.join((lambda w: f"{w['clip']:.3f} | {w['f1Clip']:.3f} | {w['uarOthers']:.3f} | {w['f1Others']:.3f} | {w['p1']:.3f}")(within_of(g, c)) for c in CORPORA) + ' |')
    L += ['', '## Arousal ρ (ridge head on the SVM\'s inputs; A: its own head), outer LOCO, mean of the copies (reported, not selected on)', '',
          '| candidate | ' + ' | '.join(f'→{c} clip | →{c} personal' for c in CORPORA) + ' |', '|---|' + '---:|' * (2 * len(CORPORA))]
    for name, g in cand.items():
        L.append(f'| {name} | ' + ' | '.join(f"{g(f'loco:{c}')['rhoClip']:.3f} | {g(f'loco:{c}')['rhoPersonal']:.3f}" for c in CORPORA) + ' |')
    # nested choice of C per reported corpus, by the inner scores only
    L += ['', '## C chosen by the nested inner protocol (without the reported corpus), then its outer LOCO and within scores', '',
          '| features | model | →corpus | inner score per C | chosen C | outer LOCO | within (new speakers) | A outer LOCO | A within |', '|---|---|---|---|---:|---:|---:|---:|---:|']
    nested = {}
    for fs in fsets:
        for k in keys:
            for c in CORPORA:
                sc = {C: inner(cand[f'SVM {fs} C={C:g}'], c)[k] for C in Cs}
                best = max(Cs, key=lambda C: sc[C])
                g = cand[f'SVM {fs} C={best:g}']
                nested[(fs, k, c)] = (best, g(f'loco:{c}')[k], within_of(g, c)[k])
                L.append(f'| {fs} | {k} | {c} | ' + ', '.join(f'{C:g}: {sc[C]:.3f}' for C in Cs) + f' | {best:g} | {g(f"loco:{c}")[k]:.3f} | {within_of(g, c)[k]:.3f} | {getA(f"loco:{c}")[k]:.3f} | {within_of(getA, c)[k]:.3f} |')
    L += ['', '## Per copy, outer LOCO, K and L (C=1) and A: UAR / macro-F1', '', '| test corpus | copy | protocol | A | K (SVM all) | L (SVM prosodic) |', '|---|---|---|---|---|---|']
    for c in CORPORA:
        for v in TEST_VARIANTS:
            for p in ('clip', 'others', 'skew70'):
                cellv = lambda m: f"{m['uar']:.3f} / {m['f1']:.3f}"
                L.append(f'| {c} | {v} | {p} | {cellv(A[f"loco:{c}"]["perCopy"][f"{v}/{p}"])} | ' + ' | '.join(cellv(res[(fs, 1.0, f"loco:{c}")]['perCopy'][f'{v}/{p}']) if (fs, 1.0, f'loco:{c}') in res else '—' for fs in ('all', 'prosodic')) + ' |')
    md = '\n'.join(L) + '\n'
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, 'voice-svm-diagnostic.md'), 'w') as h:
        h.write(md)
    summary = {name: {'ship': ship(g), **{n: g(n) for n in (list(A.keys()))}} for name, g in cand.items()}
    with open(os.path.join(RESULTS, 'voice-svm-diagnostic.json'), 'w') as h:
        json.dump(summary, h, indent=1, default=lambda o: round(o, 4))
    print(md)


if __name__ == '__main__':
    main()
