"""Register the running interpreter's ipykernel as a kernelspec in another environment (the project's .venv).

Run it with the kernel venv's own Python:

    .kernels/py310-ipykernel6/bin/python scripts/register-kernel.py --name jw-py310-ipykernel6 --prefix .venv

It writes <prefix>/share/jupyter/kernels/<name>/kernel.json, whose argv starts with this interpreter, so that nbclient
running from <prefix> finds the kernel by name. The display name and ``metadata.jupyter_workflows`` state the Python
and ipykernel versions, which tests/test_harness.py checks against what the kernel reports.
"""

import argparse
import json
import platform
import sys
from importlib.metadata import version
from pathlib import Path

from ipykernel.kernelspec import install


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", required=True, help="kernelspec name, e.g. jw-py310-ipykernel6")
    parser.add_argument("--prefix", required=True, help="environment whose share/jupyter/kernels gets the spec")
    args = parser.parse_args()

    python_version = platform.python_version()
    ipykernel_version = version("ipykernel")
    display_name = f"Python {python_version} + ipykernel {ipykernel_version} ({args.name})"
    spec_dir = Path(install(kernel_name=args.name, display_name=display_name, prefix=str(Path(args.prefix).resolve())))

    spec_file = spec_dir / "kernel.json"
    spec = json.loads(spec_file.read_text())
    spec.setdefault("metadata", {})["jupyter_workflows"] = {"python": python_version, "ipykernel": ipykernel_version}
    spec_file.write_text(json.dumps(spec, indent=1) + "\n")
    print(f"kernels: registered {args.name} ({display_name}) -> {sys.executable}")


if __name__ == "__main__":
    main()
