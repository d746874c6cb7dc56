"""aiida-core compatibility harness: see README.md."""
