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


def test_every_module_imports_and_a_chapter_runs_without_jupyter():
    """A plain install (Colab's own kernel, a script, the CLI) has no Jupyter server, kernel or notebook tooling:
    every pki_lab module imports, and a certificate, a widget and a figure are made, with those blocked."""
    code = (
        "import importlib, io, pkgutil, sys\n"
        "BLOCKED = {'jupyter_server', 'jupyterlab', 'jupyterlab_server', 'notebook', 'ipykernel', 'nbconvert',\n"
        "           'nbformat', 'nbclient', 'jupyter_client'}\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in BLOCKED:\n"
        "            raise ModuleNotFoundError(f'{name} is blocked', name=name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import matplotlib\n"
        "matplotlib.use('Agg')\n"
        "import pki_lab\n"
        "names = [m.name for m in pkgutil.walk_packages(pki_lab.__path__, 'pki_lab.')\n"
        "         if not m.name.endswith('.__main__')]  # command lines, which run when imported\n"
        "for name in names:\n"
        "    importlib.import_module(name)\n"
        "from pki_lab import demo_hierarchy, describe\n"
        "from pki_lab.widgets import validity_explorer\n"
        "leaf = demo_hierarchy().leaf\n"
        "widget = validity_explorer(leaf)\n"
        "import matplotlib.pyplot as plt\n"
        "from pki_lab import truststore\n"
        "truststore.plot_validity([leaf])\n"
        "buffer = io.BytesIO()\n"
        "plt.gcf().savefig(buffer, format='png')\n"
        "print(len(names) > 50, describe(leaf).value('Version'), type(widget).__name__,\n"
        "      buffer.getvalue()[:4] == b'\\x89PNG', sorted(m for m in sys.modules if m.split('.')[0] in BLOCKED))\n"
    )
    assert run_python(code).split() == ["True", "v3", "TryIt", "True", "[]"]
