"""The package's dependency rules (docs/architecture.md), checked on the source itself.

The layers contract in ``.importlinter`` is run by ``make lint``; these tests keep it honest: every module stands
in a layer, no module imports another module's private names, and no function hides an import of a ``pki_lab``
module (a function-level import is how a cycle or an upward dependency hides from a linter). Heavy third-party
libraries (matplotlib, networkx, ipywidgets, IPython, certifi) may still be imported inside the functions that
draw or display, so that ``import pki_lab`` stays fast.
"""

from __future__ import annotations

import ast
import configparser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "pki_lab"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _layers() -> list[str]:
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    text = config["importlinter:contract:layers"]["layers"]
    names = []
    for line in text.strip().splitlines():
        names += [n.strip() for n in line.replace("|", ":").split(":") if n.strip()]
    return names


def _imports(path: Path, module: str):
    """(node, absolute target module or None, imported names) for every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            yield node, target, [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield node, alias.name, []


def test_every_module_stands_in_a_layer_of_the_contract():
    layers = _layers()
    assert all(name in MODULES for name in layers), [n for n in layers if n not in MODULES]

    def covered(module: str) -> bool:
        if module == "pki_lab" or any(module == lay or module.startswith(lay + ".") for lay in layers):
            return True
        # A package's front door (its __init__), when every module inside it stands in a layer.
        inside = [m for m in MODULES if m.startswith(module + ".")]
        return bool(inside) and all(covered(m) for m in inside)

    missing = [m for m in MODULES if not covered(m)]
    assert not missing, f"add these modules to a layer in .importlinter: {missing}"


def test_no_module_imports_another_modules_private_names():
    found = []
    for module, path in MODULES.items():
        for node, target, names in _imports(path, module):
            if not target.startswith("pki_lab") or target == module:
                continue
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            # `from . import _ipython`: the package's own private submodule is not another module's private name.
            if private and not (target == module.rpartition(".")[0] and all(f"{target}.{n}" in MODULES
                                                                              for n in private)):
                found.append(f"{module}:{node.lineno} imports {private} from {target}")
    assert not found, found


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_function_level_import_of_a_pki_lab_module(module):
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    hidden = []
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(fn):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("pki_lab")):
                hidden.append(f"line {node.lineno} in {fn.name}()")
            elif isinstance(node, ast.Import) and any(a.name.startswith("pki_lab") for a in node.names):
                hidden.append(f"line {node.lineno} in {fn.name}()")
    assert not hidden, f"{module}: import at module level (or break the cycle it dodges): {hidden}"
