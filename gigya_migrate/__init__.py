"""gigya-migrate: move identities into, out of and between SAP Customer Data Cloud (Gigya) sites.

The public names are imported lazily so that ``import gigya_migrate`` stays cheap for the CLI
and for tools that only need one part (for example the hashing core).
"""

from importlib import import_module

__version__ = "0.1.0"

_LAZY = {
    "GigyaClient": "gigya_migrate.client",
    "GigyaError": "gigya_migrate.errors",
    "verify_password": "gigya_migrate.hashing",
    "hash_password": "gigya_migrate.hashing",
    "to_gigya_password": "gigya_migrate.hashing",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str):
    """Resolve a public name from the module that owns it, on first use."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'gigya_migrate' has no attribute {name!r}")
    return getattr(import_module(module), name)
