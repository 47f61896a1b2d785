"""What the browser tests share: a signed-in page at a screen width, and the text a person sees."""

from __future__ import annotations

from typing import Any

from tests.conftest import PASSWORD

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def signed_in(browser: Any, base: str, username: str, viewport: dict[str, int] = PHONE, lang: str = "id") -> Any:
    """A new browser page signed in as `username`, in Bahasa Indonesia or English."""
    page = browser.new_page(viewport=viewport)
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    if lang == "en":
        page.click("button[name=lang][value=en]")
    return page


def scrolls_sideways(page: Any) -> bool:
    """Whether the page is wider than the screen (a phone user would have to scroll sideways).
    Measured once the page and its stylesheet have loaded: a busy machine may still be fetching it."""
    page.wait_for_load_state("load")
    return bool(page.evaluate("document.documentElement.scrollWidth > window.innerWidth"))
