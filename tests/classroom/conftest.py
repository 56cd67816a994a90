"""The classroom's tests with real nbgrader (``make classroom-test``)."""

from __future__ import annotations


def pytest_configure(config):
    config.addinivalue_line("markers", "classroom: the nbgrader end-to-end test (make classroom-test; skips without "
                                       "nbgrader unless PKI_LAB_REQUIRE_CLASSROOM=1)")
