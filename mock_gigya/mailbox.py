"""The emails the mock "sends": email-verification and password-reset messages, kept for tests to read.

Real Gigya mails a link; the mock stores the message instead, so an application test can read the
link or token the user would have clicked (``MockControl.emails`` / ``last_email``, the
``GET /__mock__/emails`` control action, the pytest fixtures). Nothing leaves the machine.

A message is a dict: ``{"type": "emailVerification" | "passwordReset", "apiKey", "UID", "to",
"sentAt", "link", "token"}`` (``token`` is the ``vToken`` or the ``passwordResetToken``). The link
shapes are the mock's choice (I): Gigya's templates are configured per site and not published.
"""

from __future__ import annotations

import secrets
from typing import Any

__all__ = ["KIND", "messages", "send"]

KIND = "mail"
"""Token kind under which messages are stored (see ``Store.put_token``)."""


def send(backend: Any, api_key: str, uid: str, to: str, mail_type: str, token: str, link: str) -> dict:
    """Store one outgoing message and return it."""
    from mock_gigya.backend import iso

    message = {"type": mail_type, "apiKey": api_key, "UID": uid, "to": to, "sentAt": iso(backend.now_ms()),
               "link": link, "token": token}
    backend.store.put_token(KIND, secrets.token_hex(8), api_key, message, uid=uid)
    return message


def messages(backend: Any, *, api_key: str | None = None, to: str | None = None,
             mail_type: str | None = None) -> list[dict]:
    """Messages sent so far, oldest first, optionally only those of a site, recipient or type."""
    found = [t["doc"] for t in backend.store.list_tokens(KIND, api_key=api_key)]
    if to is not None:
        found = [m for m in found if m["to"].lower() == to.strip().lower()]
    if mail_type is not None:
        found = [m for m in found if m["type"] == mail_type]
    return found
