"""Chapter 13's widget: three menus pick the chain's algorithms, the text follows them; a button measures speed."""

from __future__ import annotations

import pytest

from pki_lab.errors import ParameterError
from pki_lab.postquantum import SpeedRow, handshake_cost, lab_chain
from pki_lab.widgets.postquantum import chain_cost_explorer, chain_cost_html, chain_cost_lines, speed_html


def test_the_lines_give_sizes_handshake_device_and_ct():
    lines = chain_cost_lines("ML-DSA-87", "ECDSA P-256", "ECDSA P-256")
    assert lines[0].startswith("chain ML-DSA-87 -> ECDSA P-256 -> ECDSA P-256: root ")
    cost = handshake_cost(*lab_chain("ML-DSA-87", "ECDSA P-256", "ECDSA P-256").certificates)
    assert lines[1] == f"TLS 1.3: {cost!r}"
    assert any(line.startswith("LoRaWAN EU868 DR0-DR2") for line in lines)
    assert lines[-1].startswith("CT: log entry (the leaf): ")


def test_the_verdict_label_is_text_not_only_colour():
    assert "<b>FITS</b>" in chain_cost_html("ECDSA P-256", "ECDSA P-256", "ECDSA P-256")
    assert "<b>EXTRA ROUND TRIP</b>" in chain_cost_html("ML-DSA-87", "ML-DSA-87", "ML-DSA-87")


def test_an_unknown_algorithm_is_refused_before_any_widget_is_built():
    with pytest.raises(ParameterError, match="Unknown intermediate 'DSA-1024'"):
        chain_cost_explorer("ML-DSA-65", "DSA-1024", "ML-DSA-65")


def test_each_menu_changes_the_display_and_the_button_measures():
    widget = chain_cost_explorer("ECDSA P-256", "ECDSA P-256", "ECDSA P-256")
    assert repr(widget).startswith("Try it: pick the algorithm of root, intermediate and leaf")
    seen = {widget.parts["cost"].value}
    for role, algorithm in (("root", "ML-DSA-87"), ("intermediate", "RSA-3072"), ("leaf", "ML-DSA-44")):
        widget.parts[role].value = algorithm
        seen.add(widget.parts["cost"].value)
    assert len(seen) == 4
    assert "ML-DSA-87 -&gt; RSA-3072 -&gt; ML-DSA-44" in widget.parts["cost"].value
    before = widget.parts["speed"].value
    widget.parts["button"].click()
    first = widget.parts["speed"].value
    widget.parts["button"].click()
    assert before != first != widget.parts["speed"].value  # every press shows a new measurement
    assert "ML-DSA-65" in first and "measurement 2" in widget.parts["speed"].value


def test_speed_html_shows_times_and_ratios():
    rows = [SpeedRow("ECDSA P-256", 40.0, 100.0, 1.0, 1.0), SpeedRow("ML-DSA-44", 400.0, 150.0, 10.0, 1.5)]
    html = speed_html(rows)
    assert ">10.0x</td>" in html and ">1.5x</td>" in html and ">400 µs</td>" in html
