"""The package's front door: lazy names, and no name shadowed by a submodule of the same name."""

from .conftest import run_python


def test_describe_stays_the_function_after_its_module_is_imported():
    code = (
        "import pki_lab.describe\n"
        "from pki_lab.describe import thumbprint\n"
        "from pki_lab import describe, demo_hierarchy\n"
        "print(callable(describe), describe(demo_hierarchy().leaf).value('Version'))\n"
    )
    assert run_python(code).split() == ["True", "v3"]


def test_import_is_lazy_about_heavy_libraries():
    code = (
        "import sys, pki_lab\n"
        "print(sorted(m for m in ('matplotlib', 'networkx', 'ipywidgets') if m in sys.modules))\n"
    )
    assert run_python(code).strip() == "[]"
