"""Every page at 1280 and 390 pixels, as each role sees it on the demo data, saved as PNGs under
tests/browser/artifacts/screens/ for a person to look at; and none of them scrolls sideways.

Run `pytest tests/browser/test_screenshots.py` and open the folder: the file names say who, which
page and how wide."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tanggap.bootstrap import Tanggap
from tests.browser.pages import DESKTOP, PHONE, scrolls_sideways, signed_in
from tests.demo import DemoTickets, demo_tickets
from tests.web.test_pages_read_right import WHAT_IF

pytestmark = pytest.mark.slow
WIDTHS = {"1280": DESKTOP, "390": PHONE}
ROLES = ("pupr.officer", "pupr.head", "dlhk.officer", "dlhk.head", "dispatcher", "supervisor", "hr", "admin")


def staff_pages(t: DemoTickets) -> dict[str, str]:
    return {
        "queue": "/queue", "triage": "/triage",
        "ticket-photo": f"/tickets/{t.photo}", "ticket-assigned": f"/tickets/{t.pupr['assigned']}",
        "ticket-closed": f"/tickets/{t.pupr['closed']}", "ticket-dlhk": f"/tickets/{t.dlhk['assigned']}",
        "ticket-submitted": f"/tickets/{t.unrouted['submitted']}",
        "ticket-rejected": f"/tickets/{t.unrouted['rejected']}",
        "rules": "/supervisor/rules", "calendars": "/supervisor/calendars", "routing": "/supervisor/routing",
        "tagger": "/supervisor/tagger", "breaches": "/hr/breaches?month=2026-09", "breach": f"/hr/breaches/{t.breach}",
        "allowance": "/hr/allowance?month=2026-09", "dashboard": "/dashboard", "tokens": "/admin/tokens",
        "not-found": "/tickets/999999", "my-breaches": "/saya/pelanggaran", "objections": "/keberatan",
        "what-if": "/supervisor/replay", "what-if-draft": WHAT_IF,
        **{f"ticket-{name}": f"/tickets/{rid}" for name, rid in t.mine.items()},
    }


def _shoot(page: Any, folder: Path, name: str) -> None:
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")  # show all there is
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    assert not scrolls_sideways(page), f"{name} is wider than the screen"


@pytest.mark.parametrize(("role", "lang"), [*((role, "id") for role in ROLES), ("admin", "en")])
def test_every_staff_page_of_a_role_at_both_widths(
    browser: Any, demo_server: str, demo_app: Tanggap, shots: Path, role: str, lang: str
) -> None:
    folder = shots / "screens"
    folder.mkdir(exist_ok=True)
    for width, viewport in WIDTHS.items():
        page = signed_in(browser, demo_server, role, viewport, lang)
        refusals: set[int] = set()  # one refusal of each kind per role is enough to look at
        for name, url in staff_pages(demo_tickets(demo_app)).items():
            response = page.goto(demo_server + url)
            assert response is not None and response.status in (200, 403, 404), (url, response and response.status)
            if response.status != 200:
                if response.status in refusals:
                    continue
                refusals.add(response.status)
                name = {403: "forbidden", 404: "not-found"}[response.status]
            _shoot(page, folder, f"{role}-{lang}-{name}-{width}")
        page.close()


def test_the_citizen_pages_and_the_signed_out_pages_at_both_widths(
    browser: Any, demo_server: str, demo_app: Tanggap, shots: Path
) -> None:
    folder = shots / "screens"
    folder.mkdir(exist_ok=True)
    t = demo_tickets(demo_app)
    for width, viewport in WIDTHS.items():
        page = browser.new_page(viewport=viewport)
        for name, url in {"lapor": "/lapor", "status-responded": f"/lapor/{t.photo}",
                          "status-rejected": f"/lapor/{t.unrouted['rejected']}",
                          "status-closed": f"/lapor/{t.pupr['closed']}", "status-unknown": "/lapor/987654",
                          "citizen-404": "/lapor/tidak/ada", "login": "/login"}.items():
            page.goto(demo_server + url)
            _shoot(page, folder, f"citizen-{name}-{width}")
        page.goto(demo_server + "/lapor")
        page.click("#kirim")  # nothing chosen: the browser's own check stops it; then the server's
        page.evaluate("document.getElementById('kategori').removeAttribute('required')")
        page.fill("#deskripsi", "x" * 300)  # one long word
        page.click("#kirim")
        assert re.search("Pilih kategori", page.inner_text(".errors"))
        _shoot(page, folder, f"citizen-lapor-refused-{width}")
        page.close()


def test_a_refused_action_at_both_widths(browser: Any, demo_server: str, demo_app: Tanggap, shots: Path) -> None:
    """A rejection as a duplicate of a report that does not exist: a form error, not a 404."""
    folder = shots / "screens"
    folder.mkdir(exist_ok=True)
    t = demo_tickets(demo_app)
    for width, viewport in WIDTHS.items():
        page = signed_in(browser, demo_server, "dispatcher", viewport)
        page.goto(f"{demo_server}/tickets/{t.unrouted['submitted']}")
        page.select_option("#form-reject select[name=kind]", "duplicate")
        page.fill("#form-reject input[name=duplicate_of]", "999999")
        page.click("#form-reject button")
        assert "Laporan asli dengan nomor itu tidak ada" in page.inner_text("main")
        _shoot(page, folder, f"dispatcher-id-refused-{width}")
        page.close()
