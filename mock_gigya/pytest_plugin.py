"""pytest plugin (entry point ``gigya_mock``): fixtures for testing against the mock Gigya.

Loaded in every pytest session of an environment where gigya-migrate is installed, so it must
import cheaply and never fail.
"""
