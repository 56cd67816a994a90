"""In IPython, a PkiLabError shows as its sentence, other errors keep their traceback; a NameError gets advice."""

import pytest

from pki_lab._ipython import name_error_advice, raised_in_cell

from .conftest import run_python

SCRIPT = r'''
from IPython.testing.globalipapp import start_ipython
shell = start_ipython()
shell.run_cell("import pki_lab")
shell.run_cell("pki_lab.load_certificate(b'')")
print("=====")
shell.run_cell("1/0")
'''


def test_lab_errors_are_short_and_other_errors_are_not():
    out = run_python(SCRIPT)
    lab, other = out.split("=====")
    assert "PKI Lab shows its own errors in short" in lab
    assert "MalformedInputError: The input is empty." in lab
    assert "loading.py" not in lab  # no frames from deep inside the package
    assert "ZeroDivisionError" in other and "PKI Lab" not in other


# --- A NameError from the notebook's own code (cells run out of order) gets one line of advice. ----------------

ADVICE = ("The name 'leaf' is not defined yet. If a cell above defines or imports it, run the cells above this one "
          "(Run > Run All Above Selected Cell) or the whole notebook (Run > Run All Cells); "
          "if no cell does, check its spelling.")


def test_the_advice_names_the_missing_name_and_how_to_run_the_cells_above():
    assert name_error_advice(NameError("name 'leaf' is not defined", name="leaf"), raised_in_cell=True) == ADVICE
    assert name_error_advice(NameError("no name attribute"), True).startswith("That name is not defined yet. ")


@pytest.mark.parametrize("error, in_cell", [
    (NameError("name 'leaf' is not defined", name="leaf"), False),  # raised inside a library
    (UnboundLocalError("cannot access local variable 'x'"), True),  # running cells above would not help
    (KeyError("leaf"), True),
])
def test_no_advice_where_running_the_cells_above_is_not_the_cure(error, in_cell):
    assert name_error_advice(error, in_cell) is None


def _traceback_of(code: str, filename: str):
    try:
        exec(compile(code, filename, "exec"), {})
    except NameError as error:
        return error.__traceback__
    raise AssertionError("no NameError")


def test_raised_in_cell_looks_at_the_innermost_frame():
    cell = "/tmp/ipykernel_1/123.py"
    assert raised_in_cell(_traceback_of("leaf", cell), {cell})
    assert not raised_in_cell(_traceback_of("leaf", "/usr/lib/python3/somewhere.py"), {cell})
    inner = _traceback_of("def f():\n    return leaf\nf()", "/site-packages/lib.py")
    assert not raised_in_cell(inner, {cell})
    assert not raised_in_cell(None, {cell})


SCRIPT_NAME_ERRORS = r'''
import pathlib, sys, tempfile
from IPython.testing.globalipapp import start_ipython
folder = tempfile.mkdtemp()
pathlib.Path(folder, "libmod.py").write_text("def g():\n    return nope\n")
sys.path.insert(0, folder)
shell = start_ipython()
shell.run_cell("import pki_lab")
shell.run_cell("x = 1\nleaf")
print("=====")
shell.run_cell("import libmod\nlibmod.g()")
print("=====")
shell.run_cell("def f():\n    y = 1\n    del y\n    return y\nf()")
print("=====")
shell.run_cell("%tb")
'''


def test_in_ipython_a_cell_name_error_keeps_its_traceback_and_gets_the_advice():
    cell, library, unbound, tb = run_python(SCRIPT_NAME_ERRORS).split("=====")
    assert "NameError: name 'leaf' is not defined" in cell
    assert cell.rstrip().endswith(ADVICE)
    assert "----> 2 leaf" in cell  # the normal traceback, with the line that failed
    assert "NameError: name 'nope' is not defined" in library and "libmod.py" in library
    assert "is not defined yet" not in library  # a library's NameError: shown as IPython shows it
    assert "UnboundLocalError" in unbound and "is not defined yet" not in unbound
    assert "UnboundLocalError" in tb  # %tb still shows the last error


def test_cell_files_are_known_from_the_compiler_or_by_the_old_ipython_name():
    from types import SimpleNamespace

    from pki_lab._ipython import _cell_files

    files = _cell_files(SimpleNamespace(compile=SimpleNamespace(_filename_map={"/tmp/ipykernel_1/9.py": 3})))
    assert "/tmp/ipykernel_1/9.py" in files and "<ipython-input-4-abc>" in files
    assert "/usr/lib/python3.11/json/decoder.py" not in files and None not in files
    assert "/tmp/ipykernel_1/9.py" not in _cell_files(SimpleNamespace())  # no compiler map: only the old names
