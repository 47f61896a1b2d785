"""What flow tasks work with, built once per process: the application, the tagger, the mailer.

`tanggap serve` hands in its own application; a Prefect worker process builds one from the
environment on first use. Nothing is built at import time.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cv.tagger import AbstractTagger, TaggerConfig, load_tagger
from tanggap.bootstrap import Tanggap, bootstrap
from tanggap.config import PipelineSettings
from tanggap.infrastructure.mailer import AbstractMailer, SmtpMailer
from tanggap.infrastructure.storage import AbstractPhotoStorage


@dataclass
class Dependencies:
    app: Tanggap
    pipeline: PipelineSettings
    tagger: AbstractTagger
    mailer: AbstractMailer | None

    @property
    def photos(self) -> AbstractPhotoStorage:
        return self.app.photos


_current: Dependencies | None = None


def use(deps: Dependencies) -> None:
    """Install the process's dependencies (the embedded runner and tests do this)."""
    global _current
    _current = deps


def current() -> Dependencies:
    global _current
    if _current is None:
        _current = from_environment()
    return _current


def from_environment(app: Tanggap | None = None) -> Dependencies:
    app = app or bootstrap(pause_collector=True)  # a worker process of its own: no web threads
    pipeline = app.settings.pipeline
    return Dependencies(app=app, pipeline=pipeline, tagger=build_tagger(pipeline),
                        mailer=build_mailer(pipeline))


def build_tagger(pipeline: PipelineSettings) -> AbstractTagger:
    config = TaggerConfig(threads=pipeline.tagger_threads)
    return load_tagger(Path(pipeline.model_path), config) if pipeline.model_path else load_tagger(config=config)


def build_mailer(pipeline: PipelineSettings) -> AbstractMailer | None:
    return SmtpMailer(pipeline.smtp_url, pipeline.mail_from) if pipeline.smtp_url else None


@cache
def worker_name() -> str:
    """Who holds an outbox lease: host and process, so a lease can be traced to its holder."""
    return f"{socket.gethostname()}:{os.getpid()}"
