"""``mock-gigya state|reset|seed|fault``: drive a running server's ``/__mock__/`` control plane.

For rehearsals: while ``gigya-migrate import`` runs against ``mock-gigya serve``, another terminal
can inject rate limits or dropped connections and watch the job ride them out.
"""

from __future__ import annotations

import json
from typing import Any

import click

from mock_gigya import defaults
from mock_gigya.access import ENV_VAR as CONTROL_TOKEN_ENV, HEADER_NAME

__all__ = ["COMMANDS", "ControlClient"]


class ControlClient:
    """A tiny JSON client for one server's control plane (``token``: the server's control token)."""

    def __init__(self, url: str, timeout: float = 30.0, token: str | None = None) -> None:
        self.url, self.timeout, self._token = url.rstrip("/"), timeout, token

    def __repr__(self) -> str:  # never the token
        return f"ControlClient({self.url!r})"

    def call(self, verb: str, action: str, payload: dict | None = None) -> dict:
        """``verb /__mock__/<action>``; raises ``click.ClickException`` on refusal or no server."""
        import requests

        try:
            response = requests.request(verb, f"{self.url}/__mock__/{action}", json=payload, timeout=self.timeout,
                                        headers={HEADER_NAME: self._token} if self._token else None)
        except requests.RequestException as exc:
            raise click.ClickException(f"no mock-gigya server at {self.url}: {type(exc).__name__}") from None
        try:
            body = response.json()
        except ValueError:
            raise click.ClickException(f"{self.url} is not a mock-gigya server (HTTP {response.status_code})") from None
        if response.status_code == 401:
            raise click.ClickException(f"{self.url} refused the control token: give the one `mock-gigya serve` "
                                       f"printed with --control-token or {CONTROL_TOKEN_ENV}")
        if response.status_code != 200:
            raise click.ClickException(body.get("error") or f"HTTP {response.status_code}")
        return body


def _url_option(command: Any) -> Any:
    """``--url`` and ``--control-token`` (the latter needed when the server listens beyond loopback)."""
    command = click.option("--control-token", envvar=CONTROL_TOKEN_ENV, default=None,
                           help=f"The server's control token (printed by `mock-gigya serve`). Env: {CONTROL_TOKEN_ENV}.")(command)
    return click.option("--url", default=defaults.DEFAULT_URL, show_default=True, envvar="MOCK_GIGYA_URL",
                        help="Address of the running mock-gigya server.")(command)


def _echo(body: dict) -> None:
    click.echo(json.dumps(body, indent=2, ensure_ascii=False))


@click.command()
@_url_option
def state(url: str, control_token: str | None) -> None:
    """Print the server's sites (account counts), app keys (no secrets) and faults.

    Example: mock-gigya state --url http://127.0.0.1:8080
    """
    _echo(ControlClient(url, token=control_token).call("GET", "state"))


@click.command()
@_url_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def reset(url: str, yes: bool, control_token: str | None) -> None:
    """Wipe the server's data, then re-create its start-up sites and keys.

    Example: mock-gigya reset --yes
    """
    client = ControlClient(url, token=control_token)
    client.call("GET", "state")  # no server there: say so before asking to wipe it
    if not yes:
        click.confirm(f"Wipe every account, site and fault of the mock at {url}?", abort=True)
    client.call("POST", "reset")
    click.echo("mock reset")


@click.command()
@click.argument("count", type=click.IntRange(0))
@click.option("--api-key", default=defaults.DEFAULT_API_KEY, show_default=True, help="Site to seed.")
@click.option("--algorithms", default="pbkdf2", show_default=True, help="Hash mix, e.g. 'md5=2,bcrypt=1'.")
@click.option("--seed", "seed_value", type=int, default=0, show_default=True, help="Same seed, same accounts.")
@_url_option
def seed(count: int, api_key: str, algorithms: str, seed_value: int, url: str, control_token: str | None) -> None:
    """Add COUNT faker accounts with passwords hashed in the given mix of algorithms.

    Example: mock-gigya seed 1000 --algorithms md5=1,bcrypt=1 --seed 7
    """
    from mock_gigya.server import _parse_mix

    report = ControlClient(url, token=control_token).call("POST", "seed", {"apiKey": api_key, "count": count, "seed": seed_value,
                                                      "algorithms": _parse_mix(algorithms, "--algorithms")})
    mix = ", ".join(f"{name} {n}" for name, n in report["byAlgorithm"].items())
    click.echo(f"seeded {report['count']} accounts into {api_key} ({mix})")


@click.command()
@click.option("--method", default="*", show_default=True, help="Method, short name or glob (importFullAccount).")
@click.option("--times", type=click.IntRange(1), default=1, show_default=True, help="How many calls it hits.")
@click.option("--error", type=click.IntRange(1), default=None, help="Answer this errorCode (403048, 500001 ...).")
@click.option("--http-status", type=click.IntRange(400, 599), default=None,
              help="Answer a bare HTTP error page instead (400-599).")
@click.option("--timeout", "timeout_", is_flag=True, help="Answer too late (after the server's timeout seconds).")
@click.option("--drop", is_flag=True, help="Close the connection with no answer.")
@click.option("--processed", is_flag=True, help="With --timeout/--drop: carry the call out first.")
@click.option("--delay", type=click.FloatRange(0), default=0.0, help="Extra seconds before answering.")
@click.option("--clear", is_flag=True, help="Remove every scripted and random fault instead.")
@_url_option
def fault(method: str, times: int, error: int | None, http_status: int | None, timeout_: bool, drop: bool,
          processed: bool, delay: float, clear: bool, url: str, control_token: str | None) -> None:
    """Script a fault for the next calls of a running server (or --clear them all).

    Example: mock-gigya fault --method importFullAccount --times 2 --error 403048
    """
    if sum(bool(x) for x in (error, http_status, timeout_, drop)) > 1:
        raise click.UsageError("choose one of --error, --http-status, --timeout, --drop")
    if processed and not (timeout_ or drop):
        raise click.UsageError("--processed goes with --timeout or --drop (the call is carried out, the answer lost)")
    if not clear and not (error or http_status or timeout_ or drop or delay):
        raise click.UsageError("nothing to script: give --error, --http-status, --timeout, --drop or --delay "
                               "(or --clear)")
    client = ControlClient(url, token=control_token)
    if clear:
        client.call("DELETE", "faults")
        click.echo("faults cleared")
        return
    entry = {"method": method, "times": times, "error": error, "httpStatus": http_status, "timeout": timeout_,
             "drop": drop, "processed": processed, "delay": delay}
    body = client.call("POST", "faults", {"script": [{k: v for k, v in entry.items() if v not in (None, False)}]})
    click.echo(f"{len(body['scripts'])} scripted fault(s) pending")


COMMANDS = [state, reset, seed, fault]
"""Commands added to the ``mock-gigya`` group."""
