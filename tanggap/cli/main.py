"""The console entry point: every command module registers its commands on `main` when imported."""

from __future__ import annotations

import sys

import click

from tanggap.cli import appeals, serve, sla  # noqa: F401  (they register their commands on `main`)
from tanggap.cli.app import main


def run() -> None:
    """Console entry point: usage mistakes end with one line too, not click's three."""
    try:
        main(standalone_mode=False)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.ClickException as err:
        click.echo(f"error: {err.format_message()}", err=True)
        sys.exit(err.exit_code)
    except click.Abort:
        click.echo("error: aborted", err=True)
        sys.exit(1)


if __name__ == "__main__":
    run()
