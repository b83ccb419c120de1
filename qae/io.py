"""The output side of every stage: atomic files and progress lines.

Nothing here can change a number a stage computes, which is why dvc.yaml does not
list this module among the stages' deps (editing it reruns nothing).

A stage killed halfway must leave either the old file or none, never a torn one that
DVC would hash and cache, so each writer fills a temporary file in the destination's
folder and moves it into place with `os.replace`. Progress is a bar on a terminal and
at most about ten plain lines per loop in a log (`dvc repro` output, CI).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import torch

T = TypeVar("T")
LOG_LINES = 10  # plain lines per loop when stderr is not a terminal


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside `path`; move it onto `path` only on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private; outputs are ordinary files
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write `data` to `path` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write `text` (UTF-8) to `path` atomically."""
    write_bytes(path, text.encode())


def write_json(path: str | os.PathLike, obj: Any) -> None:
    """Write `obj` as indented JSON, atomically."""
    write_text(path, json.dumps(obj, indent=2) + "\n")


def write_json_records(path: str | os.PathLike, records: list[dict[str, Any]]) -> None:
    """Write a JSON array with one compact record per line, atomically: a third of the
    indented size for long per-sample tables, and still diffs line by line."""
    write_text(path, "[\n" + ",\n".join(json.dumps(r) for r in records) + "\n]\n")


def read_json(path: str | os.PathLike) -> Any:
    """Read a JSON file."""
    return json.loads(Path(path).read_text())


def save_torch(path: str | os.PathLike, obj: Any) -> None:
    """`torch.save` `obj` to `path` atomically, byte-for-byte reproducibly."""
    # torch.save names the archive inside the file after the file it writes to; a
    # buffer gives a fixed name, so equal tensors give equal bytes (and DVC hashes).
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    write_bytes(path, buffer.getvalue())


class Progress:
    """Progress of a loop of `total` steps: a tqdm bar when stderr is a terminal,
    otherwise one plain line each time another tenth is done, with `status`."""

    def __init__(self, total: int, desc: str, unit: str = "steps", enabled: bool = True) -> None:
        self.total, self.desc, self.unit = total, desc, unit
        self.done, self.start = 0, time.perf_counter()
        self._next_line = 1
        self._bar = None
        self.enabled = enabled
        if enabled and sys.stderr.isatty():
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=desc, unit=unit, leave=False, mininterval=0.5)

    def update(self, n: int = 1, **status: Any) -> None:
        """Count `n` more steps done; `status` (e.g. loss=0.1) is shown beside them."""
        self.done += n
        if not self.enabled:
            return
        shown = ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in status.items())
        if self._bar is not None:
            self._bar.update(n)
            if shown:
                self._bar.set_postfix_str(shown, refresh=False)
            return
        if self.done * LOG_LINES >= self._next_line * self.total or self.done >= self.total:
            self._next_line = self.done * LOG_LINES // max(self.total, 1) + 1
            elapsed = time.perf_counter() - self.start
            line = f"{self.desc}: {self.done}/{self.total} {self.unit}" + (f", {shown}" if shown else "")
            print(f"{line} ({elapsed:.0f} s)", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def progress(items: Iterable[T], desc: str, total: int | None = None, unit: str = "steps") -> Iterator[T]:
    """Iterate `items`, reporting progress as `Progress` does."""
    items = list(items) if total is None and not hasattr(items, "__len__") else items
    with Progress(len(items) if total is None else total, desc, unit) as bar:  # type: ignore[arg-type]
        for item in items:
            yield item
            bar.update()
