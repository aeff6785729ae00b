"""The credentials and address a fresh mock answers to, shared by the server, the in-process mock
and the CLI's ``--mock`` option. They are test credentials for a local mock, not secrets."""

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
DEFAULT_URL = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"
DEFAULT_API_KEY = "3_mock_site"
DEFAULT_DATA_CENTER = "us1"
DEFAULT_USER_KEY = "AMockUserKey"
# Gigya secrets are base64 strings; this one decodes to b"mock-gigya-secret".
DEFAULT_SECRET = "bW9jay1naWd5YS1zZWNyZXQ="

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_DATA_CENTER",
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "DEFAULT_SECRET",
    "DEFAULT_URL",
    "DEFAULT_USER_KEY",
]
