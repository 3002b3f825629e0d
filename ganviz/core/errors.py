"""Errors a user can act on. Each message is one line that names the problem and the fix.

The CLI turns these into exit status 2 (3 for divergence); the GUI into a message box.
Anything else that escapes is a bug, not a user's mistake.
"""


class GanvizError(Exception):
    """A problem with the user's input or situation; str(err) is shown as is."""


class ConfigError(GanvizError):
    """A setting is unknown, of the wrong type or out of range."""


class DataError(GanvizError):
    """A data set cannot be found, read or used."""


class DownloadError(DataError):
    """A built-in real data set is not on disk and could not be downloaded (offline, refused, or not the
    official file): nothing was kept, and the message says where to put the files by hand."""


class CheckpointError(GanvizError):
    """A saved run cannot be read (missing, corrupt, or not ours)."""


class DivergedError(GanvizError):
    """Training produced NaN or Inf."""

    def __init__(self, step: int, what: str = "losses"):
        self.step = step
        super().__init__(
            f"training diverged at step {step} (NaN/Inf in {what}); "
            "lower the learning rates (lr_d, lr_g) or try loss=ns")


class Interrupted(Exception):
    """Ctrl+C stopped training between two steps, after saving the run so far (the CLI exits 130)."""
