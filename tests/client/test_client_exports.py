"""Every name in the client modules' __all__ exists and is documented; the package's lazy names resolve."""

import importlib

import pytest

import gigya_migrate

MODULES = ["gigya_migrate.client", "gigya_migrate.signing", "gigya_migrate.errors", "gigya_migrate.datacenters",
           "gigya_migrate.retry", "gigya_migrate.models"]


@pytest.mark.parametrize("name", MODULES)
def test_all_names_exist_and_have_docstrings(name):
    module = importlib.import_module(name)
    assert module.__doc__
    for public in module.__all__:
        value = getattr(module, public)
        if callable(value):
            assert value.__doc__, f"{name}.{public} has no docstring"


def test_lazy_package_names():
    from gigya_migrate.client import GigyaClient
    from gigya_migrate.errors import GigyaError

    assert gigya_migrate.GigyaClient is GigyaClient and gigya_migrate.GigyaError is GigyaError
