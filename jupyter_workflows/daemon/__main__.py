"""``python -m jupyter_workflows.daemon``: the supervisor process (started, detached, by ``daemon start``).

Store and broker come from ``$JUPYTER_WORKFLOWS_STORE`` and ``$JUPYTER_WORKFLOWS_BROKER`` (never the command line,
which every user of the machine can read); its log is its standard error.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from .._core._secret_url import SecretURL
from .._runtime import BROKER_URL_ENV
from ..store import default_store_url
from ._files import DaemonFiles
from ._supervisor import Supervisor


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jupyter_workflows.daemon", description=__doc__)
    parser.add_argument("--root", required=True, help="the folder of the daemons' folders")
    parser.add_argument("--identity", required=True, help="the store's identity (its daemon's folder)")
    parser.add_argument("--workers", type=int, required=True)
    parser.add_argument("--slots", type=int, required=True)
    parser.add_argument("--grace", type=float, required=True)
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr)
    supervisor = Supervisor(
        DaemonFiles(arguments.identity, arguments.root),
        workers=arguments.workers,
        slots=arguments.slots,
        grace=arguments.grace,
        store=str(SecretURL(default_store_url())),
        broker=str(SecretURL(os.environ.get(BROKER_URL_ENV, ""))),
    )
    return supervisor.run()


if __name__ == "__main__":
    sys.exit(main())
