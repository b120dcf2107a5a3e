#!/usr/bin/env python3
"""
Arousal transfer across corpora (issue 11: TurEV-DB arousal ρ 0.24–0.28 left out, target 0.55). Training-side
diagnostic in Python; a winning head would be re-implemented in TypeScript (a linear model) before shipping.

DECLARED BEFORE RUNNING (session 5, 2026-12-03; committed before the first run):
Candidates (12): model × feature set × input mode.
- model: 'ridge' (least squares on the label's arousal, alpha 10) or 'rank' (a correlation-friendly pairwise loss:
  logistic regression, C=1, no intercept, on differences x_i − x_j of pairs of clips of the SAME speaker and copy
  with different label arousal, target sign(a_i − a_j); 40,000 pairs drawn with a fixed seed; the score is then
  mapped to −1…1 by a least-squares line on the training rows, which leaves ρ unchanged);
- features: 'all' (242), 'prosodic' (PROSODIC_FEATURE_NAMES, as the voice candidates), 'levels' (45: mean, p20,
  p50, p80 and std of loudness, rms, f0, hnr, jitter, shimmer, alphaRatio, hammarbergIndex and spectralSlope —
  level and spread of voice quality, no slopes, ranges, cv or temporal measures, which depend on utterance length);
- input: 'clip' (standardised over the training rows, clipped ±5) or 'personal' (z-scored against the speaker's
  other clips at test time / all of the group's clips in training, as the personal model; then standardised).
Evaluation: rows and variants of .cache/voice-features-v2.npz (scripts/voice-svm-diagnostic.py exports it); train
on every variant of the training corpora, test on the as-stored and mu-law copies; ρ = Spearman of the output with
the label's arousal (calm and boredom lower than neutral), mean over the two copies.
Rule (nested, as the classifier's): for a reported corpus C and each input mode apart, the candidate with the best
inner LOCO ρ between the two other corpora (train on one, test on the other, both directions) is chosen; its outer
LOCO ρ on C is reported. A head would be shipped (per input mode) only if its nested outer ρ is higher than the
README's current nested figure on TurEV-DB by ≥ 0.05 and no lower than it by more than 0.02 on RAVDESS and EmoDB.

SECOND GROUP (declared after the first run had failed, before its own run; rule unchanged, the nested choice and the
shipping test now over all 24): the 12 candidates trained on the 'clean' and 'tel' copies only (rows 'clean+tel').
Why: per-emotion means of the as-stored copies show that the shared EmoDB copy is level-normalised per file (loudness
mean 16.5–18.9 in every emotion) while TurEV-DB's arousal shows mainly in level (loudness angry 12.6, happy 11.9 vs
calm 7.1, sad 5.7) and hardly in F0 (30.9–33.3 st in all four); and the training's 'aug' copies give every clip its
own random gain (−20…+8 dB) and the 'noise' copies their own SNR, which erases the within-speaker level differences a
personal baseline would otherwise see. (The look at TurEV-DB informed this group's design; the choice is still nested.)

  OMP_NUM_THREADS=1 nice -n 10 /work/venv11/bin/python scripts/voice-arousal-diagnostic.py
Writes bench/results/voice-arousal-diagnostic.{md,json}.
"""
import os

for _v in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ.setdefault(_v, '1')
import re
import json
import time
import numpy as np
from scipy.stats import spearmanr
from sklearn.linear_model import Ridge, LogisticRegression

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NPZ = os.path.join(ROOT, '.cache', 'voice-features-v2.npz')
RESULTS = os.path.join(ROOT, 'bench', 'results')
CORPORA = ['ravdess', 'emodb', 'turev']
TEST_VARIANTS = ['clean', 'tel']
CLIP_Z = 5.0
AROUSAL = {'neutral': -0.2, 'calm': -0.6, 'boredom': -0.7, 'joy': 0.5, 'happy': 0.5, 'sadness': -0.5, 'sad': -0.5, 'anger': 0.8, 'angry': 0.8,
           'fear': 0.7, 'disgust': 0.3, 'surprise': 0.8}
# the README's current nested arousal ρ (mean of the two copies), per clip and personal
CURRENT = {'clip': {'ravdess': (0.654 + 0.628) / 2, 'emodb': (0.719 + 0.693) / 2, 'turev': (0.237 + 0.284) / 2},
           'personal': {'ravdess': (0.695 + 0.697) / 2, 'emodb': (0.316 + 0.353) / 2, 'turev': (0.294 + 0.282) / 2}}

d = np.load(NPZ)
X = d['X'].astype(np.float64)
FEATS = list(d['featureNames'])
AR = np.asarray([AROUSAL[l] for l in d['label']])
CORPUS, VARIANT, SPEAKER = d['corpus'], d['variant'], d['speaker']
GROUP = np.char.add(np.char.add(SPEAKER, '|'), VARIANT)
PROSODIC = re.compile(r'^(f0|loudness|rms|zcr|hnr|jitter|shimmer|alphaRatio|hammarbergIndex|spectralSlope)_')
LEVELS = re.compile(r'^(loudness|rms|f0|hnr|jitter|shimmer|alphaRatio|hammarbergIndex|spectralSlope)_(mean|p20|p50|p80|std)$')
SETS = {'all': np.arange(len(FEATS)), 'prosodic': np.asarray([i for i, n in enumerate(FEATS) if PROSODIC.match(n) or '_' not in n]),
        'levels': np.asarray([i for i, n in enumerate(FEATS) if LEVELS.match(n)])}
assert len(SETS['levels']) == 45, len(SETS['levels'])


def log(s):
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())}] {s}", flush=True)


def group_z(idx, loo):
    """Per speaker|copy z-scores (no floor, clipped ±5): against all of the group's rows, or (loo) its other rows."""
    Z = np.empty((len(idx), X.shape[1]))
    g = GROUP[idx]
    for grp in np.unique(g):
        m = np.flatnonzero(g == grp)
        Xg = X[idx[m]]
        n = len(m)
        if loo:
            S, Q = Xg.sum(0), (Xg ** 2).sum(0)
            mu = (S - Xg) / (n - 1)
            sd = np.sqrt(np.maximum((Q - Xg ** 2) / (n - 1) - mu ** 2, 0))
        else:
            mu, sd = Xg.mean(0), Xg.std(0)
        sd = np.where(sd == 0, 1, sd)
        Z[m] = np.clip((Xg - mu) / sd, -CLIP_Z, CLIP_Z)
    return Z


def fit_predict(model, feats, mode, tr, tes):
    """Fit one arousal head on the rows `tr`; its outputs on each row set of `tes`."""
    Xtr = group_z(tr, False) if mode == 'personal' else X[tr]
    mu, sd = Xtr.mean(0), Xtr.std(0)
    sd = np.where(sd == 0, 1, sd)
    f = SETS[feats]
    A = np.clip((Xtr - mu) / sd, -CLIP_Z, CLIP_Z)[:, f]
    Bs = [np.clip(((group_z(te, True) if mode == 'personal' else X[te]) - mu) / sd, -CLIP_Z, CLIP_Z)[:, f] for te in tes]
    a = AR[tr]
    if model == 'ridge':
        r = Ridge(alpha=10.0).fit(A, a)
        return [r.predict(B) for B in Bs]
    rng = np.random.default_rng(11)
    g = GROUP[tr]
    pi, pj = [], []
    groups = np.unique(g)
    per = 40000 // len(groups) + 1
    for grp in groups:
        m = np.flatnonzero(g == grp)
        i, j = rng.choice(m, per), rng.choice(m, per)
        ok = a[i] != a[j]
        pi.append(i[ok])
        pj.append(j[ok])
    pi, pj = np.concatenate(pi), np.concatenate(pj)
    D = A[pi] - A[pj]
    s = np.sign(a[pi] - a[pj])
    # symmetric pairs so that the no-intercept logistic model sees both orders
    lr = LogisticRegression(C=1.0, fit_intercept=False, max_iter=2000).fit(np.vstack([D, -D]), np.concatenate([s, -s]))
    w = lr.coef_[0]
    k, b = np.polyfit(A @ w, a, 1)
    return [np.clip(k * (B @ w) + b, -1, 1) for B in Bs]


def rho(model, feats, mode, tr_corpus, te_corpus, rows='all'):
    tr = np.flatnonzero(np.isin(CORPUS, tr_corpus) & (np.isin(VARIANT, TEST_VARIANTS) if rows == 'clean+tel' else True))
    tes = [np.flatnonzero((CORPUS == te_corpus) & (VARIANT == v)) for v in TEST_VARIANTS]
    return float(np.mean([spearmanr(p, AR[te]).correlation for p, te in zip(fit_predict(model, feats, mode, tr, tes), tes)]))


def main():
    cands = [(m, f, rows) for rows in ('all', 'clean+tel') for m in ('ridge', 'rank') for f in ('all', 'prosodic', 'levels')]
    res = {}
    for mode in ('clip', 'personal'):
        for m, f, rows in cands:
            t0 = time.time()
            r = {}
            for c in CORPORA:
                r[f'loco:{c}'] = rho(m, f, mode, [x for x in CORPORA if x != c], c, rows)
                for x in CORPORA:
                    if x != c:
                        r[f'inner:{x}->{c}'] = rho(m, f, mode, [x], c, rows)
            res[(mode, m, f, rows)] = r
            log(f'{mode} {m} {f} {rows}: ' + ', '.join(f'{k} {v:.3f}' for k, v in r.items()) + f' ({time.time() - t0:.0f} s)')
    L = ['# Arousal transfer across corpora (diagnostic; `scripts/voice-arousal-diagnostic.py`)', '',
         f'Measured {time.strftime("%Y-%m-%d", time.gmtime())} on the 2-vCPU shared VM. Spearman ρ of each arousal head with the label\'s arousal, mean of the as-stored and mu-law copies. '
         'Candidates and rule declared in the script\'s header before the first run.', '',
         '## Every candidate: outer LOCO ρ and inner LOCO ρ (train on one corpus, test on another)', '',
         '| input | model | features | training rows | →ravdess | →emodb | →turev | ' + ' | '.join(f'{a}→{b}' for a in CORPORA for b in CORPORA if a != b) + ' |',
         '|---|---|---|---|---:|---:|---:|' + '---:|' * 6]
    for (mode, m, f, rows), r in res.items():
        L.append(f'| {mode} | {m} | {f} | {rows} | ' + ' | '.join(f"{r[f'loco:{c}']:.3f}" for c in CORPORA) + ' | ' + ' | '.join(f"{r[f'inner:{a}->{b}']:.3f}" for a in CORPORA for b in CORPORA if a != b) + ' |')
    L += ['', '## Nested choice (by the inner LOCO ρ between the two other corpora) and the shipping test', '',
          '| input | →corpus | chosen | inner ρ | outer ρ | current (README, nested) | Δ |', '|---|---|---|---:|---:|---:|---:|']
    verdict = {}
    for mode in ('clip', 'personal'):
        ok = True
        for c in CORPORA:
            a, b = [x for x in CORPORA if x != c]
            inner = {k: (res[(mode,) + k][f'inner:{a}->{b}'] + res[(mode,) + k][f'inner:{b}->{a}']) / 2 for k in cands}
            best = max(cands, key=lambda k: inner[k])
            outer = res[(mode,) + best][f'loco:{c}']
            delta = outer - CURRENT[mode][c]
            ok = ok and (delta >= 0.05 if c == 'turev' else delta >= -0.02)
            L.append(f'| {mode} | {c} | {best[0]} {best[1]} ({best[2]} rows) | {inner[best]:.3f} | {outer:.3f} | {CURRENT[mode][c]:.3f} | {delta:+.3f} |')
        verdict[mode] = ok
    L += ['', 'Shipping test (declared): TurEV-DB outer ρ ≥ current + 0.05 and RAVDESS, EmoDB ≥ current − 0.02: ' +
          ', '.join(f'{m}: {"passes" if v else "fails"}' for m, v in verdict.items()) + '.']
    md = '\n'.join(L) + '\n'
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, 'voice-arousal-diagnostic.md'), 'w') as h:
        h.write(md)
    with open(os.path.join(RESULTS, 'voice-arousal-diagnostic.json'), 'w') as h:
        json.dump({' '.join(k): v for k, v in res.items()} | {'verdict': verdict}, h, indent=1, default=lambda o: round(o, 4))
    print(md)


if __name__ == '__main__':
    main()
