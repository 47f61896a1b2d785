"""`tanggap` commands that start the product's adapters: the server, flows, the photo tagger.

The command line is the composition root of the whole product, so this module alone may import
the web and workflow adapters (import-linter allows exactly these imports). The adapters, Prefect
and onnxruntime are imported inside the commands that use them, to keep every other command quick
to start; no import here or elsewhere is deferred to get around a cycle (import-linter forbids them).
"""

from __future__ import annotations

import json
import logging
import signal
import threading
from pathlib import Path

import click

from tanggap import commands as c
from tanggap.bootstrap import Tanggap
from tanggap.cli.app import app, main, one_line_errors
from workflows.registry import FLOWS


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@one_line_errors
def serve(host: str, port: int) -> None:
    """Run Tanggap: the web UI and API, and the flows that tag, route, sweep and notify."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    run_everything(app(), host, port)


def run_everything(tanggap: Tanggap, host: str, port: int, threads: int = 8) -> None:
    """The web server in the foreground, the flows on their own threads. Ctrl-C and SIGTERM stop
    both the same way: no new requests, the running flows get a bounded time to finish, Prefect's
    server is stopped, exit 0."""
    from waitress import create_server

    # Imported when used: Prefect takes seconds to import, and most commands never need it.
    from web.app import create_app
    from workflows.runner import build_runner, stop_owned_servers

    tanggap.pause_collector = False  # the web threads share this process: never pause the collector
    runner = build_runner(tanggap, owned_server=True)
    flows_thread = threading.Thread(target=runner.loop, name="tanggap-flows", daemon=True)
    server = create_server(create_app(tanggap), host=host, port=port, threads=threads)
    signal.signal(signal.SIGTERM, _interrupt)
    flows_thread.start()
    click.echo(f"Tanggap is serving on http://{host}:{port} (Ctrl-C stops it)")
    try:
        server.run()
    except KeyboardInterrupt:
        pass  # Ctrl-C or SIGTERM: how an operator, systemd or a container stops it
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second signal must not cut the stop short
        server.close()
        runner.stop_event.set()
        for wake in runner.wakes.values():
            wake.set()
        flows_thread.join(timeout=STOP_GRACE)
        stop_owned_servers()
        click.echo("stopped")


STOP_GRACE = 20.0  # seconds the running flows get to finish; their claims expire by lease otherwise


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@main.command("status")
@click.option("--url", default="http://127.0.0.1:5000", show_default=True, help="the running `tanggap serve`")
@one_line_errors
def status(url: str) -> None:
    """Each flow family's last finished pass, what runs now, and the work waiting; exit 1 if late."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/healthz", timeout=10) as answer:
            click.echo(answer.read().decode(), nl=False)
    except urllib.error.HTTPError as late:  # 503: a family is late; the body says which
        click.echo(late.read().decode(), nl=False)
        raise SystemExit(1) from None
    except OSError as err:
        raise click.ClickException(f"no answer from {url}: {err}") from None


@main.group()
def flows() -> None:
    """Prefect flows."""


@flows.command("run")
@click.argument("name", type=click.Choice(sorted(FLOWS)))
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
