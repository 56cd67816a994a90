"""In IPython, a PkiLabError shows as its sentence, other errors keep their traceback."""

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
