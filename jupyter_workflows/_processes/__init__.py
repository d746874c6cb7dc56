"""Shared by process functions, WorkChains and the launchers: the data-node spec, instantiation, waiting."""
