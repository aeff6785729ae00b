"""What the official Gigya SDKs put on the wire, rebuilt by hand for the fidelity tests.

Written from docs/gigya-api.md §1-2 (paraphrasing SAP's Python/Java/.NET/PHP SDKs and the Node
package), independently of ``gigya_migrate.signing``, so the mock is checked against the protocol
and not against our own client. Python SDK details re-read in SAP/gigya-python-sdk GSSDK.py 3.3.6
(not on PyPI): plain http unless useHTTPS (so through a proxy setting, the absolute-URI form),
``httpStatusCodes`` "false", ``sdk`` python_3.3.6, objects as ``json.dumps``, booleans ``str(bool)``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import time
from urllib.parse import quote

_counter = itertools.count()

# (sdk parameter, timestamp in ms?, how booleans are written). Objects are JSON: the Python SDK uses
# json.dumps with its default ", " / ": " separators, the others compact JSON.
SDKS = {
    "python": ("python_3.3.6", False, lambda b: str(b)),            # PY sends str(bool): "True"/"False"
    "java": ("java_3.2.4", False, lambda b: "true" if b else "false"),
    "php": ("php_3.1.0", False, lambda b: "1" if b else "0"),       # PHP cURL and its signature use 1/0
    "dotnet": ("dotnet_3.1.1", False, lambda b: "true" if b else "false"),
    "node": (None, True, lambda b: "true" if b else "false"),         # Node puts Date.now() (ms) in timestamp
}


def enc(value: str) -> str:
    """OAuth1 percent-encoding: only A-Z a-z 0-9 - _ . ~ stay as they are, hex upper-case."""
    return quote(value, safe="-_.~")


def signature(secret_b64: str, http_method: str, url: str, params: dict[str, str]) -> str:
    """HMAC-SHA1 over ``METHOD&enc(url)&enc(sorted k=enc(v) joined by &)``, keyed by the decoded secret."""
    query = "&".join(f"{k}={enc(str(params[k]))}" for k in sorted(params) if params[k] is not None)
    base = f"{http_method.upper()}&{enc(url)}&{enc(query)}"
    digest = hmac.new(base64.b64decode(secret_b64), base.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def signed_params(sdk: str, url: str, api_key: str, user_key: str, secret: str, params: dict,
                  *, now: float | None = None) -> dict[str, str]:
    """The form an SDK posts for ``params``: common parameters, timestamp, nonce and sig."""
    sdk_name, millis, boolean = SDKS[sdk]
    now = time.time() if now is None else now
    separators = (", ", ": ") if sdk == "python" else (",", ":")
    form = {k: boolean(v) if isinstance(v, bool) else json.dumps(v, separators=separators)
            if isinstance(v, (dict, list)) else str(v) for k, v in params.items()}
    # the Python SDK sets httpStatusCodes to the string "false" whatever its boolean style
    form.update(apiKey=api_key, userKey=user_key, format="json",
                httpStatusCodes="false" if sdk == "python" else boolean(False))
    if sdk_name:
        form["sdk"] = sdk_name
    form["timestamp"] = str(int(now * 1000) if millis else int(now))
    form["nonce"] = f"{int(now * 1000)}{next(_counter):06d}"
    form["sig"] = signature(secret, "POST", url, form)
    return form
