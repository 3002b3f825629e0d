"""Class coverage of images: a small classifier, trained once on the labelled data, reads G's samples.

The image counterpart of "modes captured": which classes G draws, in what shares beside the data's,
and how sure a reader is of them. Only data that says what each image shows has classes (digits,
shapes, IDX with its labels file, folders of class folders); `fit` returns None for the rest.

The classifier is a small CNN (two 3x3 convolutions with max pooling, then one linear layer),
trained for FIT_STEPS minibatches with Adam from a fixed seed: a few seconds on one core, the same
bits every time on the same machine. Its accuracy and its confident share on the held-out images
say how far it can be trusted: a classifier unsure of real data would say nothing about G.
(A logistic regression on the pixels, the yardstick of issue 14, is right on 97% of held-out
digits but manages only 68% of the shapes, whose kind does not sit at fixed pixels.)
"""
from __future__ import annotations

import math
import weakref
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .data import DATA_SEED, Dataset

CONFIDENT = 0.9      # a sample the classifier gives p >= this is one it is sure of
FAIR_SHARE = 0.2     # a class is captured when G draws at least a fifth of its share of the data (as 2D modes)
FIT_STEPS = 300      # minibatches of training: 99% right on held-out digits, 98-99% on shapes
FIT_BATCH = 64
CHANNELS = (16, 32)
MAX_SIDE = 16        # larger images are average-pooled down to at most this side first: 28x28 digits read
                     # as well at 14x14, at a quarter of the cost
SMOOTHING = 0.5      # counts added to every class of G's before the KL divergence, so a missing class costs
                     # a large but finite amount (the Jeffreys prior's half count)


@dataclass(eq=False)
class Classifier:
    net: nn.Module
    classes: tuple[str, ...]
    real_shares: np.ndarray     # (K,) each class's share of the training images
    accuracy: float             # on the held-out images
    real_confident: float       # the held-out images' share it is sure of (p >= CONFIDENT)

    @torch.no_grad()
    def probabilities(self, x: torch.Tensor | np.ndarray) -> np.ndarray:
        """(n, K) class probabilities of images (n, C, H, W) in the models' space, [-1, 1]."""
        x = torch.as_tensor(np.asarray(x, np.float32) if isinstance(x, np.ndarray) else x)
        return torch.cat([F.softmax(self.net(x[k:k + 1024].clamp(-1, 1)), 1)
                          for k in range(0, len(x), 1024)]).numpy()


def _net(shape: tuple[int, int, int], k: int) -> nn.Module:
    c, h, w = shape
    a, b = CHANNELS
    f = math.ceil(max(h, w) / MAX_SIDE)
    h, w = math.ceil(h / f), math.ceil(w / f)
    side = lambda s: math.ceil(math.ceil(s / 2) / 2)  # noqa: E731 -- two poolings, ceil mode
    return nn.Sequential(nn.AvgPool2d(f, ceil_mode=True) if f > 1 else nn.Identity(),
                         nn.Conv2d(c, a, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=True),
                         nn.Conv2d(a, b, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=True),
                         nn.Flatten(), nn.Linear(b * side(h) * side(w), k))


_FITTED: "weakref.WeakKeyDictionary[Dataset, Classifier | None]" = weakref.WeakKeyDictionary()


def fit(data: Dataset) -> Classifier | None:
    """The data's classifier (trained on its first use, then kept with the data), or None without labels."""
    if data not in _FITTED:
        _FITTED[data] = _fit(data) if data.labels is not None and data.classes else None
    return _FITTED[data]


def _fit(data: Dataset) -> Classifier:
    k = len(data.classes)
    x, y = torch.from_numpy(data.train), torch.from_numpy(data.labels)
    with torch.random.fork_rng(devices=[]):  # its own seed, without moving anyone else's random numbers
        torch.manual_seed(DATA_SEED)
        net = _net(tuple(data.train.shape[1:]), k)
    batches = torch.Generator().manual_seed(DATA_SEED)
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    for _ in range(FIT_STEPS):
        i = torch.randint(len(x), (FIT_BATCH,), generator=batches)
        loss = F.cross_entropy(net(x[i]), y[i])
        opt.zero_grad()
        loss.backward()
        opt.step()
    net.eval()
    clf = Classifier(net, tuple(data.classes), np.bincount(data.labels, minlength=k) / len(data.labels), 0.0, 0.0)
    p = clf.probabilities(data.held_out)
    clf.accuracy = float((p.argmax(1) == data.held_labels).mean())
    clf.real_confident = float((p.max(1) >= CONFIDENT).mean())
    return clf


def shares(p: np.ndarray) -> np.ndarray:
    """(K,) the share of samples in each class (its most probable one), from probabilities (n, K)."""
    return np.bincount(p.argmax(1), minlength=p.shape[1]) / len(p)


def coverage(clf: Classifier, p: np.ndarray) -> dict[str, float]:
    """How G's samples (their probabilities (n, K)) cover the data's classes:

    classes          classes captured: those holding at least FAIR_SHARE of their share of the data
    class_kl         KL(real shares || G's shares), nats; 0 when G draws each class as often as the data
    class_share_min  the rarest class's share of G's samples (and _max the commonest)
    confident        the share of G's samples the classifier is sure of (p >= CONFIDENT)
    confident_ratio  that over the held-out real images' share: 1 = as sure as of real images
    classifier_acc   the classifier's accuracy on held-out real images (how far to trust the above)
    """
    g = shares(p)
    counts = g * len(p) + SMOOTHING
    q = counts / counts.sum()
    r = clf.real_shares
    present = r > 0
    confident = float((p.max(1) >= CONFIDENT).mean())
    return {"classes": int((g >= FAIR_SHARE * r)[present].sum()),
            "class_kl": float(np.sum(r[present] * np.log(r[present] / q[present]))),
            "class_share_min": float(g.min()), "class_share_max": float(g.max()),
            "confident": confident, "confident_ratio": confident / max(clf.real_confident, 1e-9),
            "classifier_acc": clf.accuracy}
