#!/usr/bin/env python
"""Django's command line for the marketplace: ``python manage.py runserver``, ``shell``, ...

The settings start nothing, so the embedded PostgreSQL and Redis (when no
``DATABASE_URL`` / ``REDIS_URL`` replaces them) are started here first.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
    from django.core.management import execute_from_command_line

    from marketplace import conf
    from workbench.env import services

    services.ensure_running()
    config = conf.read()
    generated = config.secret_key_source != "environment"
    if "runserver" in sys.argv[1:2] and generated and not config.embedded_database:
        print(
            "manage.py: warning: DJANGO_SECRET_KEY is not set; tokens are signed with the "
            f"key generated in {config.home / conf.SECRET_KEY_FILE}; set DJANGO_SECRET_KEY "
            "for a server others use",
            file=sys.stderr,
        )
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
