"""Shared test set-up. Qt runs offscreen: no display is needed, and pictures are still real."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import torch  # noqa: E402

# One torch thread, as `ganviz train` and the window's training process use: small nets run faster on
# one, and two threads slow to a crawl when the (shared, 2-core) test machine is busy.
torch.set_num_threads(1)
