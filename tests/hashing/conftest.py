"""Fixtures for the hashing tests (vectors live in each test module, next to the tests using them)."""
