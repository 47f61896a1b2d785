"""Fixtures the pipeline tests share."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from cv.tagger import FakeTagger
from tanggap.bootstrap import Tanggap
from tanggap.config import PipelineSettings
from tanggap.infrastructure.mailer import FakeMailer
from tanggap.infrastructure.storage import FakePhotoStorage
from workflows import deps


@pytest.fixture
def pipeline(app: Tanggap) -> Iterator[deps.Dependencies]:
    """The flows' dependencies on the test database, with the fake tagger (modules that need the real
    ONNX tagger define their own)."""
    d = deps.Dependencies(replace(app, photos=FakePhotoStorage()), PipelineSettings(claim_lease_seconds=60),
                          FakeTagger(), FakeMailer())
    deps.use(d)
    yield d
    deps.use(None)  # type: ignore[arg-type]
