"""mock_gigya: a local SAP Customer Data Cloud (Gigya) accounts service for tests and dry runs."""

__version__ = "0.1.0"
__all__ = ["__version__"]
