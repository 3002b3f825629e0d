"""Where a population's tensors live: the `device` setting resolved once per population.

    auto   CUDA when this machine has a CUDA GPU, else Apple's MPS, else the CPU
    cpu    the CPU (what every test runs)
    cuda   an NVIDIA GPU, or ConfigError in one line when there is none
    mps    an Apple GPU, or the same

Everything of a population lives there: the data pool, G's and D's stacked weights, the optimiser's
moments, each run's generators, the noise, the evaluation's samples and the pictures' forward passes.
Numbers come to the host only at the frame and evaluation cadence, and states (sessions, the timeline)
are kept as CPU tensors. A CUDA generator draws another stream than a CPU one: the same command on the
same machine and device gives the same bits, another device gives another run of the same settings.

`upload` turns numbers the host knows (per-run columns, masks) into device tensors without waiting for
the device: a plain copy of pageable memory to a CUDA device first waits for every kernel queued
before it (CUDA's "API synchronization behavior"), which would hold the host once per step.
"""
from __future__ import annotations

import torch

from .errors import ConfigError


def _torch_version() -> str:
    return ".".join(torch.__version__.split("+")[0].split(".")[:2])


def cuda_available() -> bool:
    return torch.cuda.is_available()


def mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return mps is not None and mps.is_available()


def resolve_device(name: str) -> torch.device:
    """The torch.device for the setting `name` (auto, cpu, cuda, mps), or ConfigError in one line when this
    machine has no such device. Only asks torch what is there: no tensor is made, no GPU memory taken."""
    if name == "auto":
        return torch.device("cuda") if cuda_available() else torch.device("mps") if mps_available() \
            else torch.device("cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "cuda":
        if not cuda_available():
            built = f"torch {_torch_version()} built for CPU" if torch.version.cuda is None else \
                f"torch {_torch_version()} built for CUDA {torch.version.cuda} finds none"
            raise ConfigError(f"device=cuda was asked for but this machine has no CUDA GPU ({built}); "
                              "use device=cpu or auto")
        return torch.device("cuda")
    if name == "mps":
        if not mps_available():
            mps = getattr(torch.backends, "mps", None)
            built = f"torch {_torch_version()} built without MPS" if mps is None or not mps.is_built() else \
                f"torch {_torch_version()} finds no Apple GPU"
            raise ConfigError(f"device=mps was asked for but this machine has no Apple GPU ({built}); "
                              "use device=cpu or auto")
        return torch.device("mps")
    raise ConfigError(f"device must be one of auto, cpu, cuda, mps; got '{name}'")


# glibc's malloc (Linux) hands a tensor over 128 KiB back to the kernel when it is freed, and the next step's
# tensor of that size page-faults its memory in again (4 ring8 runs: ~300 faults a step; 4 figure1 runs ~1,300,
# a third of the step in the kernel on a KVM machine). Kept instead: blocks up to 32 MiB come from the heap, and
# the heap keeps up to 256 MiB of freed memory for the next step (docs/performance.md).
MMAP_THRESHOLD = 32 << 20
TRIM_THRESHOLD = 256 << 20
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt's parameters (glibc's malloc.h)


def training_process(threads: int = 1) -> None:
    """What a process that trains sets once: torch's CPU threads, and (on glibc) an allocator that keeps freed
    memory for the next step instead of returning it to the kernel. Every command that trains calls it, and the
    window's training process and a sweep's workers."""
    torch.set_num_threads(max(1, threads))
    import ctypes
    import ctypes.util
    import sys
    if not sys.platform.startswith("linux"):
        return  # macOS's and Windows' allocators keep freed memory for reuse by themselves
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):  # musl (no mallopt), or no C library found: nothing to tune
        return
    mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)


def repeatable(device: torch.device) -> None:
    """What keeps a device's results the same bits run after run. CUDA: cuDNN's deterministic convolution
    algorithms, chosen without benchmarking (its fastest backward filters add with atomics, in no fixed
    order); the rest of a step (cuBLAS on one stream, reductions, elementwise ops) repeats as it is. Global to
    the process, as cuDNN's flags are: a process trains populations only. The CPU and MPS need nothing."""
    if device.type == "cuda":
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False


def describe(device: torch.device) -> str:
    """The device as the status bar and `ganviz bench` name it: 'cpu', 'cuda (NVIDIA H200)', 'mps (Apple GPU)'."""
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    if device.type == "mps":
        return "mps (Apple GPU)"
    return device.type


def upload(values, device: torch.device, dtype: torch.dtype | None = None) -> torch.Tensor:
    """Host numbers (a CPU tensor, or what torch.tensor takes) as a tensor on `device`. On CUDA through pinned
    memory and a non-blocking copy: the host does not wait for the kernels queued before it, and torch's
    caching host allocator keeps the pinned source alive until the copy has run. The CPU: as torch.tensor."""
    t = values if isinstance(values, torch.Tensor) else torch.tensor(values, dtype=dtype)
    if device.type == "cpu":
        return t
    if device.type == "cuda":
        return t.pin_memory().to(device, non_blocking=True)
    return t.to(device)


def host(t: torch.Tensor) -> torch.Tensor:
    """A CPU copy of t, its own storage whatever device t is on (states kept on disk and in the timeline)."""
    return t.detach().to("cpu", copy=True)


def synchronize(device: torch.device) -> None:
    """Wait for the device's queued work (timing only: training never needs it)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()
