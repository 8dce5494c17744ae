"""A lecture's room, in headless Chromium: the lecturer's presenting view shares its run (the code and the QR code on
the projector's first screen), three phones follow it from the QR code's address (the live plot on their first
screen), one generates with the room's model and one presses Stop, which leaves the lecturer's run alone.

Chromium is Debian's package (`apt-get install chromium-headless-shell`, or chromium; .ci/run installs the
first). Without it these tests fail, never skip. Screenshots go to $CHARLM_SCREENSHOTS when it is set.
"""

import dataclasses
import re
import time

import pytest
from test_browser import SIZES, open_tab, shoot

pytestmark = pytest.mark.browser

OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"
ROOM_PLOT_VERTICES = """() => [...document.querySelectorAll('#room-plot g.mark-line path')]
    .reduce((n, p) => n + ((p.getAttribute('d') || '').match(/L/g) || []).length, 0)"""
ENDED = r"Finished after|Reached the time limit"  # how a run that nobody stopped ends (its status line's last words)


@pytest.fixture
def ctx(ctx):
    """One training at a time: a second Start waits in the line (a lecture's server, full). Runs stop after 20 s, not
    the quick demo's 30: the room's checks are done by 15 s (2-core Xeon), and the phones waited 17 s for its end."""
    return dataclasses.replace(ctx, limits=dataclasses.replace(ctx.limits, max_trainings=1, max_seconds=20.0))


def on_first_screen(page, selector: str) -> dict:
    """The element's box, whole within the page's first screen: the page as it opens, scrolled neither way."""
    page.evaluate("window.scrollTo(0, 0)")
    box = page.locator(selector).bounding_box()
    viewport = page.viewport_size
    assert box is not None, selector
    assert box["x"] >= 0 and box["y"] >= 0, (selector, box)
    right, bottom = box["x"] + box["width"], box["y"] + box["height"]
    assert right <= viewport["width"] and bottom <= viewport["height"], (selector, box)
    return box


def modules(path: str) -> str:
    """A QR code's SVG path without its first move: the modules, whatever the quiet zone around them."""
    return re.sub(r"^M[\d.]+ [\d.]+", "", path)


def text_moves(page, selector: str, timeout: float = 30_000) -> None:
    """The text under ``selector`` changes (the run went on), whether or not its tab is the one shown."""
    before = page.locator(selector).text_content()
    page.wait_for_function("([s, before]) => document.querySelector(s).textContent !== before", arg=[selector, before],
                           timeout=timeout)  # fmt: skip


def test_a_lecturers_room_on_the_projector_and_three_phones(browser, served):
    import segno

    url, ctx = served

    # The lecturer: the presenting view (a bookmark), the quick demo as the app opens (20 s here), Start, then Share.
    owner = browser.new_page(viewport=SIZES["projector"])
    owner.goto(url + "?present")
    owner.wait_for_function("document.body.classList.contains('present')", timeout=15_000)
    owner.get_by_role("button", name="Start training").click()
    owner.wait_for_selector("#train-status :text('Epoch')", timeout=30_000)
    owner.locator("#share-run").click()
    code_box = owner.locator("#room-code").get_by_role("textbox")
    owner.wait_for_function("(el) => el.value.length === 7", arg=code_box.element_handle(), timeout=15_000)
    code = code_box.input_value()
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{7}", code), code
    owner.wait_for_selector("#room-qr svg", timeout=10_000)
    owner.locator(".toast-body").filter(has_text=f"Room {code} is open").wait_for(timeout=10_000)
    owner.locator(".toast-close").first.click()  # the toast goes; the panel is what the room reads
    owner.locator(".toast-body").first.wait_for(state="detached", timeout=5_000)
    try:
        code_at, qr_at = on_first_screen(owner, "#room-code input"), on_first_screen(owner, "#room-qr svg")
    finally:
        shoot(owner, "room-present.png")
    assert qr_at["width"] >= 300 and qr_at["width"] == qr_at["height"], qr_at  # large, square: read from the back
    assert owner.locator("#room-code input").evaluate("(el) => parseFloat(getComputedStyle(el).fontSize)") >= 40
    assert code_at["y"] < qr_at["y"] and owner.evaluate(OVERFLOW) <= 0

    # The QR code is the address under it: the room's, on this server (drawn again by segno, module for module).
    address = owner.locator("#room-qr a").get_attribute("href")
    assert address == f"{url}?room={code}", address
    drawn = owner.locator("#room-qr svg path").first.get_attribute("d")
    (expected,) = re.findall(r' d="([^"]+)"', segno.make(address, error="m").svg_inline())
    assert modules(drawn) == modules(expected), address

    # Three phones open that address (one of them reads Chinese): the Room tab, and the run's live plot on their
    # first screen, as it goes on.
    phones = []
    for lang in ("", "&lang=zh", ""):
        phone = browser.new_page(viewport=SIZES["phone"])
        phone.goto(address + lang)
        phones.append(phone)
    for phone in phones:
        phone.wait_for_function(f"({ROOM_PLOT_VERTICES})() > 0", timeout=30_000)
        phone.wait_for_selector(f"#room-line :text('{code}')", timeout=10_000)
        assert phone.get_by_role("tab", selected=True).inner_text() in ("Room", "课堂")
        on_first_screen(phone, "#room-plot")
        assert phone.evaluate(OVERFLOW) <= 0
    for phone in phones:
        text_moves(phone, "#room-status")
    shoot(phones[0], "room-phone.png")
    shoot(phones[1], "room-phone-zh.png")

    # One presses Stop while the run trains: only the owner may, it is told, and the lecturer's run goes on.
    stopping = phones[2]
    (job,) = ctx.jobs.all()
    assert job.finished is None
    open_tab(stopping, "Train")
    stopping.get_by_role("button", name="Stop").click()
    stopping.locator(".toast-body").filter(has_text="only they can stop it").wait_for(timeout=10_000)
    assert not job.stopped
    text_moves(owner, "#train-status")
    text_moves(stopping, "#room-status")
    owner.locator("#room-count").get_by_text("3 following").wait_for(timeout=15_000)  # its count, every 5 s
    # Everyone has joined: the lecturer folds the QR code away, and the plot gets the space back; and back again.
    plot_at = owner.locator("#live-plot").bounding_box()
    owner.locator("#room-fold").click()
    owner.locator("#room-qr svg").wait_for(state="hidden", timeout=5_000)
    owner.wait_for_timeout(300)
    folded_at = owner.locator("#live-plot").bounding_box()
    assert folded_at["width"] > plot_at["width"] and folded_at["y"] <= plot_at["y"], (plot_at, folded_at)
    shoot(owner, "room-present-folded.png")
    owner.locator("#room-fold").click()
    owner.locator("#room-qr svg").wait_for(state="visible", timeout=5_000)

    # One generates, with the room's model (after its first epoch), which the model line names.
    generating = phones[0]
    model_line = generating.locator("#current-model")
    model_line.get_by_text(f"room {code}'s model").wait_for(timeout=60_000)
    open_tab(generating, "Generate")  # on a phone, behind "More tabs"
    generating.get_by_role("button", name="Generate", exact=True).click()
    output = generating.get_by_role("textbox", name="Generated text", exact=True)
    generating.wait_for_function("(el) => el.value.length > 50", arg=output.element_handle(), timeout=30_000)
    assert f"room {code}'s model" in model_line.inner_text()

    # The run ends by itself, and the room's last frame says how.
    deadline = time.monotonic() + 60
    while job.finished is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert job.finished is not None and job.finished.reason in ("completed", "time limit"), job.finished
    for phone in phones[::2]:
        phone.wait_for_function("(ended) => new RegExp(ended).test(document.querySelector('#room-status').textContent)",
                                arg=ENDED, timeout=15_000)  # fmt: skip
    for page in (owner, *phones):  # their streams closed now: the server stops at once, not after a grace period
        page.close()


def test_a_start_that_waits_sees_its_place_and_can_follow_the_room_instead(browser, served):
    url, ctx = served
    owner = browser.new_page(viewport=SIZES["projector"])
    owner.goto(url)
    owner.get_by_role("button", name="Start training").click()
    owner.wait_for_selector("#train-status :text('Epoch')", timeout=30_000)
    owner.locator("#share-run").click()
    code = owner.locator("#room-code").get_by_role("textbox").input_value(timeout=15_000)

    student = browser.new_page(viewport=SIZES["phone"])
    student.goto(url)
    student.get_by_role("button", name="Start training").click()
    note = student.locator("#train-queue")
    note.get_by_text("number 1 in the queue").wait_for(timeout=15_000)
    assert re.search(r"about \d+ (s|min) to wait", note.text_content()), note.text_content()
    shoot(student, "room-queue.png")
    with student.expect_popup() as opened:  # the room in a tab of its own: this one keeps its place in the line
        note.get_by_role("link", name=code).click()
    room = opened.value
    room.wait_for_selector(f"#room-line :text('{code}')", timeout=30_000)
    assert room.locator("button[role='tab'][aria-selected='true']").text_content().strip() == "Room"
    room.wait_for_function(f"({ROOM_PLOT_VERTICES})() > 2", timeout=30_000)
    assert len(ctx.jobs.waiting()) == 1  # the student's Start still waits for its turn
    student.get_by_role("button", name="Stop").click()  # and leaves the line
    note.get_by_text("number 1").wait_for(state="detached", timeout=15_000)
    assert ctx.jobs.waiting() == []
    room.close()
    owner.close()
    student.close()
