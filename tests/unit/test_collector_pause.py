"""The cyclic collector is paused for a batch only where no web server shares the process."""

from __future__ import annotations

import gc

from tanggap.bootstrap import bootstrap
from tanggap.bulk import collector_paused
from tanggap.config import Settings


def test_a_batch_process_pauses_the_collector_for_the_batch_and_restores_it() -> None:
    assert gc.isenabled()
    with collector_paused(True):
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_process_shared_with_web_threads_never_pauses_it() -> None:
    with collector_paused(False):
        assert gc.isenabled()


def test_the_product_pauses_it_only_when_asked(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'x.db'}")
    assert bootstrap(settings).pause_collector is False
    assert bootstrap(settings, pause_collector=True).pause_collector is True
