"""`tanggap` commands that start the product's adapters: the server, flows, the photo tagger.

The command line is the composition root of the whole product, so this module alone may import
the web and workflow adapters (import-linter allows exactly these imports).
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

import click

from tanggap import commands as c
from tanggap.bootstrap import Tanggap
from tanggap.cli.app import app, main, one_line_errors


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@one_line_errors
def serve(host: str, port: int) -> None:
    """Run Tanggap: the web UI and API, and the flows that tag, route, sweep and notify."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    run_everything(app(), host, port)


def run_everything(tanggap: Tanggap, host: str, port: int, threads: int = 8) -> None:
    """The web server in the foreground, the flows in a background thread; Ctrl-C stops both."""
    from waitress import create_server

    # Imported when used: Prefect takes seconds to import, and most commands never need it.
    from web.app import create_app
    from workflows.runner import build_runner

    tanggap.pause_collector = False  # the web threads share this process: never pause the collector
    runner = build_runner(tanggap)
    flows_thread = threading.Thread(target=runner.loop, name="tanggap-flows", daemon=True)
    flows_thread.start()
    server = create_server(create_app(tanggap), host=host, port=port, threads=threads)
    click.echo(f"Tanggap is serving on http://{host}:{port} (Ctrl-C stops it)")
    try:
        server.run()
    except KeyboardInterrupt:
        pass  # Ctrl-C is how an operator stops it
    finally:
        runner.stop_event.set()
        server.close()
        flows_thread.join(timeout=30)
        click.echo("stopped")


@main.group()
def flows() -> None:
    """Prefect flows."""


@flows.command("run")
@click.argument("name", type=click.Choice(["process-reports", "enforce-sla", "deliver-notifications",
                                           "close-quiet-reports", "month-end-allowance", "retrain-tagger"]))
@one_line_errors
def flows_run(name: str) -> None:
    """Run one flow now, in this process."""
    from workflows.runner import build_runner

    runner = build_runner(app())
    click.echo(json.dumps(runner.launch(name, {}), default=str))


@main.group()
def cv() -> None:
    """The photo tagger."""


@cv.command("tag")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@one_line_errors
def cv_tag(paths: tuple[Path, ...]) -> None:
    """Tag photos and print what the tagger sees, as JSON."""
    from cv.cli import tag_paths

    click.echo(json.dumps(tag_paths([str(p) for p in paths]), indent=2, ensure_ascii=False))


@cv.command("train")
@one_line_errors
def cv_train() -> None:
    """Retrain the category head on the labels staff have given."""
    from cv.tagger import load_tagger

    click.echo(json.dumps(app().handle(c.RetrainTagger(load_tagger().model_sha256)), indent=2))
