"""Subcommands of ``workbench``; each module has ``register(subparsers)``."""
