"""Shared test set-up. Qt runs offscreen: no display is needed, and pictures are still real."""
import os
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# What ganviz keeps on disk (trained classifiers) goes to a folder of this test session's, never the user's
# cache; one folder for the session, so each data set's classifier is trained once (subprocesses inherit it).
os.environ["GANVIZ_CACHE"] = tempfile.mkdtemp(prefix="ganviz-test-cache-")

import pytest  # noqa: E402
import torch  # noqa: E402

# One torch thread, as `ganviz train` and the window's training process use: small nets run faster on
# one, and two threads slow to a crawl when the (shared, 2-core) test machine is busy.
torch.set_num_threads(1)


@pytest.fixture(autouse=True, scope="session")
def _no_real_data_sets(tmp_path_factory):
    """No test reads the user's download cache or the system's data sets, or reaches the internet: MNIST and
    Fashion-MNIST (core/datasets.py) are looked for in empty folders and their mirrors are a closed port.
    Environment variables, so the command line run in a subprocess sees them too."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GANVIZ_DATA", str(tmp_path_factory.mktemp("ganviz-data")))
        mp.setenv("GANVIZ_SYSTEM_DATA", str(tmp_path_factory.mktemp("system-datasets")))
        mp.setenv("GANVIZ_MIRRORS", "http://127.0.0.1:1/{name}/")  # port 1: nothing listens, refused at once
        yield
