"""Diagnostic (not a model): where do the voice model's within-corpus points go?

1. Features: on EmoDB alone, leave-one-speaker-out (10 speakers, 7 classes, as-stored audio), an SVM on
   openSMILE's eGeMAPSv02 functionals (../shared/reference/opensmile, 88 features) against the same SVM on
   emosig's 242 features of the same files, globally standardised and z-scored per speaker.
2. Mixing corpora: new speakers of a corpus (its speakers at even / odd positions held out in turn, as
   scripts/train-voice.ts's inner within-corpus split), a per-speaker z-scored, class-balanced logistic model
   trained on that corpus alone or on all three corpora (all four copies), with every row counting the same or
   with corpus-balanced row weights (each corpus the same total weight); plus leave-one-corpus-out for the latter two.

Reads .cache/voice-features-v2.json (written by scripts/voice-features.ts); writes
bench/results/voice-mix-diagnostic.{json,md}. Python (scikit-learn) for a diagnostic only: nothing here ships.
    python scripts/voice-mix-diagnostic.py
"""
import csv, json, os, sys, time
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, recall_score
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(ROOT, '..', 'shared')
FEATS = os.path.join(ROOT, '.cache', 'voice-features-v2.json')
REF = os.path.join(SHARED, 'reference', 'opensmile', 'emodb_egemapsv02_functionals.csv')
if not os.path.exists(FEATS) or not os.path.exists(REF):
    sys.exit(f'voice-mix-diagnostic: needs {FEATS} (npx tsx scripts/voice-features.ts) and {REF}')

data = json.load(open(FEATS))
rows = data['rows']
X = np.nan_to_num(np.array([r['vector'] for r in rows], dtype=np.float64))
cor = np.array([r['corpus'] for r in rows])
spk = np.array([r['speaker'] for r in rows])
lab = np.array([r['core'] for r in rows])
var = np.array([r['variant'] for r in rows])
clip = np.array([os.path.basename(r['path']) for r in rows])


def speaker_z(F, keys):
    Z = F.copy()
    for k in np.unique(keys):
        i = keys == k
        Z[i] = (F[i] - F[i].mean(0)) / (F[i].std(0) + 1e-8)
    return Z


def scores(truth, pred):
    return {'uar': round(float(recall_score(truth, pred, average='macro')), 3), 'f1': round(float(f1_score(truth, pred, average='macro')), 3), 'acc': round(float(accuracy_score(truth, pred)), 3)}


out = {'date': time.strftime('%Y-%m-%d'), 'features': {}, 'mixing': {}}

# ---- 1. eGeMAPS vs emosig features on EmoDB, leave one speaker out
m = (cor == 'emodb') & (var == 'clean')
ref_rows = list(csv.reader(open(REF), delimiter=';'))
ref = {r[0].strip("'\""): np.array(r[2:], dtype=np.float64) for r in ref_rows[1:]}
E = np.stack([ref[c] for c in clip[m]])
S, L = spk[m], lab[m]
sets = {'eGeMAPSv02 (openSMILE, 88)': E, 'emosig (242)': X[m], 'both (330)': np.hstack([E, X[m]])}
models = {'linear SVM C=0.1': lambda: SVC(kernel='linear', C=0.1, class_weight='balanced'), 'RBF SVM C=1': lambda: SVC(kernel='rbf', C=1, gamma='scale', class_weight='balanced'), 'RBF SVM C=10': lambda: SVC(kernel='rbf', C=10, gamma='scale', class_weight='balanced')}
for name, F in sets.items():
    for norm in ['global', 'per-speaker z']:
        G = F if norm == 'global' else speaker_z(F, S)
        for mname, mk in models.items():
            pred = np.empty(len(L), dtype=object)
            for s in np.unique(S):
                te = S == s
                sc = StandardScaler().fit(G[~te])
                pred[te] = mk().fit(sc.transform(G[~te]), L[~te]).predict(sc.transform(G[te]))
            out['features'][f'{name} | {norm} | {mname}'] = scores(L, pred.astype(str))
            print(name, norm, mname, out['features'][f'{name} | {norm} | {mname}'], flush=True)

# ---- 2. one corpus alone vs all three, plain vs corpus-balanced weights (per-speaker z per copy)
Z = speaker_z(X, np.char.add(np.char.add(spk, '|'), var))


def fit_eval(tr, te, balance):
    labs = np.unique(lab[te])
    tr = tr & np.isin(lab, labs)
    w = np.ones(tr.sum())
    if balance:
        c = cor[tr]
        for k in np.unique(c):
            w[c == k] = 1.0 / (c == k).sum()
        w *= len(w) / w.sum()
    sc = StandardScaler().fit(Z[tr])
    clf = LogisticRegression(C=0.05, max_iter=3000, class_weight='balanced').fit(sc.transform(Z[tr]), lab[tr], sample_weight=w)
    return lab[te], clf.predict(sc.transform(Z[te]))


for target in ['ravdess', 'emodb', 'turev']:
    t = cor == target
    sp = np.unique(spk[t])
    res = {}
    for setting, train_c, balance in [('this corpus only', [target], False), ('all three, every row the same', ['ravdess', 'emodb', 'turev'], False), ('all three, corpus-balanced', ['ravdess', 'emodb', 'turev'], True)]:
        truth, pred = [], []
        for h in [0, 1]:
            held = sp[h::2]
            a, b = fit_eval(np.isin(cor, train_c) & ~np.isin(spk, held), t & np.isin(spk, held) & (var == 'clean'), balance)
            truth += list(a)
            pred += list(b)
        res[f'new speakers: {setting}'] = scores(truth, pred)
    for setting, balance in [('every row the same', False), ('corpus-balanced', True)]:
        a, b = fit_eval(cor != target, t & (var == 'clean'), balance)
        res[f'left out (LOCO): {setting}'] = scores(a, b)
    out['mixing'][target] = res
    print(target, res, flush=True)

os.makedirs(os.path.join(ROOT, 'bench', 'results'), exist_ok=True)
json.dump(out, open(os.path.join(ROOT, 'bench', 'results', 'voice-mix-diagnostic.json'), 'w'), indent=1)
md = ['# Voice diagnostic: features and corpus mixing (`scripts/voice-mix-diagnostic.py`)', '',
      f"Measured {out['date']} on the 2-vCPU shared VM (scikit-learn, single-threaded). UAR / macro-F1 / accuracy. Diagnostic only: no model here ships; the candidate it motivated (M, N) is judged by train-voice's nested rule.", '',
      '## 1. EmoDB, leave one speaker out (10 speakers, 7 classes, as-stored audio): openSMILE eGeMAPSv02 vs emosig features', '',
      '| features | normalisation | model | UAR | F1 | acc |', '|---|---|---|---:|---:|---:|']
for k, v in out['features'].items():
    a, b, c = k.split(' | ')
    md.append(f"| {a} | {b} | {c} | {v['uar']:.3f} | {v['f1']:.3f} | {v['acc']:.3f} |")
md += ['', '## 2. Mixing corpora: per-speaker z-scored (per copy), class-balanced logistic regression (C = 0.05), all four copies in training, as-stored test clips', '',
       'New speakers: the corpus\'s speakers at even, then odd positions held out (pooled). LOCO: trained on the two other corpora.', '',
       '| corpus | setting | UAR | F1 | acc |', '|---|---|---:|---:|---:|']
for c, res in out['mixing'].items():
    for k, v in res.items():
        md.append(f"| {c} | {k} | {v['uar']:.3f} | {v['f1']:.3f} | {v['acc']:.3f} |")
open(os.path.join(ROOT, 'bench', 'results', 'voice-mix-diagnostic.md'), 'w').write('\n'.join(md) + '\n')
print('wrote bench/results/voice-mix-diagnostic.{json,md}')
