"""``gigya-migrate deletions --listen``: the CLI side of :mod:`gigya_migrate.flows.deletion_webhooks`.

Parses the address, checks the secret, runs the listener until Ctrl+C or SIGTERM, then prints the
counts (exit 130, like every interrupted command). No commands are registered here: ``deletions``
in :mod:`gigya_migrate.commands.site_jobs` calls :func:`listen_for_deletions`.
"""

from __future__ import annotations

import binascii
import base64
import signal
import threading
from typing import Any

import click

__all__ = ["listen_for_deletions", "parse_address", "refuse_remote_outputs"]


def parse_address(address: str) -> tuple[str, int]:
    """``HOST:PORT``, ``:PORT`` or ``PORT`` -> (host, port); the host defaults to 127.0.0.1."""
    host, sep, port = address.strip().rpartition(":")
    host = host.strip("[]") if sep else ""
    try:
        number = int(port)
    except ValueError:
        number = -1
    if not 0 <= number <= 65535:
        raise click.BadParameter(f"expected [HOST]:PORT such as 127.0.0.1:8099, got {address!r}", param_hint="'--listen'")
    return host or "127.0.0.1", number


def refuse_remote_outputs(outputs: Any) -> None:
    """A listener acknowledges each deletion once it is on disk; an sftp:// or s3:// --out is uploaded only
    when a command ends, so a crash in between would lose acknowledged deletions: refused (exit 2)."""
    from gigya_migrate.transports import is_remote

    remote = [str(o) for o in outputs if is_remote(o)]
    if remote:
        raise click.BadParameter(f"--listen writes local files only ({remote[0]} would be uploaded only at the end); "
                                 "use a local --out and ship it separately, or --post", param_hint="'--out'")


def _check_secret(secret: str | None) -> None:
    if secret is None:
        return
    try:
        base64.b64decode(secret, validate=True)
    except (binascii.Error, ValueError):
        raise click.BadParameter("the webhook secret is not base64 (Gigya secrets are); not shown",
                                 param_hint="'--webhook-secret'") from None


def listen_for_deletions(site: Any, downstream: Any, state: Any, *, job: str, address: str, secret: str | None,
                         max_age: int, retry_every: float, report_path: Any = None) -> None:
    """Receive accountDeleted webhooks for ``site`` on ``address`` and settle them ``downstream``; at the
    end write the counts to ``report_path`` (JSON) and stderr."""
    from gigya_migrate.flows.deletion_webhooks import DeletionWebhooks, WebhookOptions, serve

    host, port = parse_address(address)
    _check_secret(secret)

    def jwks() -> dict:
        return site.client().call("accounts.getJWTPublicKey", V2=True)

    receiver = DeletionWebhooks(downstream, state, WebhookOptions(api_key=site.api_key, job=job, secret=secret,
                                                                   jwks=jwks, max_age=max_age))
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def ready(url: str) -> None:
        click.echo(f"listening for Gigya webhooks of {site.api_key} on {url} (Ctrl+C to stop)", err=True)

    try:
        serve(receiver, host, port, retry_every=retry_every, ready=ready, stop=stop)
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    finally:
        signal.signal(signal.SIGTERM, previous)
        downstream.close()
    if report_path is not None:
        from dataclasses import asdict

        from gigya_migrate.flows.state import utc_now_iso, write_json_atomic

        write_json_atomic(report_path, {**asdict(receiver.report), "job": job, "finishedAt": utc_now_iso()})
    click.echo(receiver.report.summary(), err=True)
    raise click.exceptions.Exit(130)
