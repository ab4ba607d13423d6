"""The patient form in headless Chromium on a phone-sized screen: open, answer, submit, reuse.

Needs Debian's /usr/bin/chromium (CI installs it); the test skips with a reason otherwise.
Set BHLINK_FORM_SCREENSHOT=/some/file.png to keep a screenshot of the filled-in form.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI

from tests.support.practice import Practice

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def live_server(app: FastAPI) -> Iterator[str]:
    """The test application served by uvicorn on a free loopback port, in a thread."""
    port = _free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", ws="none"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the test server did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_patient_completes_the_form_on_a_phone(practice: Practice, live_server: str) -> None:
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing: install Debian's chromium package to run this")
    from playwright.sync_api import expect, sync_playwright

    created = practice.post(
        "/assessments/assignments",
        {"patientId": practice.patient_ids[0], "instrument": "PHQ-9", "channel": "sms"},
        role="clinician",
    ).json()
    link = live_server + "/forms/" + created["url"].split("/forms/", 1)[1]

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=PHONE, is_mobile=True, has_touch=True)
            problems: list[str] = []
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))

            opened = page.goto(link)
            assert opened is not None and opened.status == 200
            expect(page).to_have_title("PHQ-9 questionnaire")
            expect(page.get_by_role("heading", level=1)).to_contain_text("(PHQ-9)")
            answers = [2, 1, 2, 1, 2, 1, 2, 1, 0]
            labels = ["Not at all", "Several days", "More than half the days", "Nearly every day"]
            for number, value in enumerate(answers, start=1):
                question = page.get_by_role("group", name=re.compile(rf"^{number}\. "))
                question.get_by_label(labels[value], exact=True).check()
            page.get_by_role("group", name=re.compile(r"^10\. ")).get_by_label(
                "Somewhat difficult"
            ).check()
            # The nonce lets the page's own style through the strict policy.
            button = page.get_by_role("button", name="Submit my answers")
            assert button.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(31, 78, 153)"
            box = button.bounding_box()
            assert box is not None and box["height"] >= 44 and box["width"] <= PHONE["width"]
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            assert scroll_width <= PHONE["width"]  # nothing forces sideways scrolling
            shot = os.environ.get("BHLINK_FORM_SCREENSHOT")
            if shot:
                page.evaluate("window.scrollTo(0, 0)")
                page.screenshot(path=shot)  # what a phone shows first

            button.click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
            expect(page.get_by_text("988")).to_be_visible()
            assert problems == []  # no CSP violation, no script error, no failed load

            again = page.goto(link)
            assert again is not None and again.status == 410
            expect(page.get_by_role("heading", level=1)).to_have_text(
                "This form has already been submitted"
            )
        finally:
            browser.close()

    results = practice.get("/assessments/results").json()["items"]
    assert len(results) == 1
    assert results[0]["collectedVia"] == "patient_portal"
    assert results[0]["scoreTotal"] == 12 and results[0]["severity"] == "moderate"
