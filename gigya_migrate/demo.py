"""``make demo``: the end-to-end rehearsal against the local mock.

Until the import flow lands this prints what the demo will do; the import-flow issue replaces it.
"""


def main() -> None:
    """Print the plan of the demo."""
    print("gigya-migrate demo (placeholder until the import flow lands):")
    print("  1. start the local mock Gigya on a loopback port")
    print("  2. write a realistic legacy export with faker (a mix of hash formats, some bad rows)")
    print("  3. import it, validate a sample of hashes, print the run report")


if __name__ == "__main__":
    main()
