#!/usr/bin/env python3
"""
Train emosig's own compact facial-expression CNN (the third member of the face ensemble) and export it to
models/face/own_expression.onnx. Training only: the product runs the .onnx on onnxruntime-node, never Python.

Data: FER2013 (../shared/data/face/fer2013), origin_usage == Training only (28,709 48x48 gray crops).
PublicTest (the source of bench/face-parity.ts's FER domains) and PrivateTest (bench:face's headline figure) are
never read for training or for any choice: the schedule is fixed in advance (no early stopping, no model
selection), the last epoch's weights ship. `--eval-private` only REPORTS PrivateTest accuracy of the member alone
after training, for the model card.

Input contract (same crop as the human net, so the library cuts nothing new): NHWC float32 [N, 64, 64, 1],
gray pixels 0..255. Inside the graph: per-image standardisation (mean 0, std 1 over the 64x64 crop; robust to
brightness / contrast), then the CNN, then softmax. Output `probs` [N, 7] in emosig's CORE_LABELS order
(neutral, joy, sadness, anger, fear, disgust, surprise).

Augmentation (covers the domains the face bench judges: in-the-wild crops, detector box crops of pasted faces,
posed video frames, grayscale, low resolution), all on the fly from the 48x48 crop to a 64x64 view:
random scale 0.8-1.2, shift +-10 %, rotation +-15 deg, horizontal flip; brightness / contrast / gamma;
with p = 0.4 low resolution: downscale to 12-24 px (area) and back up (bilinear), which also blurs;
small Gaussian pixel noise; random erasing of a small patch.

Net: VGG-ish, 7 conv 3x3 + BN + ReLU (24-24 | 48-48 | 96-96 | 192), first conv stride 2, max-pool between
stages, global average pool, dropout 0.3, linear 192 -> 7 (~0.33 M parameters, ~24 M multiply-adds per crop;
~0.34 ms per crop on onnxruntime, one thread). Sized for the shared 2-core machine and the 3 ms pre-cropped-face
budget (a wider net would cost more onnxruntime time per face than the budget has left, ~0.1 ms).
Schedule: 28 epochs (own CNN v2; v1, the first shipped member, used 12: ~20-35 min).
The 12-epoch net was under-fitted (plain-view Training accuracy 0.634, barely above its PrivateTest 0.609),
so the longer schedule is the one change; it was fixed in advance (committed before the run), the last epoch
ships, nothing is selected on PublicTest or PrivateTest. 28 epochs take ~45-70 min on one shared core.
Loss: cross-entropy with label smoothing 0.1. SGD momentum 0.9 (Nesterov), weight decay 5e-4, batch 128,
one-cycle learning rate (peak 0.1). Seeded (torch / numpy / python); single thread.

    python3 -m venv /work/venv9 && /work/venv9/bin/pip install torch numpy pillow onnx onnxruntime
    nice -n 10 /work/venv9/bin/python scripts/train-face-cnn.py [--epochs 28] [--seed 9] [--eval-private]
"""
import argparse
import csv
import json
import os
import random
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent
FER = ROOT.parent / 'shared' / 'data' / 'face' / 'fer2013'
CACHE = ROOT / '.cache' / 'own-face'
OUT = ROOT / 'models' / 'face' / 'own_expression.onnx'
# FER2013 label -> index in emosig's CORE_LABELS (neutral, joy, sadness, anger, fear, disgust, surprise)
FER_TO_CORE = {'neutral': 0, 'happy': 1, 'sad': 2, 'angry': 3, 'fear': 4, 'disgust': 5, 'surprise': 6}
SIDE = 64


def load_split(usage: str):
    """All FER2013 crops of one origin_usage as uint8 [N, 48, 48] and labels (cached under .cache/)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    cf = CACHE / f'{usage}.npz'
    if cf.exists():
        z = np.load(cf)
        return z['x'], z['y']
    from PIL import Image

    xs, ys = [], []
    with open(FER / 'labels.csv') as f:
        for row in csv.DictReader(f):
            if row['origin_usage'] != usage:
                continue
            im = Image.open(FER / row['file']).convert('L')
            if im.size != (48, 48):
                im = im.resize((48, 48), Image.BILINEAR)
            xs.append(np.asarray(im, dtype=np.uint8))
            ys.append(FER_TO_CORE[row['label']])
    x, y = np.stack(xs), np.array(ys, dtype=np.int64)
    np.savez(cf, x=x, y=y)
    return x, y


def cbr(i, o, s=1):
    return [nn.Conv2d(i, o, 3, s, 1, bias=False), nn.BatchNorm2d(o), nn.ReLU(inplace=True)]


class Net(nn.Module):
    """NCHW standardised 64x64 gray -> 7 logits."""

    def __init__(self, w=(24, 48, 96, 192)):
        super().__init__()
        a, b, c, d = w
        self.f = nn.Sequential(
            *cbr(1, a, 2), *cbr(a, a), nn.MaxPool2d(2),
            *cbr(a, b), *cbr(b, b), nn.MaxPool2d(2),
            *cbr(b, c), *cbr(c, c), nn.MaxPool2d(2),
            *cbr(c, d), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.3), nn.Linear(d, 7),
        )

    def forward(self, x):
        return self.f(x)


def standardise(x):
    """Per-image mean 0 / std 1 (x: [N, 1, H, W])."""
    m = x.mean(dim=(1, 2, 3), keepdim=True)
    s = ((x - m) ** 2).mean(dim=(1, 2, 3), keepdim=True).add(1e-2).sqrt()
    return (x - m) / s


class Exported(nn.Module):
    """The shipped graph: NHWC [N, 64, 64, 1] pixels 0..255 -> probs [N, 7] (CORE order)."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, input):
        x = input.permute(0, 3, 1, 2)
        return torch.softmax(self.net(standardise(x)), dim=1)


def plain_view(x48: torch.Tensor) -> torch.Tensor:
    """The 48x48 crop resampled to 64x64 (bilinear), 0..255: what the library's whole-image crop gives."""
    return F.interpolate(x48, size=(SIDE, SIDE), mode='bilinear', align_corners=False)


def augment(x48: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """x48: float [B, 1, 48, 48] 0..255 -> augmented [B, 1, 64, 64] 0..255."""
    B = x48.shape[0]
    r = lambda *s: torch.rand(*s, generator=g)
    scale = 0.8 + 0.4 * r(B)
    ang = (r(B) - 0.5) * 2 * np.deg2rad(15)
    tx, ty = (r(B) - 0.5) * 0.2, (r(B) - 0.5) * 0.2
    flip = torch.where(r(B) < 0.5, -1.0, 1.0)
    cos, sin = torch.cos(ang) / scale, torch.sin(ang) / scale
    theta = torch.stack([torch.stack([cos * flip, -sin, tx], 1), torch.stack([sin * flip, cos, ty], 1)], 1)
    grid = F.affine_grid(theta, (B, 1, SIDE, SIDE), align_corners=False)
    x = F.grid_sample(x48, grid, mode='bilinear', padding_mode='border', align_corners=False)
    # low resolution / blur: down to 12-24 px and back up
    lo = r(B) < 0.4
    if lo.any():
        idx = lo.nonzero().flatten()
        sizes = torch.randint(12, 25, (len(idx),), generator=g)
        for s in sizes.unique().tolist():
            sel = idx[sizes == s]
            small = F.interpolate(x[sel], size=(s, s), mode='area')
            x[sel] = F.interpolate(small, size=(SIDE, SIDE), mode='bilinear', align_corners=False)
    # photometric: gamma, contrast, brightness
    x = x / 255.0
    gamma = torch.exp((r(B, 1, 1, 1) - 0.5) * 0.6)
    x = x.clamp(0, 1) ** gamma
    c = 0.6 + 0.8 * r(B, 1, 1, 1)
    b = (r(B, 1, 1, 1) - 0.5) * 0.4
    m = x.mean(dim=(2, 3), keepdim=True)
    x = (x - m) * c + m + b
    x = x + torch.randn(x.shape, generator=g) * (0.03 * r(B, 1, 1, 1))
    x = x.clamp(0, 1) * 255.0
    # random erasing of one patch (p = 0.25), filled with the image mean
    er = (r(B) < 0.25).nonzero().flatten()
    for i in er.tolist():
        h, w = int(8 + r(1).item() * 16), int(8 + r(1).item() * 16)
        y0, x0 = int(r(1).item() * (SIDE - h)), int(r(1).item() * (SIDE - w))
        x[i, :, y0:y0 + h, x0:x0 + w] = x[i].mean()
    return x


def evaluate(net, x, y, bs=512):
    net.eval()
    pred = []
    with torch.no_grad():
        for i in range(0, len(x), bs):
            xb = plain_view(torch.from_numpy(x[i:i + bs]).float().unsqueeze(1))
            pred.append(net(standardise(xb)).argmax(1))
    p = torch.cat(pred).numpy()
    acc = float((p == y).mean())
    rec = [float((p[y == k] == k).mean()) for k in range(7) if (y == k).any()]
    f1 = []
    for k in range(7):
        tp = float(((p == k) & (y == k)).sum())
        pp, tt = float((p == k).sum()), float((y == k).sum())
        f1.append(0.0 if tp == 0 else 2 * tp / (pp + tt))
    return {'n': int(len(y)), 'accuracy': round(acc, 4), 'uar': round(float(np.mean(rec)), 4), 'macroF1': round(float(np.mean(f1)), 4)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--epochs', type=int, default=28)
    ap.add_argument('--seed', type=int, default=9)
    ap.add_argument('--batch', type=int, default=128)
    ap.add_argument('--lr', type=float, default=0.1)
    ap.add_argument('--eval-private', action='store_true', help='report (never select on) PrivateTest accuracy')
    ap.add_argument('--limit', type=int, default=0, help='train on the first N crops only (smoke test)')
    ap.add_argument('--out', default=str(OUT), help='where the .onnx goes (default: the shipped models/face file)')
    ap.add_argument('--info', default=str(CACHE / 'train-info.json'), help='where the training record goes')
    a = ap.parse_args()
    torch.set_num_threads(1)
    random.seed(a.seed)
    np.random.seed(a.seed)
    torch.manual_seed(a.seed)
    g = torch.Generator().manual_seed(a.seed)

    x, y = load_split('Training')
    if a.limit:
        x, y = x[: a.limit], y[: a.limit]
    print(f'train: {len(y)} crops, classes {np.bincount(y, minlength=7).tolist()}', flush=True)
    net = Net()
    steps = a.epochs * (len(y) // a.batch)
    opt = torch.optim.SGD(net.parameters(), lr=a.lr, momentum=0.9, nesterov=True, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=a.lr, total_steps=steps, pct_start=0.15)
    xt = torch.from_numpy(x).float().unsqueeze(1)
    yt = torch.from_numpy(y)
    t0 = time.time()
    log = []
    for ep in range(a.epochs):
        net.train()
        perm = torch.randperm(len(y), generator=g)
        tot, correct, loss_sum = 0, 0, 0.0
        for i in range(len(y) // a.batch):
            idx = perm[i * a.batch:(i + 1) * a.batch]
            xb = standardise(augment(xt[idx], g))
            out = net(xb)
            loss = F.cross_entropy(out, yt[idx], label_smoothing=0.1)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            tot += len(idx)
            correct += int((out.argmax(1) == yt[idx]).sum())
            loss_sum += float(loss.detach()) * len(idx)
        e = {'epoch': ep + 1, 'loss': round(loss_sum / tot, 4), 'trainAccAugmented': round(correct / tot, 4), 'minutes': round((time.time() - t0) / 60, 1)}
        log.append(e)
        print(json.dumps(e), flush=True)

    net.eval()
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(Exported(net), torch.zeros(1, SIDE, SIDE, 1), str(out), input_names=['input'], output_names=['probs'],
                      dynamic_axes={'input': {0: 'n'}, 'probs': {0: 'n'}}, opset_version=17, dynamo=False)
    info = {'seed': a.seed, 'epochs': a.epochs, 'batch': a.batch, 'lr': a.lr, 'trainN': int(len(y)), 'log': log,
            'trainPlainView': evaluate(net, x, y), 'torch': torch.__version__}
    if a.eval_private:
        xp, yp = load_split('PrivateTest')
        info['privateTestMemberAlone'] = evaluate(net, xp, yp)
    # check the export against torch on a few training crops
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    s = ort.InferenceSession(str(out), so)
    xb = plain_view(torch.from_numpy(x[:16]).float().unsqueeze(1))
    ref = torch.softmax(net(standardise(xb)), 1).detach().numpy()
    got = s.run(None, {'input': xb.permute(0, 2, 3, 1).numpy()})[0]
    info['onnxMaxAbsDiff'] = float(np.abs(ref - got).max())
    info['onnxBytes'] = out.stat().st_size
    Path(a.info).parent.mkdir(parents=True, exist_ok=True)
    Path(a.info).write_text(json.dumps(info, indent=1))
    print(json.dumps({k: v for k, v in info.items() if k != 'log'}), flush=True)


if __name__ == '__main__':
    main()
