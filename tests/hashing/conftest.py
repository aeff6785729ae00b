"""Fixtures for the hashing tests (vectors live in each test module, next to the tests using them).

hashing_oracle.py (hashlib-only reference computations) is importable from the test modules."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
