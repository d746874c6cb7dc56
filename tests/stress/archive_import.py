"""One OS process importing archives into a store: ``python tests/stress/archive_import.py URL ARCHIVE...``.

Imports each archive in turn (and the first once more at the end) and prints the summaries' counts as JSON."""

from __future__ import annotations

import json
import sys

import jupyter_workflows as jw
from jupyter_workflows.store import Store


def main() -> None:
    url, *archives = sys.argv[1:]
    added = []
    with Store(url) as store:
        for path in [*archives, archives[0]]:
            summary = jw.import_archive(path, store=store)
            added.append([summary.nodes_added, summary.links_added, summary.logs_added])
    print(json.dumps(added))


if __name__ == "__main__":
    main()
