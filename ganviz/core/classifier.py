"""Class coverage and Fréchet distance of images: a small classifier, trained once on the labelled data,
reads G's samples.

The image counterpart of "modes captured": which classes G draws, in what shares beside the data's,
and how sure a reader is of them. Only data that says what each image shows has classes (digits,
shapes, Fashion-MNIST, MNIST, IDX with its labels file, folders of class folders); `fit` returns None
for the rest.

The classifier is a small CNN (two 3x3 convolutions with max pooling, a hidden layer of FEATURES
units, then one linear layer per class), trained for FIT_EPOCHS passes over the data with Adam from a fixed
seed: the same bits every time on the same machine. Its accuracy and its confident share on the
held-out images say how far it can be trusted: a classifier unsure of real data would say nothing
about G. Its hidden layer is also the feature space of the Fréchet distance (the FID recipe, with
this classifier in place of Inception, as MNIST papers do).

Trained once per data set and kept on disk (keyed by a hash of the images, their labels and the
recipe): a second launch reads it in a tenth of a second instead of training it again (~65 s of one
core for 60,000 28x28 images).

It is trained and read on the population's device, and kept on disk as CPU tensors; one trained on a GPU is
kept apart from the CPU's (its bits differ), so each device reads its own.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .data import DATA_SEED, Dataset
from .device import repeatable

CONFIDENT = 0.9      # a sample the classifier gives p >= this is one it is sure of
FAIR_SHARE = 0.2     # a class is captured when G draws at least a fifth of its share of the data (as 2D modes)
FIT_EPOCHS = 5       # passes over the training images (at least FIT_MIN_STEPS minibatches): 88-89% right on
FIT_MIN_STEPS = 300  # held-out Fashion-MNIST, 99% on digits and shapes
FIT_BATCH = 128
FIT_LR = 1e-3
CHANNELS = (16, 32)
FEATURES = 64        # the hidden layer: the Fréchet distance's feature space
MAX_SIDE = 32        # larger images are average-pooled down to at most this side first
N_REFERENCE = 10_000  # training images whose features make the Fréchet distance's reference statistics
N_FD = 2_000         # samples on each side of a Fréchet distance (G's, and the held-out images' floor): the
                     # distance is biased upward by about 1/n, so both sides use the same n
SMOOTHING = 0.5      # counts added to every class of G's before the KL divergence, so a missing class costs
                     # a large but finite amount (the Jeffreys prior's half count)
RECIPE = f"cnn{CHANNELS}-{FEATURES}-epochs{FIT_EPOCHS}-min{FIT_MIN_STEPS}x{FIT_BATCH}-lr{FIT_LR}-side{MAX_SIDE}-ref{N_REFERENCE}-fd{N_FD}-v1"


@dataclass(eq=False)
class Classifier:
    net: nn.Module
    classes: tuple[str, ...]
    real_shares: np.ndarray     # (K,) each class's share of the training images
    accuracy: float             # on the held-out images
    real_confident: float       # the held-out images' share it is sure of (p >= CONFIDENT)
    real_mean: np.ndarray       # (FEATURES,) the training images' features: mean
    real_cov: np.ndarray        # (FEATURES, FEATURES) and covariance, float64
    fd_floor: float             # held-out real images' own Fréchet distance to the training images
    fd_n: int                   # samples on each side of a distance (N_FD, or fewer held-out images)

    @torch.no_grad()
    def read(self, x: torch.Tensor | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(probabilities (n, K), features (n, FEATURES)) of images (n, C, H, W) in the models' space, [-1, 1],
        read on the classifier's device."""
        x = torch.as_tensor(np.asarray(x, np.float32) if isinstance(x, np.ndarray) else x).to(self.device)
        probs, feats = [], []
        for k in range(0, len(x), 1024):
            h = self.net[:-1](x[k:k + 1024].clamp(-1, 1))
            feats.append(h)
            probs.append(F.softmax(self.net[-1](h), 1))
        return torch.cat(probs).cpu().numpy(), torch.cat(feats).cpu().double().numpy()

    @property
    def device(self) -> torch.device:
        return next(self.net.parameters()).device

    def probabilities(self, x: torch.Tensor | np.ndarray) -> np.ndarray:
        return self.read(x)[0]

    def frechet(self, features: np.ndarray) -> float:
        """Fréchet distance of samples' features to the training images' (use fd_n samples)."""
        from .metrics import frechet_distance
        return frechet_distance(features.mean(0), np.cov(features, rowvar=False), self.real_mean, self.real_cov)


def _net(shape: tuple[int, int, int], k: int, generator: torch.Generator) -> nn.Sequential:
    c, h, w = shape
    a, b = CHANNELS
    f = math.ceil(max(h, w) / MAX_SIDE)
    h, w = math.ceil(h / f), math.ceil(w / f)
    side = lambda s: math.ceil(math.ceil(s / 2) / 2)  # noqa: E731 -- two poolings, ceil mode
    with torch.device("meta"):  # shapes only; the weights are drawn below from the classifier's own generator
        net = nn.Sequential(nn.AvgPool2d(f, ceil_mode=True) if f > 1 else nn.Identity(),
                            nn.Conv2d(c, a, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=True),
                            nn.Conv2d(a, b, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=True),
                            nn.Flatten(), nn.Linear(b * side(h) * side(w), FEATURES), nn.ReLU(),
                            nn.Linear(FEATURES, k))
    net = net.to_empty(device="cpu")
    # torch.nn's default initialisation (uniform in +-1/sqrt(fan_in)), from a generator of its own, so training
    # the classifier never moves anyone else's random numbers (the training process may fit it in a thread)
    for layer in net:
        if isinstance(layer, (nn.Conv2d, nn.Linear)):
            bound = 1 / math.sqrt(layer.weight[0].numel())
            with torch.no_grad():
                layer.weight.uniform_(-bound, bound, generator=generator)
                layer.bias.uniform_(-bound, bound, generator=generator)
    return net


# ---------------------------------------------------------------------------------------------- cache
def cache_dir() -> Path:
    """Where ganviz keeps what it computed once (trained classifiers): GANVIZ_CACHE, else the user's cache
    folder (~/.cache/ganviz on Linux)."""
    env = os.environ.get("GANVIZ_CACHE")
    if env:
        return Path(env).expanduser()
    import platformdirs
    return Path(platformdirs.user_cache_dir("ganviz"))


def data_key(data: Dataset) -> str:
    """What a classifier of this data depends on: its images, their labels, the classes and the recipe."""
    h = hashlib.sha256(RECIPE.encode())
    for a in (data.train, data.labels, data.held_out, data.held_labels):
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype}{a.shape}".encode())
        h.update(memoryview(a).cast("B"))
    h.update(json.dumps(list(data.classes)).encode())
    return h.hexdigest()[:32]


def _save(clf: Classifier, path: Path) -> None:
    from safetensors.torch import save_file

    from .fileio import atomic_path
    tensors = {f"net.{k}": v.detach().cpu().contiguous() for k, v in clf.net.state_dict().items()}
    tensors.update(real_mean=torch.from_numpy(clf.real_mean), real_cov=torch.from_numpy(clf.real_cov),
                   real_shares=torch.from_numpy(np.asarray(clf.real_shares, np.float64)))
    meta = dict(classes=json.dumps(list(clf.classes)), accuracy=repr(clf.accuracy),
                real_confident=repr(clf.real_confident), fd_floor=repr(clf.fd_floor), fd_n=str(clf.fd_n),
                recipe=RECIPE)
    with atomic_path(path) as tmp:
        save_file(tensors, str(tmp), metadata=meta)


def _load(path: Path, data: Dataset, device: torch.device) -> Classifier | None:
    """The kept classifier, or None when there is none or it cannot be read (it is then trained again)."""
    from safetensors import safe_open
    try:
        with safe_open(str(path), "pt") as fh:
            meta = fh.metadata() or {}
            tensors = {k: fh.get_tensor(k) for k in fh.keys()}
        if meta.get("recipe") != RECIPE or json.loads(meta["classes"]) != list(data.classes):
            return None
        net = _net(tuple(data.train.shape[1:]), len(data.classes), torch.Generator())
        net.load_state_dict({k[4:]: v for k, v in tensors.items() if k.startswith("net.")})
        net.to(device).eval()
        return Classifier(net, tuple(data.classes), tensors["real_shares"].numpy(), float(meta["accuracy"]),
                          float(meta["real_confident"]), tensors["real_mean"].numpy(), tensors["real_cov"].numpy(),
                          float(meta["fd_floor"]), int(meta["fd_n"]))
    except FileNotFoundError:
        return None
    except Exception:  # a damaged or foreign file: train again and replace it  # noqa: BLE001
        return None


# ---------------------------------------------------------------------------------------------- fitting
_FITTED: "weakref.WeakKeyDictionary[Dataset, dict[str, Classifier | None]]" = weakref.WeakKeyDictionary()
_FITTING = threading.Lock()  # one fit at a time: a caller that needs the classifier a thread is fitting waits for it


def kept_path(data: Dataset, device: torch.device | str = "cpu") -> Path:
    """The file the data's classifier is kept in (whether or not it is there yet)."""
    device = torch.device(device)
    # the CPU's file keeps the name it always had; another kind of device trains its own bits
    name = data_key(data) + ("" if device.type == "cpu" else f"-{device.type}")
    return cache_dir() / "classifiers" / f"{name}.safetensors"


def fit(data: Dataset, cache: bool = True, device: torch.device | str = "cpu") -> Classifier | None:
    """The data's classifier on `device`, or None without labels: kept with the data, and on disk (cache=True)
    so the next process that loads the same data reads it instead of training it. Threads may call it at once
    (the training process fits it in a thread of its own while the window's first frames come): the second
    waits for the first's."""
    device = torch.device(device)
    kept = _FITTED.get(data, {})
    if str(device) in kept:
        return kept[str(device)]
    with _FITTING:
        return _fit_kept(data, cache, device)


def _fit_kept(data: Dataset, cache: bool, device: torch.device) -> Classifier | None:
    kept = _FITTED.setdefault(data, {})
    if str(device) not in kept:
        if data.labels is None or not data.classes:
            kept[str(device)] = None
        else:
            path = kept_path(data, device) if cache else None
            clf = _load(path, data, device) if path is not None else None
            if clf is None:
                clf = _fit(data, device)
                if path is not None:
                    try:
                        _save(clf, path)
                    except Exception:  # a read-only or full cache costs the next launch a retraining, nothing more  # noqa: BLE001
                        pass
            kept[str(device)] = clf
    return kept[str(device)]


def _cross_entropy(logits: torch.Tensor, y: torch.Tensor, k: int) -> torch.Tensor:
    """F.cross_entropy on the CPU (the bits every kept CPU classifier was trained with); on a GPU the same loss
    through a one-hot mask: CUDA's NLLLoss is among torch's nondeterministic operations, and a classifier trained
    twice must be the same bits on the same device, as a run is."""
    if logits.device.type == "cpu":
        return F.cross_entropy(logits, y)
    return -(F.log_softmax(logits, 1) * F.one_hot(y, k).to(logits.dtype)).sum(1).mean()


def fit_steps(n_images: int) -> int:
    return max(FIT_MIN_STEPS, math.ceil(FIT_EPOCHS * n_images / FIT_BATCH))


def _fit(data: Dataset, device: torch.device = torch.device("cpu")) -> Classifier:
    k = len(data.classes)
    repeatable(device)
    x, y = torch.from_numpy(data.train).to(device), torch.from_numpy(data.labels).to(device)
    # drawn on the CPU's generator, as on every device, then moved: the same starting weights everywhere
    net = _net(tuple(data.train.shape[1:]), k, torch.Generator().manual_seed(DATA_SEED)).to(device)
    batches = torch.Generator(device=device).manual_seed(DATA_SEED)
    opt = torch.optim.Adam(net.parameters(), lr=FIT_LR)
    for _ in range(fit_steps(len(x))):
        i = torch.randint(len(x), (FIT_BATCH,), generator=batches, device=device)
        loss = _cross_entropy(net(x[i]), y[i], k)
        opt.zero_grad()
        loss.backward()
        opt.step()
    net.eval()
    n_fd = min(N_FD, len(data.held_out))
    clf = Classifier(net, tuple(data.classes), np.bincount(data.labels, minlength=k) / len(data.labels), 0.0, 0.0,
                     np.zeros(FEATURES), np.eye(FEATURES), 0.0, n_fd)
    p, held_features = clf.read(data.held_out)
    clf.accuracy = float((p.argmax(1) == data.held_labels).mean())
    clf.real_confident = float((p.max(1) >= CONFIDENT).mean())
    reference = clf.read(data.train[:N_REFERENCE])[1]  # the pool is already a random draw of the data
    clf.real_mean, clf.real_cov = reference.mean(0), np.cov(reference, rowvar=False)
    clf.fd_floor = clf.frechet(held_features[:n_fd])
    return clf


# ---------------------------------------------------------------------------------------------- measures
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


def quality(clf: Classifier, features: np.ndarray) -> dict[str, float]:
    """fd: the Fréchet distance of G's samples (their features, clf.fd_n of them) to the training images, in
    the classifier's feature space; fd_floor: the held-out real images' own distance, the best G can hope
    for at this sample size; fd_ratio: the one over the other (1 = as close as real images)."""
    fd = clf.frechet(features[:clf.fd_n])
    return {"fd": fd, "fd_floor": clf.fd_floor, "fd_ratio": fd / max(clf.fd_floor, 1e-12)}
