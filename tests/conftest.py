"""Shared test set-up. Qt runs offscreen: no display is needed, and pictures are still real."""
import os
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# What ganviz keeps on disk (trained classifiers) goes to a folder of this test session's, never the user's
# cache; one folder for the session, so each data set's classifier is trained once (subprocesses inherit it).
os.environ["GANVIZ_CACHE"] = tempfile.mkdtemp(prefix="ganviz-test-cache-")

import torch  # noqa: E402

# One torch thread, as `ganviz train` and the window's training process use: small nets run faster on
# one, and two threads slow to a crawl when the (shared, 2-core) test machine is busy.
torch.set_num_threads(1)
