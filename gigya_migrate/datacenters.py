"""Gigya data centers: name -> API domain, and the URL of a ``namespace.method`` call.

Facts (docs/gigya-api.md §1): ``https://{namespace}.{dc-domain}/{namespace}.{method}``; the
namespace is the text before the first dot; a method with no dot is ``socialize.<name>``; a
leading ``/`` is stripped. Documented domains today: us1, eu1, au1, eu2 (``<dc>.gigya.com``),
cn1 (``cn1.sapcdm.cn``, as the SAP toolkit maps it; the Node SDK uses ``gigya-api.cn``, an older
mapping), global (``global.gigya.com``). Older names (ru1, il1) follow the ``<dc>.gigya.com`` rule.
"""

from __future__ import annotations

__all__ = ["DATA_CENTERS", "api_url", "domain_for", "normalize_method"]

DATA_CENTERS: dict[str, str] = {
    "us1": "us1.gigya.com",
    "eu1": "eu1.gigya.com",
    "eu2": "eu2.gigya.com",
    "au1": "au1.gigya.com",
    "cn1": "cn1.sapcdm.cn",
    "global": "global.gigya.com",
    "ru1": "ru1.gigya.com",
    "il1": "il1.gigya.com",
}
"""Known data center -> API domain."""


def domain_for(data_center: str) -> str:
    """The API domain of ``data_center`` (``us1`` -> ``us1.gigya.com``); a full domain passes through.

    An unknown bare name raises ``ValueError`` rather than guessing a host.
    """
    name = data_center.strip().lower()
    if name in DATA_CENTERS:
        return DATA_CENTERS[name]
    if "." in name:  # already a domain, e.g. "eu1.gigya.com" or a private host
        return name
    known = ", ".join(sorted(DATA_CENTERS))
    raise ValueError(f"unknown Gigya data center {data_center!r} (known: {known}; or pass a domain)")


def normalize_method(method: str) -> str:
    """``namespace.method`` as the SDKs send it: leading ``/`` stripped, ``socialize.`` when no dot."""
    method = method.strip().lstrip("/")
    if not method:
        raise ValueError("empty Gigya method name")
    return method if "." in method else f"socialize.{method}"


def api_url(method: str, data_center: str = "us1", *, base_url: str | None = None) -> str:
    """The URL a call to ``method`` is POSTed to.

    ``base_url`` (a mock server) replaces scheme and host: ``<base_url>/<namespace>.<method>``.
    """
    method = normalize_method(method)
    if base_url:
        return f"{base_url.rstrip('/')}/{method}"
    namespace = method.split(".", 1)[0]
    return f"https://{namespace}.{domain_for(data_center)}/{method}"
