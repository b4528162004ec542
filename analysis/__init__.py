"""The workbench's library: services, measurement and reporting, with no notebook code in it."""

__version__ = "0.1.0"
