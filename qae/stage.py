"""What every stage script shares around its `main`: a user's mistake ends the stage with
its message and exit status 1, not a traceback (`qae.errors.UserError`; a bug still shows
its traceback).

With $QAE_RECORD_IMPORTS naming a folder, a stage also writes there which qae modules it
imported, so a test can check dvc.yaml's deps against what each stage really ran
(`tests/test_pipeline.py`), including modules a registry imports by name. Nothing here
can change a number.
"""

from __future__ import annotations

import atexit
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

from qae.errors import UserError

RECORD_IMPORTS_ENV = "QAE_RECORD_IMPORTS"


def _record_imports(folder: Path) -> None:
    spec = getattr(sys.modules["__main__"], "__spec__", None)
    root = Path(__file__).resolve().parent.parent
    files = sorted(
        str(Path(m.__file__).resolve().relative_to(root))
        for name, m in list(sys.modules.items())
        if (name == "qae" or name.startswith("qae.")) and getattr(m, "__file__", None)
    )
    record = {"module": spec.name if spec else None, "args": sys.argv[1:], "files": files}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{os.getpid()}.json").write_text(json.dumps(record))


def run(main: Callable[[], None]) -> None:
    """Run a stage's `main` after validating params.yaml (when the working directory has
    one), so a bad value fails before any work, even one a command line carries (`--bits
    ${item.bits}`); a `UserError` becomes one message on stderr and exit status 1."""
    if folder := os.environ.get(RECORD_IMPORTS_ENV):
        atexit.register(_record_imports, Path(folder))
    try:
        if Path("params.yaml").is_file():
            from qae.params import load_params  # loads torch and the studies: only where there are params

            load_params()
        main()
    except UserError as e:
        spec = getattr(sys.modules["__main__"], "__spec__", None)
        name = spec.name.removeprefix("stages.") if spec else Path(sys.argv[0]).stem
        print(f"{name}: {e}", file=sys.stderr)
        sys.exit(1)
