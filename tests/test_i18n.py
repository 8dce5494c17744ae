"""The texts in both languages: the whole catalogue checked (not a sample), the glossary held to, every raise site
naming a catalogue id, the language chosen from a browser's tag and a terminal's LANG."""

import ast
import functools
import pickle
import re
import string
from pathlib import Path

import pytest

from charlm import i18n
from charlm.errors import CharLMError, CorpusError
from charlm.i18n import Msg, from_environment, normalise, speaking, text
from charlm.i18n.catalogue import CATALOGUE
from charlm.i18n.glossary import OTHER_SENSES, STRICT, term

CHARLM = Path(__file__).resolve().parents[1] / "charlm"
CJK = re.compile(r"[\u3400-\u9fff]")
ERRORS = {"CharLMError", "CorpusError", "CheckpointError", "ShapeError"}


def fields_of(template: str) -> set[str]:
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template) if name}


def without_fields(template: str) -> str:
    return "".join(literal for literal, *_ in string.Formatter().parse(template))


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_every_text_has_both_languages_with_the_same_parameters(key):
    en, zh = CATALOGUE[key]
    assert isinstance(en, str) and en.strip(), f"{key}: no English"
    assert isinstance(zh, str) and zh.strip(), f"{key}: no Chinese"
    assert CJK.search(without_fields(zh)), f"{key}: its Chinese is left in English: {zh!r}"
    assert fields_of(en) == fields_of(zh), f"{key}: the languages take different parameters"


def mentions(english: str, phrase: str) -> bool:
    for other in OTHER_SENSES.get(phrase, ()):
        english = re.sub(re.escape(other), "", english, flags=re.IGNORECASE)
    return re.search(rf"(?<![\w-]){re.escape(phrase)}(e?s)?(?![\w-])", english, re.IGNORECASE) is not None


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_every_chinese_text_uses_the_books_terms(key):
    """Wherever the English says a glossary term, the Chinese says the Chinese book's word for it."""
    en, zh = (without_fields(t) for t in CATALOGUE[key])
    missing = [f"{e} → {z}" for e, z in STRICT.items() if mentions(en, e) and z not in zh]
    assert not missing, f"{key}: {zh!r} lacks {missing}"


@functools.cache  # parsed once, not once per module it is asked about
def raise_sites() -> list[tuple[str, int, ast.Call]]:
    sites = []
    for path in sorted(CHARLM.rglob("*.py")):
        if "i18n" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) in ERRORS:
                sites.append((str(path.relative_to(CHARLM)), node.lineno, node))
    return sites


@pytest.mark.parametrize("path", sorted({path for path, _, _ in raise_sites()}))
def test_every_error_raised_names_a_catalogue_id(path):
    bad = []
    for where, line, call in raise_sites():
        if where != path:
            continue
        first = call.args[0] if call.args else None
        if not (isinstance(first, ast.Constant) and first.value in CATALOGUE):
            bad.append(f"{where}:{line}")
    assert not bad, f"errors raised with text instead of a catalogue id: {bad}"


def test_a_message_renders_in_the_active_language_and_nests():
    m = Msg("errors.whole", name="hidden_size", minimum=1, value=0)
    assert str(m) == "hidden_size must be a whole number ≥ 1, not 0"
    with speaking("zh-CN"):
        assert str(m) == "hidden_size 必须是 ≥ 1 的整数，而不是 0"
        assert text("app.not_whole", label=Msg("app.language"), value=2.5) == "语言 必须是整数，而不是 2.5。"
    assert text("app.not_whole", label=Msg("app.language"), value=2.5) == "Language must be a whole number, not 2.5."


def test_a_missing_chinese_text_falls_back_to_english_never_to_its_id(monkeypatch):
    monkeypatch.setitem(CATALOGUE, "errors.whole", (CATALOGUE["errors.whole"][0], ""))
    assert text("errors.whole", "zh", name="n", minimum=1, value=0) == "n must be a whole number ≥ 1, not 0"
    with pytest.raises(KeyError, match="not in charlm's message catalogue"):
        Msg("no.such.id")


def test_an_error_carries_its_id_renders_in_either_language_and_pickles():
    e = CorpusError("errors.probability", name="dropout", value=1.5)
    assert isinstance(e, CharLMError) and e.id == "errors.probability" and e.params == {"name": "dropout", "value": 1.5}
    assert str(e) == "dropout must be a probability in [0, 1), not 1.5"
    assert e.render("zh") == "dropout 必须是 [0, 1) 之间的概率，而不是 1.5"
    back = pickle.loads(pickle.dumps(e))
    assert type(back) is CorpusError and str(back) == str(e) and back.render("zh") == e.render("zh")


@pytest.mark.parametrize(("tag", "lang"), [("zh", "zh"), ("zh-CN", "zh"), ("zh-Hans", "zh"), ("zh_CN.UTF-8", "zh"),
                                           ("ZH-tw", "zh"), ("en-US", "en"), ("fr", "en"), ("C", "en"), ("", "en"),
                                           (None, "en")])  # fmt: skip
def test_a_language_tag_is_read_as_chinese_or_english(tag, lang):
    assert normalise(tag) == lang


def test_a_terminal_language_is_read_from_its_environment_as_gettext_reads_it():
    assert from_environment({}) == "en"
    assert from_environment({"LANG": "zh_CN.UTF-8"}) == "zh"
    assert from_environment({"LANG": "zh_CN.UTF-8", "LC_ALL": "C"}) == "en"
    assert from_environment({"LANG": "en_US.UTF-8", "LANGUAGE": "zh_CN:en"}) == "zh"
    assert i18n.active() == "en"


def test_a_glossary_term_has_its_english_beside_it_in_chinese():
    assert term("perplexity", "en") == "perplexity"
    assert term("perplexity", "zh") == "困惑度 (perplexity)"
    with speaking("zh"):
        assert term("forget gate") == "遗忘门 (forget gate)"


# -- the app as built: every text the page starts with is translated in the browser or redrawn in the visitor's language


MARKER = "__i18n__"
TEXT_PROPS = ("label", "info", "placeholder", "title", "x_title", "y_title")
SAYS_SOMETHING = re.compile(r"[A-Za-z]{2,}")


@pytest.fixture(scope="module")
def page_config():
    import app
    from charlm.limits import Limits
    from charlm.ui.common import AppContext

    return app.build_demo(AppContext.create(app.CHECKPOINTS, Limits(), load_model=False)).get_config_file()


def plain_texts(component: dict) -> list[str]:
    """The English a component's page carries as it is built, not through gr.I18n: its label, info, placeholder, titles,
    a button's or a text's value, and choice labels that are not just their value (a name such as "adam" or "GRU")."""
    props, found = component.get("props", {}), []
    for name in TEXT_PROPS:
        if isinstance(props.get(name), str):
            found.append(props[name])
    if component["type"] in ("button", "markdown", "html", "downloadbutton") and isinstance(props.get("value"), str):
        found.append(props["value"])
    for choice in props.get("choices") or []:
        if isinstance(choice, (list, tuple)) and isinstance(choice[0], str) and choice[0] != choice[1]:
            found.append(choice[0])
    return [t for t in found if MARKER not in t and SAYS_SOMETHING.search(t) and t not in ("English", "中文")]


def test_every_text_on_the_page_is_translated_by_the_browser_or_redrawn_when_the_language_changes(page_config):
    components = {c["id"]: c for c in page_config["components"]}
    language = next(c["id"] for c in components.values() if c.get("props", {}).get("elem_id") == "language")
    redrawn = {out for dep in page_config["dependencies"] if (language, "change") in map(tuple, dep["targets"])
               for out in dep["outputs"]}  # fmt: skip
    header = next(c["id"] for c in components.values() if c.get("props", {}).get("elem_id") == "header")
    assert header in redrawn  # the check sees the switch's events
    left = {f"{c['type']} #{i}: {t[:60]!r}" for i, c in components.items() if i not in redrawn for t in plain_texts(c)}
    assert not left, f"English the language switch never reaches: {sorted(left)}"


def test_every_key_the_page_asks_the_browser_for_is_in_both_languages(page_config):
    keys = set(re.findall(r'"key": "([^"]+)"', str(page_config["components"])))
    from charlm.ui.common import I18N

    tables = I18N.translations  # what app.launch_options() hands Gradio
    assert keys and keys <= set(tables["en"]) and keys <= set(tables["zh-CN"])
    for key in keys:
        assert CJK.search(tables["zh-CN"][key]), f"{key}: {tables['zh-CN'][key]!r}"
        assert tables["en"][key] != tables["zh-CN"][key]


def test_the_app_says_nothing_in_english_only():
    """Every message a handler shows (gr.Error, gr.Info, gr.Warning) comes from the catalogue: none is a literal text
    or an f-string, which would reach a Chinese reader in English."""
    literal = []
    for path in [*sorted((CHARLM / "ui").glob("*.py")), CHARLM.parent / "app.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "attr", None) in ("Error", "Info", "Warning")
                    and node.args and isinstance(node.args[0], (ast.Constant, ast.JoinedStr))):  # fmt: skip
                literal.append(f"{path.name}:{node.lineno}")
    assert not literal, f"messages written in English only: {literal}"
