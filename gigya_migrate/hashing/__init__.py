"""The one place in the project that knows password hashes (filled in by the hashing issue)."""
