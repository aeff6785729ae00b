"""pytest plugin (entry point ``gigya_mock``): fixtures for testing against the mock Gigya.

Loaded in every pytest session of an environment where gigya-migrate is installed, so it must
import cheaply and never fail: it imports nothing of the mock until a fixture is used.

Fixtures:

- ``gigya_mock``: an in-process mock (``mock_gigya.inprocess.MockGigya``), started for the test:
  ``requests`` calls to any ``*.gigya.com`` host are answered by the mock::

      def test_signup_syncs_to_gigya(gigya_mock):
          gigya_mock.add_site("3_test", user_key="AK", secret="c2VjcmV0")
          my_app.register("ada@example.com")
          assert gigya_mock.accounts("3_test").find(email="ada@example.com")

- ``gigya_server``: a real loopback HTTP server on a free port (``mock_gigya.server.MockServer``),
  shared by the session and reset before each test; point your code at ``gigya_server.url``.

Both carry the default site and key of ``mock_gigya.defaults`` and the control helpers
(``add_site``, ``add_app_key``, ``set_policies``, ``seed``, ``accounts``, ``faults``, ``state``).

For application flows (sign-up, email verification, password reset, webhooks) they also offer:

- ``emails(api_key=None, to=..., type=...)`` / ``last_email(to, type=...)``: the mails the mock
  "sent" instead of mailing them: ``{"type": "emailVerification" | "passwordReset", "to", "UID",
  "link", "token", ...}``. ``token`` is the ``vToken`` to pass to ``accounts.verifyEmail`` (or open
  ``link``), or the ``passwordResetToken`` to pass back to ``accounts.resetPassword``;
- ``webhook_deliveries(event=None)``: every webhook POST attempted (``url``, ``body``, ``headers``
  with ``X-Gigya-Sig-Hmac-Sha1`` / ``X-Gigya-Sig-JWT``, ``status``, ``attempt``);
  ``wait_for_webhooks(timeout)`` waits for the background sender to finish;
  ``webhook_retry_scale(0.001)`` shortens Gigya's one-hour resend schedule.

- ``gigya_webhook_receiver``: a loopback endpoint (``mock_gigya.receiver.WebhookReceiver``) to give
  ``accounts.webhooks.set`` as ``url``: ``.received``, ``.events(type)``, ``.wait_for(n)``,
  ``.fail_next(n, status)``.

A whole journey, sign-up to deletion, is ``tests/mock_service/test_app_journey_example.py``::

    def test_journey(gigya_mock):
        token = gigya("accounts.initRegistration")["regToken"]
        gigya("accounts.register", regToken=token, email="ada@example.com", password=PW, finalizeRegistration=True)
        mail = gigya_mock.last_email("ada@example.com", type="emailVerification")
        gigya("accounts.verifyEmail", vToken=mail["token"])
        ...
"""

import pytest

__all__ = ["gigya_mock", "gigya_server", "gigya_webhook_receiver"]


@pytest.fixture
def gigya_mock():
    """An in-process mock Gigya intercepting ``requests`` for the duration of the test."""
    from mock_gigya.inprocess import mock_gigya

    with mock_gigya() as mock:
        yield mock


@pytest.fixture(scope="session")
def _gigya_server_session():
    from mock_gigya.server import MockServer

    with MockServer() as server:
        yield server


@pytest.fixture
def gigya_server(_gigya_server_session):
    """A real mock-gigya HTTP server on 127.0.0.1 (free port), reset to a clean state for the test."""
    _gigya_server_session.reset()
    yield _gigya_server_session
    _gigya_server_session.faults.clear()


@pytest.fixture
def gigya_webhook_receiver():
    """A loopback HTTP endpoint recording webhook notifications (``.url``, ``.received``, ``.events()``)."""
    from mock_gigya.receiver import WebhookReceiver

    with WebhookReceiver() as receiver:
        yield receiver
