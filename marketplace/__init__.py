"""The patient: a Django job marketplace whose queries the workbench measures."""
