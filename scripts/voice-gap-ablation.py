"""Diagnostic (nothing ships): the scikit-learn half of the voice gap ablation, and its report.

scripts/voice-gap-ablation.ts scores the shipped personal path (emosig's learner) with one thing changed per row on
the same folds; this adds scripts/voice-mix-diagnostic.py's model (per speaker|copy z-score from all of the group's
clips, StandardScaler, class-balanced LogisticRegression C = 0.05, corpus-balanced row weights, trained on the test
corpus's labels, all four copies of the three corpora) on the same folds, and writes
bench/results/voice-gap-ablation.md from every bench/results/voice-gap-ablation-<corpus>.json present.

    npx tsx scripts/voice-gap-ablation.ts --corpus emodb && /work/venv11/bin/python scripts/voice-gap-ablation.py
"""
import glob, json, os, sys
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, recall_score
from sklearn.preprocessing import StandardScaler

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FEATS = os.path.join(ROOT, '.cache', 'voice-features-v2.json')
RES = os.path.join(ROOT, 'bench', 'results')
if not os.path.exists(FEATS):
    sys.exit(f'voice-gap-ablation: needs {FEATS} (npx tsx scripts/voice-features.ts)')
rows = json.load(open(FEATS))['rows']
X = np.nan_to_num(np.array([r['vector'] for r in rows], dtype=np.float64))
cor = np.array([r['corpus'] for r in rows])
spk = np.array([r['speaker'] for r in rows])
lab = np.array([r['core'] for r in rows])
var = np.array([r['variant'] for r in rows])
grp = np.char.add(np.char.add(spk, '|'), var)
Z = X.copy()
for k in np.unique(grp):
    i = grp == k
    Z[i] = (X[i] - X[i].mean(0)) / (X[i].std(0) + 1e-8)


def lr_fold(held, target, variant):
    te = (cor == target) & np.isin(spk, held) & (var == variant)
    tr = ~np.isin(spk, held) & np.isin(lab, np.unique(lab[cor == target]))
    c = cor[tr]
    w = np.ones(tr.sum())
    for k in np.unique(c):
        w[c == k] = 1.0 / (c == k).sum()
    w *= len(w) / w.sum()
    sc = StandardScaler().fit(Z[tr])
    clf = LogisticRegression(C=0.05, max_iter=3000, class_weight='balanced').fit(sc.transform(Z[tr]), lab[tr], sample_weight=w)
    return list(lab[te]), list(clf.predict(sc.transform(Z[te])))


md = ['# Voice gap ablation: the diagnostic\'s model vs the shipped personal path on the same folds', '',
      'scripts/voice-gap-ablation.ts (emosig\'s learner, src/audio/trainer.ts) and scripts/voice-gap-ablation.py (scikit-learn). '
      'Test: the corpus\'s held-out speakers (as-stored copies unless the heading says mu-law phone), personal model alone, UAR / macro-F1 / accuracy over the corpus\'s labels. '
      'Training: every other row of the three corpora (all four copies unless the row says otherwise). '
      '"diag" folds: the corpus\'s sorted speakers at even, then odd positions held out (scripts/voice-mix-diagnostic.py); '
      '"train-voice" folds: speaker i in fold i mod F (the README\'s "new speakers" table). Measured on the 2-vCPU shared VM; diagnostic only, nothing here ships.', '']
for f in sorted(glob.glob(os.path.join(RES, 'voice-gap-ablation-*.json')), key=lambda f: ('-tel' in f, f)):
    d = json.load(open(f))
    target = d['corpus']
    variant = d.get('variant', 'clean')
    sp = np.unique(spk[cor == target])
    F = {'ravdess': 6, 'emodb': 5, 'turev': 3}[target]
    lr = {}
    for name in d['folds']:
        helds = [sp[h::2] for h in [0, 1]] if name.startswith('diag') else [sp[i::F] for i in range(F)]
        t, p = [], []
        for held in helds:
            a, b = lr_fold(held, target, variant)
            t += a
            p += b
        lr[name] = {'uar': recall_score(t, p, average='macro'), 'macroF1': f1_score(t, p, average='macro'), 'accuracy': accuracy_score(t, p)}
        print(target, 'sklearn LR', name, lr[name], flush=True)
    d['results']['sklearn-LR'] = lr
    d['settings'] = [x for x in d['settings'] if x['id'] != 'sklearn-LR']
    d['settings'].append({'id': 'sklearn-LR', 'what': "the diagnostic's model (scikit-learn LogisticRegression C = 0.05 on per-group z-scores from all clips, corpus-balanced, test labels only)"})
    json.dump(d, open(f, 'w'), indent=1)
    md += [f"## {target}, {'as-stored' if variant == 'clean' else 'mu-law phone'} test copies", '', '| row | what changes | ' + ' | '.join(f'{n} UAR | F1 | acc' for n in d['folds']) + ' |',
           '|---|---|' + '|'.join('---:|---:|---:' for _ in d['folds']) + '|']
    for s in d['settings']:
        r = d['results'][s['id']]
        md.append(f"| {s['id']} | {s['what']} | " + ' | '.join(f"{r[n]['uar']:.3f} | {r[n]['macroF1']:.3f} | {r[n]['accuracy']:.3f}" for n in d['folds']) + ' |')
    md.append('')
open(os.path.join(RES, 'voice-gap-ablation.md'), 'w').write('\n'.join(md))
print('wrote bench/results/voice-gap-ablation.md')
