"""Fixtures for the reliability tests: CLI options for the session's loopback mock server."""

import pytest

from mock_gigya import defaults

SITE_ARGS = ["--api-key", defaults.DEFAULT_API_KEY, "--user-key", defaults.DEFAULT_USER_KEY,
             "--secret", defaults.DEFAULT_SECRET]


@pytest.fixture
def site_args(gigya_server):
    """CLI options pointing at the session's loopback mock server (reset for the test)."""
    return ["--base-url", gigya_server.url, *SITE_ARGS]
