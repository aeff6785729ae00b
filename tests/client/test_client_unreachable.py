"""A site that cannot be reached is said plainly: which address, and what to check."""

import pytest

from gigya_migrate.client import GigyaClient
from gigya_migrate.errors import GigyaConnectionError


def test_unreachable_loopback_points_at_the_mock():
    # Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    client = GigyaClient("3_k", user_key="uk", secret="c2VjcmV0", base_url="http://127.0.0.1:9", max_retries=0)
    with pytest.raises(GigyaConnectionError) as caught:
        client.call("accounts.search", query="SELECT * FROM accounts")
    error = caught.value
    assert error.maybe_applied is False
    assert "cannot connect to http://127.0.0.1:9: nothing answers there" in str(error)
    assert "mock-gigya serve" in str(error)
    assert "c2VjcmV0" not in str(error)


def test_a_refused_loopback_connection_is_not_retried():
    sleeps = []
    client = GigyaClient("3_k", user_key="uk", secret="c2VjcmV0", base_url="http://127.0.0.1:9", max_retries=5,
                         sleep=sleeps.append)
    with pytest.raises(GigyaConnectionError):
        client.call("accounts.search", query="SELECT * FROM accounts")
    assert sleeps == []  # failed at once: no backoff waits for a server that is not running
