"""Fixtures for the HTML report tests: the CLI in-process against the session's loopback mock."""

from html.parser import HTMLParser

import pytest
from click.testing import CliRunner

from gigya_migrate.cli import main
from mock_gigya import defaults

SITE_ARGS = ["--api-key", defaults.DEFAULT_API_KEY, "--user-key", defaults.DEFAULT_USER_KEY,
             "--secret", defaults.DEFAULT_SECRET]


def invoke(*args):
    """``gigya-migrate ARGS`` in-process; a traceback in the output fails the test."""
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    return result


class Page(HTMLParser):
    """What a test asserts on: visible text, tables as lists of rows, and every URL the page loads."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.html, self.text_parts, self.tables, self.loads, self.tags = text, [], [], [], set()
        self._row = self._cell = None
        self.feed(text)
        self.text = " ".join(" ".join(self.text_parts).split())

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        attrs = dict(attrs)
        for name in ("src", "href", "xlink:href", "data", "action"):
            if attrs.get(name) and tag != "a":
                self.loads.append(attrs[name])
        if tag == "link" and attrs.get("href"):
            self.loads.append(attrs["href"])
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self.tables:
            self.tables[-1].append(self._row)
            self._row = None

    def handle_data(self, data):
        self.text_parts.append(data)
        if self._cell is not None:
            self._cell.append(data)

    def table_with(self, header: str) -> list[list[str]]:
        """The first table whose header row holds ``header``."""
        return next(t for t in self.tables if t and header in t[0])


@pytest.fixture
def site_args(gigya_server):
    """CLI options pointing at the session's loopback mock server (reset for the test)."""
    return ["--base-url", gigya_server.url, *SITE_ARGS]


@pytest.fixture
def cli():
    """``cli(*args)``: gigya-migrate in-process (see :func:`invoke`)."""
    return invoke


@pytest.fixture
def read_page():
    """``read_page(path)`` -> a parsed :class:`Page`."""
    return lambda path: Page(open(path, encoding="utf-8").read())
