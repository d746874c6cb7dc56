"""The version of jupyter_workflows: one place, read by the package, its CLI and setup.cfg."""

__version__ = "0.1.0.dev0"
