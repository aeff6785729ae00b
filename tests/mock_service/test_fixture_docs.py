"""The README's pytest-fixture table (issue 14) states each method's real signature, and both fixtures
have every method it lists; examples/test_gigya_fixtures.py (run by CI) shows them in use."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from mock_gigya.backend import AccountsView
from mock_gigya.faults import FaultInjector
from mock_gigya.inprocess import MockGigya
from mock_gigya.receiver import WebhookReceiver
from mock_gigya.server import MockServer

REPO = Path(__file__).resolve().parents[2]
SECTION = (REPO / "README.md").read_text(encoding="utf-8").split("### pytest fixtures", 1)[1].split("\n## ", 1)[0]
DOCUMENTED = re.findall(r"`\.?([a-z_]+)(\([^`]*\))`", SECTION)


def _plain(function) -> str:
    """The signature as the README writes it: no annotations, no ``self``."""
    signature = inspect.signature(function)
    parameters = [p.replace(annotation=inspect.Parameter.empty) for n, p in signature.parameters.items() if n != "self"]
    return str(signature.replace(parameters=parameters, return_annotation=inspect.Signature.empty))


CONTROL = ("add_site", "add_app_key", "seed", "seed_account", "accounts", "set_policies", "reset", "state",
           "emails", "last_email", "webhook_deliveries", "wait_for_webhooks", "webhook_retry_scale")


def _owner(name: str):
    """The class a documented name belongs to: the accounts view, the fixture itself, or its faults."""
    if name in ("find", "all", "count"):
        return AccountsView
    if name in ("events", "wait_for", "fail_next", "hold", "release"):
        return WebhookReceiver  # the gigya_webhook_receiver fixture
    return MockGigya if name in CONTROL else FaultInjector


def test_the_table_lists_the_methods_the_issue_asks_for():
    names = {name for name, _ in DOCUMENTED}
    assert {"seed", "add_site", "find", "reset", "rate_limit", "script", "configure"} <= names
    assert "seed(api_key, count, **options)" in SECTION and "examples/test_gigya_fixtures.py" in SECTION


@pytest.mark.parametrize("name, written", DOCUMENTED, ids=[n for n, _ in DOCUMENTED])
def test_each_documented_signature_is_the_real_one(name, written):
    if name == "state" and written == "()":  # both the control's and the faults' state() take nothing
        assert _plain(MockGigya.state) == _plain(FaultInjector.state) == "()"
        return
    assert _plain(getattr(_owner(name), name)) == written


@pytest.mark.parametrize("fixture_class", [MockGigya, MockServer])
def test_both_fixtures_offer_every_control_method(fixture_class):
    for name in CONTROL:
        assert callable(getattr(fixture_class, name)), name
