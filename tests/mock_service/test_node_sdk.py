"""An unmodified third-party SDK against the mock: the Node `gigya` package (scotthovestadt/gigya,
the NODE source of docs/gigya-api.md) pointed at the server only through HTTPS_PROXY.

It signs with the userKey's secret, puts Date.now() (milliseconds) in `timestamp`, and talks HTTPS
to accounts.us1.gigya.com through CONNECT, which the mock intercepts with its throwaway CA. The SDK
pins its own CA bundle, so the test turns certificate checks off for that one Node process.

Needs `node` and the package; `make test` installs `gigya@3.0.1` from the npm registry into the
project's `.node-sdk/` folder (target `node-sdk`), and the test skips only where that could not be
done. GIGYA_NODE_SDK_DIR names another folder whose node_modules holds `gigya`.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import requests

from mock_gigya import defaults

SDK_DIR = Path(os.environ.get("GIGYA_NODE_SDK_DIR", Path(__file__).resolve().parents[2] / ".node-sdk"))
pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not (SDK_DIR / "node_modules/gigya/package.json").exists(),
    reason="node or the `gigya` npm package is not installed (`make node-sdk` installs it; see module docstring)",
)

SCRIPT = r"""
const { Gigya } = require(process.env.GIGYA_NODE_SDK_DIR + '/node_modules/gigya');
const [apiKey, userKey, secret] = process.argv.slice(2);
const gigya = new Gigya(apiKey, 'us1', userKey, secret);
(async () => {
  const out = {};
  out.imported = (await gigya.request('accounts.importFullAccount', {
    UID: 'node-1', loginIDs: { emails: ['node@example.com'] }, profile: { firstName: 'Node' },
    password: { compoundHashedPassword: process.env.MD5_CRYPT } })).errorCode;
  out.total = (await gigya.accounts.search({ query: 'SELECT * FROM accounts' })).totalCount;
  out.login = (await gigya.accounts.login({ loginID: 'node@example.com', password: 'password' })).UID;
  out.firstName = (await gigya.accounts.getAccountInfo({ UID: 'node-1' })).profile.firstName;
  try { await gigya.accounts.login({ loginID: 'node@example.com', password: 'wrong' }); }
  catch (e) { out.wrongPassword = e.gigyaResponse.errorCode; }
  console.log(JSON.stringify(out));
})().catch(e => { console.error(String(e)); process.exit(1); });
"""


def test_node_gigya_sdk_through_https_proxy(gigya_server, tmp_path):
    script = tmp_path / "node_sdk_probe.js"
    script.write_text(SCRIPT)
    env = {**os.environ, "GIGYA_NODE_SDK_DIR": str(SDK_DIR), "HTTPS_PROXY": gigya_server.url,
           "NODE_TLS_REJECT_UNAUTHORIZED": "0", "NO_PROXY": "",
           # `openssl passwd -1 -salt saltsalt password` (OpenSSL's md5-crypt, not our code)
           "MD5_CRYPT": "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/"}
    result = subprocess.run(["node", str(script), defaults.DEFAULT_API_KEY, defaults.DEFAULT_USER_KEY,
                             defaults.DEFAULT_SECRET], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"imported": 0, "total": 1, "login": "node-1", "firstName": "Node",
                                         "wrongPassword": 403042}
    audit = requests.post(f"{gigya_server.url}/audit.search", timeout=10, data={
        "apiKey": defaults.DEFAULT_API_KEY, "userKey": defaults.DEFAULT_USER_KEY, "secret": defaults.DEFAULT_SECRET,
        "query": 'SELECT * FROM auditLog WHERE endpoint = "accounts.importFullAccount"'}).json()
    params = audit["results"][0]["params"]
    assert params["userKey"] == defaults.DEFAULT_USER_KEY
    assert len(params["timestamp"]) == 13  # a signed request, Date.now() in milliseconds, accepted
