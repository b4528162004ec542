"""`workbench migrate | createdb | dropdb`: schema and databases, only where the workbench may."""

from __future__ import annotations

import argparse
import os

from marketplace import conf
from marketplace.dsn import redact
from workbench.env import ownership, services
from workbench.errors import WorkbenchError


def cmd_migrate(args: argparse.Namespace) -> int:
    ownership.ensure_owned("migrate", args.allow_external)
    from workbench.env import django_env

    if args.profile:  # django-silk's tables too (workbench serve --profile)
        from workbench.monitoring import PROFILE_SETTINGS

        os.environ["DJANGO_SETTINGS_MODULE"] = PROFILE_SETTINGS

    django_env.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=1 if args.verbose else 0, interactive=False)
    print(f"migrated {redact(services.database_url())}")
    return 0


def _external_url() -> str:
    config = conf.read()
    url = config.database_url
    if config.embedded_database:
        raise WorkbenchError(
            "createdb and dropdb work on DATABASE_URL; the embedded database needs neither"
        )
    return url


def cmd_createdb(args: argparse.Namespace) -> int:
    url = _external_url()
    created = ownership.create_database(url)
    print(("created " if created else "already there: ") + redact(url))
    return 0


def cmd_dropdb(args: argparse.Namespace) -> int:
    url = _external_url()
    ownership.drop_database(url, args.allow_external)
    print(f"dropped {redact(url)}")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("migrate", help="apply the marketplace's migrations")
    p.add_argument(
        "--allow-external",
        action="store_true",
        help="migrate a database the workbench did not create",
    )
    p.add_argument("-v", "--verbose", action="store_true")
    p.add_argument(
        "--profile",
        action="store_true",
        help="also create django-silk's tables, for `workbench serve --profile`",
    )
    p.set_defaults(func=cmd_migrate, run_lock="migrate")
    p = subparsers.add_parser(
        "createdb", help="create the database named in DATABASE_URL, marked as the workbench's"
    )
    p.set_defaults(func=cmd_createdb)
    p = subparsers.add_parser(
        "dropdb", help="drop the database named in DATABASE_URL if the workbench created it"
    )
    p.add_argument("--allow-external", action="store_true")
    p.set_defaults(func=cmd_dropdb)
