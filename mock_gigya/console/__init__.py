"""The mock's web console at ``/__mock__/ui`` of ``mock-gigya serve``: look inside a rehearsal.

Sites; accounts searched with the Gigya query language; an account's profile, data, login IDs and
password algorithm (re-hashed or not; the hash only when asked); the audit log with filters; fault
toggles; reset and seed behind a confirmation. Plain HTML served by the mock itself (no script, no
network), behind the control plane's access rule (:mod:`mock_gigya.access`). See :mod:`.app` for
the guards and :mod:`.pages` for what each page shows.
"""

from mock_gigya.console.app import CONSOLE_PATH, Console

__all__ = ["CONSOLE_PATH", "Console"]
