"""Every control-plane path the docs name (README, SERVICE.md, SUPPORTED.md) is one the control plane
answers: a user copying `POST /__mock__/site` from the docs got 'no control action'."""

import re
from pathlib import Path

from mock_gigya import control

REPO = Path(__file__).resolve().parents[2]
DOCS = [REPO / "README.md", REPO / "mock_gigya" / "SERVICE.md", REPO / "mock_gigya" / "SUPPORTED.md"]
_NAMED = re.compile(r"\b(GET|POST|DELETE)(?:\|[A-Z]+)*\s+/__mock__/([a-z_]+)\b")


def test_documented_control_paths_exist():
    routes = {action for _, action in control._ROUTES}
    named = {(doc.name, action) for doc in DOCS for _, action in _NAMED.findall(doc.read_text(encoding="utf-8"))}
    assert named, "the docs name no control-plane call: the pattern no longer matches them"
    assert sorted((doc, action) for doc, action in named if action not in routes) == []
