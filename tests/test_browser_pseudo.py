"""The app in the pseudo-locale (tests/pseudo.py), in headless Chromium, at a phone's width (390 px) and a projector's
(1280 px): every tab, with its folded sections open, after a short run. Two checks on what the page shows:

- every word comes through the catalogue: an English word outside the marks ⟦ ⟧ of a catalogue text reached the
  reader some other way, unless ALLOWED says why it rightly does (a short list) or it is a name (NAMES);
- nothing is cut off, and nothing runs off a phone's screen: no text reaches past the edge of a box that hides what
  overflows it, or past the page's edge where nothing scrolls to it, and no text lost its end (its closing mark).

Screenshots of every tab at both widths go to $CHARLM_SCREENSHOTS when it is set, named
pseudo-<tab>-<width>.png. Chromium is Debian's package (`apt-get install chromium-headless-shell`, or chromium).
"""

from __future__ import annotations

import re

import pytest
from pseudo import ACCENTED, CODE, use_locales
from test_browser import open_settings, set_number, shoot, wait_quiet

from charlm.corpora import CORPORA
from charlm.i18n import text
from charlm.layers import ENGINES
from charlm.train import OPTIMIZERS

pytestmark = pytest.mark.browser

WIDTHS = {"phone": {"width": 390, "height": 844}, "projector": {"width": 1280, "height": 800}}
TABS = ("train", "room", "inspect", "gen_tab", "guess", "models_tab", "compare", "cells_tab")  # as the page has them

# Where English rightly reaches the page without the catalogue, and why.
ALLOWED = {
    "#language": "each language's name in itself: the switch shows 'English' to every reader",
    "footer": "Gradio's own footer (Use via API, Built with Gradio, Settings): Gradio translates it into the locales it "
              "has, and shows English in any other",
    ".cm-editor, code, pre": "code: Python and shell commands are the same in every language",
    "#glossary": "the glossary: the English term beside the Chinese book's, on purpose",
    "#model-card": "a checkpoint's model card: its README.md, written in English for the Hub and shown as the file is",
    "#cell-parameters": "torch's parameter names (weight_ih_l0), as code names them",
}  # fmt: skip
# Names, the same in every language: what the command line takes (--optimizer adam, --engine fused, --preprocess raw),
# and the cells' short names, which a run's name is made of ("1. LSTM 2×256, fused", train_tab.py).
NAMES = {*OPTIMIZERS, *ENGINES, *(recipe for spec in CORPORA.values() for recipe in spec.recipes), "RNN", "GRU", "LSTM"}

# Where an element is, for a report: the nearest id that is ours (not Gradio's component-N), and the element.
WHERE = """(el) => {
  let named = el.closest('[id]');
  while (named && (!named.id || named.id.startsWith('component-'))) named = named.parentElement.closest('[id]');
  const classes = typeof el.className === 'string' ? el.className.trim().split(/\\s+/) : [];
  const ours = classes.filter((c) => c && !c.startsWith('svelte-'));
  return `${named ? '#' + named.id : 'body'} ${el.tagName.toLowerCase()}${ours.map((c) => '.' + c).join('')}`;
}"""
# Hidden on purpose, for screen readers or for measuring: inside an sr-only or visually-hidden element (Gradio's
# screen-reader texts, the copy of the tab bar it measures), a box of a pixel or less that clips, or wholly left of the
# page, where nothing scrolls to (the app's out-of-sight Download button, for scripts to click).
HIDDEN = """(el) => {
  if (el.closest('.sr-only, .visually-hidden')) return true;
  for (let up = el; up && up !== document.body; up = up.parentElement) {
    const box = up.getBoundingClientRect();
    if (box.right <= 0) return true;
    if ((box.width <= 1 || box.height <= 1) && getComputedStyle(up).overflow !== 'visible') return true;
  }
  return false;
}"""

# Every visible text node's English words outside the marks of a catalogue text. The marks are counted over each
# Gradio block's text in page order (a text split by its Markdown or HTML into several nodes opens in one and closes
# in another), visible or not (the header's long form is hidden on a phone, its marks still count).
OUTSIDE_THE_CATALOGUE = ("""([allowed, names]) => {
  const OPEN = '\\u27e6', CLOSE = '\\u27e7';
  const depth = new Map(), found = [];
  const where = WHERE, hidden = HIDDEN;
  const named = new Set(names);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest('script, style, noscript, textarea')) continue;
    const block = el.closest('.block') || document.body;
    let d = depth.get(block) || 0, word = '';
    const words = [];
    for (const ch of node.textContent + ' ') {
      if (ch === OPEN) d += 1;
      else if (ch === CLOSE) d = Math.max(0, d - 1);
      if (d === 0 && /[A-Za-z]/.test(ch)) { word += ch; continue; }
      if (word.length >= 2) words.push(word);
      word = '';
    }
    depth.set(block, d);
    const english = words.filter((w) => !named.has(w));
    if (!english.length || el.closest(allowed) || hidden(el)) continue;
    if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
    const box = el.getBoundingClientRect();
    if (box.width && box.height) found.push({words: english, text: node.textContent.trim().slice(0, 100), where: where(el)});
  }
  for (const input of document.querySelectorAll('input, textarea')) {
    const shown = [input.placeholder || ''];
    if (input.closest('.wrap-inner, [role=listbox]') || input.getAttribute('role') === 'listbox') shown.push(input.value);
    for (const value of shown) {
      const words = (value.replace(/\\u27e6[^\\u27e7]*\\u27e7/g, '').match(/[A-Za-z]{2,}/g) || []).filter((w) => !named.has(w));
      if (words.length && input.checkVisibility({checkOpacity: true, checkVisibilityCSS: true}) && !hidden(input)
          && !input.closest(allowed))
        found.push({words, text: value.slice(0, 100), where: where(input) + ' (its value or placeholder)'});
    }
  }
  return found;
}""").replace("WHERE", WHERE).replace("HIDDEN", HIDDEN)

# What is cut off or runs off the screen, text by text: a text that reaches past the edge of a box that hides what
# overflows it (overflow hidden or clip, an SVG picture's edge, a cell's ellipsis), or past the page's right edge,
# unless a box between it and the page scrolls that way (a wide table may scroll sideways; a label may not). And the
# page itself scrolling sideways. (A dropdown's chosen text is an <input>'s value, which ends in an ellipsis by design:
# style.py; the full text is in the list it opens.)
CUT_OFF = ("""() => {
  const where = WHERE, hidden = HIDDEN;
  const found = [], seen = new Set();
  const report = (what, node, el) => {
    const item = {what, text: node.textContent.trim().slice(0, 100), where: where(el)};
    const key = JSON.stringify(item);
    if (!seen.has(key)) { seen.add(key); found.push(item); }
  };
  const visible = (el) => el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true}) && !hidden(el);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || !node.textContent.trim() || el.closest('script, style, noscript') || !visible(el)) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const rects = [...range.getClientRects()].filter((r) => r.width > 0.5 && r.height > 0.5);
    if (!rects.length) continue;
    let scrolls = false;
    for (let up = el; up && up !== document.documentElement; up = up.parentElement) {
      const s = getComputedStyle(up), box = up.getBoundingClientRect();
      const scrollsX = ['auto', 'scroll'].includes(s.overflowX), scrollsY = ['auto', 'scroll'].includes(s.overflowY);
      if (['hidden', 'clip'].includes(s.overflowX) && rects.some((r) => r.left < box.left - 1 || r.right > box.right + 1)) {
        report(`cut off at the side of ${where(up)}`, node, el);
        break;
      }
      if (['hidden', 'clip'].includes(s.overflowY) && rects.some((r) => r.top < box.top - 2 || r.bottom > box.bottom + 2)) {
        report(`cut off at the top or bottom of ${where(up)}`, node, el);
        break;
      }
      if (scrollsX || scrollsY) { scrolls = scrollsX; break; }  // beyond this box's edge is a scroll away
    }
    if (!scrolls && rects.some((r) => r.left < -1 || r.right > window.innerWidth + 1))
      report('outside the page', node, el);
  }
  // A text cut short in its string (Vega ends an axis title too long for its plot in an ellipsis) lost its closing mark:
  // each block's marks balance.
  const OPEN = '\\u27e6', CLOSE = '\\u27e7', marks = new Map();
  for (const node of document.querySelectorAll('.block')) {
    if (node.parentElement.closest('.block') || !visible(node)) continue;
    const all = node.textContent, opened = all.split(OPEN).length - 1, closed = all.split(CLOSE).length - 1;
    if (opened !== closed) found.push({what: `${opened} texts opened, ${closed} closed: one lost its end`,
                                       text: all.slice(all.lastIndexOf(OPEN), all.lastIndexOf(OPEN) + 100), where: where(node)});
  }
  const wider = document.documentElement.scrollWidth - window.innerWidth;
  if (wider > 0) found.push({what: `the page scrolls sideways by ${wider} px`, text: '', where: 'html'});
  return found;
}""").replace("WHERE", WHERE).replace("HIDDEN", HIDDEN)


@pytest.fixture
def locales(tmp_path, monkeypatch):
    return use_locales(tmp_path / "locales", monkeypatch)


@pytest.fixture
def served(locales, served):
    """conftest's app, built once the pseudo-locale's files are in place."""
    return served


def say(key: str, **params) -> str:
    return text(key, CODE, **params)


def open_pseudo_tab(page, key: str) -> None:
    """A tab by its name in the pseudo-locale; on a phone the last ones sit behind Gradio's overflow menu."""
    name = say(f"{key}.tab")
    tab = page.get_by_role("tab", name=name)
    if tab.is_visible():
        tab.click()
    else:
        page.get_by_role("button", name="More tabs").click()  # Gradio's own label: English in every locale it lacks
        page.locator(".overflow-dropdown button", has_text=name).click()
    wait_quiet(page, 150)  # its sections drawn; what its event sends back is waited for by ``settle``


def open_every_section(page) -> None:
    """Every folded section (accordion) of the tab shown, opened: what it holds is on the page too (the sections it
    holds are found on the next round)."""
    for _ in range(10):
        closed = [h for h in page.locator("button.label-wrap:not(.open)").all() if h.is_visible()]
        if not closed:
            return
        header = closed[0].element_handle()
        header.click()
        page.wait_for_function("(h) => h.classList.contains('open')", arg=header, polling="raf")


def settle(page) -> None:
    """Wait until nothing on the page is loading (Gradio's "processing" notes gone) and the plots are drawn."""
    page.wait_for_function("() => ![...document.querySelectorAll('.progress-text, .eta-bar')].some((e) => e.checkVisibility())",
                           timeout=60_000)  # fmt: skip
    wait_quiet(page, 600)


def test_the_app_in_a_longer_language_says_everything_through_the_catalogue_and_cuts_nothing_off(
    locales, browser, served
):
    url, ctx = served
    context = browser.new_context()  # one visitor: a second page finds their session (and run) by its key
    page = context.new_page()
    page.set_viewport_size(WIDTHS["projector"])
    page.goto(url + f"?lang={CODE}")
    page.wait_for_selector(f"text={say('train.start')}")
    names = NAMES | {word for name in ctx.checkpoint_names() for word in re.findall(r"[A-Za-z]+", name)}
    allowed = ", ".join(ALLOWED)

    # The checks see what they look for: a text left in English, and a text longer than the box that clips it.
    page.evaluate("""() => document.body.insertAdjacentHTML('beforeend', '<div id="probe"><p>Left in English</p>'
      + '<div style="width: 40px; overflow: hidden; white-space: nowrap">\u27e6ŧóó łóñğ ƒóř íŧš ƀóẋ\u27e7</div></div>')""")
    assert ["Left", "in", "English"] in [f["words"] for f in page.evaluate(OUTSIDE_THE_CATALOGUE, [allowed, []])]
    assert any(f["what"].startswith("cut off at the side") and "#probe" in f["where"] for f in page.evaluate(CUT_OFF))
    page.evaluate("() => document.getElementById('probe').remove()")

    # a short run: the status, the live plot and a sample on Train, a run to Compare, a model to Inspect
    open_settings(page, say("train.text_section"), say("train.training_section"))
    set_number(page, say("train.epochs_widget", max=ctx.limits.max_epochs), "2")
    set_number(page, say("train.max_chars_widget"), "6000")
    page.get_by_role("button", name=say("train.start")).click()
    page.get_by_text("Finished".translate(ACCENTED)).first.wait_for(timeout=120_000)
    page.close()

    outside, cut = [], []
    for width, viewport in WIDTHS.items():
        page = context.new_page()  # as a phone or a projector opens it: the session found again, its run in it
        page.set_viewport_size(viewport)
        page.goto(url + f"?lang={CODE}")
        page.wait_for_selector(f"text={say('train.start')}")
        for key in TABS:
            open_pseudo_tab(page, key)
            open_every_section(page)
            settle(page)
            shoot(page, f"pseudo-{key}-{width}.png", full_page=True)
            outside += [f"{key} at {width}: {f['words']} in {f['text']!r} ({f['where']})"
                        for f in page.evaluate(OUTSIDE_THE_CATALOGUE, [allowed, sorted(names)])]  # fmt: skip
            cut += [f"{key} at {width}: {f['what']}: {f['text']!r} ({f['where']})" for f in page.evaluate(CUT_OFF)]
        page.close()
    assert not outside, "English that bypassed the catalogue:\n" + "\n".join(outside)
    assert not cut, "cut off or off the page:\n" + "\n".join(cut)
