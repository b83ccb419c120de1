"""The pipeline's stages: one short script per DVC stage, run as `python -m stages.<name>`.

Importing this package does nothing, but in one case: when `python -m stages.<name>` is
starting (the interpreter imports the package first, with sys.argv[0] still "-m") and
$QAE_RUNNER names a runner's socket (`python -m qae.runner dvc repro` sets it), the stage
is handed to the runner, which runs it in a child of a process that has already imported
torch and the other heavy packages, and this process exits as that child did
(qae/runner.py). If the runner cannot take it, the stage runs here as usual.
"""

import os
import sys

if sys.argv[:1] == ["-m"] and os.environ.get("QAE_RUNNER"):
    from qae.runner import client

    client()
