"""`tanggap api-key create/revoke` as real processes; the key works on the API until it is revoked."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tanggap.infrastructure.storage import FakePhotoStorage
from tanggap.migrate import upgrade
from tests.conftest import REFERENCE, make_app
from web.app import create_app

TANGGAP = str(Path(sys.executable).with_name("tanggap"))
FORM = {"service_code": "jalan-rusak", "lat": "-10.18", "long": "123.63", "description": "Jalan retak"}


def tanggap(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TANGGAP_DATA_DIR": str(data_dir)}
    env.pop("TANGGAP_DATABASE_URL", None)
    return subprocess.run([TANGGAP, *args], env=env, capture_output=True, text=True, check=False)


def test_an_admin_issues_a_key_once_and_revoking_it_locks_the_app_out(tmp_path: Path) -> None:
    app = make_app(f"sqlite:///{tmp_path / 'tanggap.db'}", tmp_path)
    upgrade(app.engine)
    for cmd in REFERENCE:
        app.handle(cmd)
    client = create_app(app, PHOTO_STORAGE=FakePhotoStorage()).test_client()

    created = tanggap(tmp_path, "api-key", "create", "Aplikasi Lapor Kupang")
    key = created.stdout.strip()
    assert created.returncode == 0 and key.startswith("tgp_") and len(key) > 40
    assert client.post("/open311/v2/requests.json", data={**FORM, "api_key": key}).status_code == 201

    revoked = tanggap(tmp_path, "api-key", "revoke", "Aplikasi Lapor Kupang")
    assert (revoked.returncode, revoked.stdout.strip()) == (0, "revoked the key of Aplikasi Lapor Kupang")
    assert client.post("/open311/v2/requests.json", data={**FORM, "api_key": key}).status_code == 403
    app.engine.dispose()
