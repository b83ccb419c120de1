"""dvc.yaml's deps are true: each stage lists every qae module its script imports,
transitively, so that editing one reruns every stage whose numbers it could change.

Exempt, as dvc.yaml's header says: qae/io.py (atomic writes, progress lines),
qae/params.py (validation) and qae/runner.py (runs stage processes) change no number,
and are neither required nor followed;
package __init__.py files import nothing when a module is imported (checked below).
Imports under `if TYPE_CHECKING:` never run and are not followed.
"""

import ast
from pathlib import Path

import pytest
import yaml

from tests.helpers import ROOT

EXEMPT = {
    "qae/io.py",
    "qae/params.py",
    "qae/runner.py",  # runs a stage in a forked process; tests/test_runner.py checks the same bytes come out
}


def module_file(name: str, root: Path = ROOT) -> str | None:
    """The repo-relative file of module `name` (a .py or a package's __init__.py)."""
    path = root / Path(*name.split("."))
    if (path / "__init__.py").is_file():
        return str((path / "__init__.py").relative_to(root))
    if path.with_suffix(".py").is_file():
        return str(path.with_suffix(".py").relative_to(root))
    return None


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def imported_modules(file: Path, root: Path = ROOT) -> set[str]:
    """The qae modules `file` imports, anywhere in it (a function's imports run too)."""
    tree = ast.parse(file.read_text())
    skip = _type_checking_lines(tree)
    names = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)  # `from qae.report import sweep`
    return {n for n in names if (n == "qae" or n.startswith("qae.")) and module_file(n, root)}


def closure(script: Path, root: Path = ROOT) -> set[str]:
    """Every non-exempt qae file `script` runs on import, transitively; package
    __init__.py files are left out (see `test_package_inits_import_nothing`)."""
    seen: set[str] = set()
    todo = [script]
    while todo:
        for name in imported_modules(todo.pop(), root):
            file = module_file(name, root)
            if file in seen or file in EXEMPT:
                continue
            seen.add(file)
            todo.append(root / file)
    return {f for f in seen if not f.endswith("__init__.py")}


def stages(dvc_yaml: Path = ROOT / "dvc.yaml") -> dict[str, dict]:
    """Each stage definition of dvc.yaml (a foreach/matrix stage's `do` or body)."""
    out = {}
    for name, stage in yaml.safe_load(dvc_yaml.read_text())["stages"].items():
        out[name] = stage.get("do", stage)
    return out


def script_of(stage: dict, root: Path = ROOT) -> str:
    """The stage script a `python -m stages.X ...` command runs."""
    words = stage["cmd"].split()
    assert words[:2] == ["python", "-m"], f"expected `python -m stages.X`, got {stage['cmd']!r}"
    return module_file(words[2], root)


def covered(file: str, deps: list[str]) -> bool:
    """`file` is a dep, or inside a folder that is."""
    return any(file == d or file.startswith(d.rstrip("/") + "/") for d in deps)


def templates(script: Path) -> set[str]:
    """The report templates a script renders (`render("name", ...)`)."""
    calls = [n for n in ast.walk(ast.parse(script.read_text())) if isinstance(n, ast.Call)]
    return {
        f"qae/report/templates/{c.args[0].value}.md"
        for c in calls
        if getattr(c.func, "id", None) == "render" and c.args and isinstance(c.args[0], ast.Constant)
    }


def missing_deps(stage: dict, root: Path = ROOT) -> list[str]:
    """The files a stage's script runs or reads as code (report templates) that its
    deps do not list."""
    script = script_of(stage, root)
    needed = {script} | closure(root / script, root) | templates(root / script)
    return sorted(f for f in needed if not covered(f, stage.get("deps", [])))


@pytest.mark.parametrize("name", sorted(stages()))
def test_every_stage_lists_the_qae_modules_its_script_imports(name):
    assert missing_deps(stages()[name]) == [], f"{name}: add these to its deps in dvc.yaml"


def test_a_removed_dep_is_noticed():
    stage = dict(stages()["sweep_eval"])
    stage["deps"] = [d for d in stage["deps"] if d != "qae/models.py"]
    assert missing_deps(stage) == ["qae/models.py"]


def test_the_closure_follows_imports_through_modules():
    # evaluate_codec imports qae.codec.evaluate, which imports qae.evaluate, which imports qae.images
    assert {"qae/codec/evaluate.py", "qae/evaluate.py", "qae/images.py"} <= closure(ROOT / "stages/evaluate_codec.py")


def test_exempt_modules_import_only_each_other():
    """io and params may go unlisted only if nothing they import can change a number
    without that module being listed for its own sake."""
    io_imports = {module_file(n) for n in imported_modules(ROOT / "qae/io.py")}
    assert io_imports <= EXEMPT


def test_package_inits_import_nothing():
    """Importing qae.x runs qae/__init__.py: it must not import another module of qae
    (the public API loads on first use)."""
    for init in ROOT.glob("qae/**/__init__.py"):
        tree = ast.parse(init.read_text())
        top_level_imports = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
        assert all(
            not any(a.name.startswith("qae") for a in n.names)
            and not (getattr(n, "module", "") or "").startswith("qae")
            for n in top_level_imports
        ), f"{init.relative_to(ROOT)} imports a qae module"
