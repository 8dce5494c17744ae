"""The texts in every language: the whole catalogue checked (not a sample) as its locale files hold it, the glossary
held to, every id the code names in the catalogue, the language chosen from a browser's tag and a terminal's LANG."""

import ast
import functools
import pickle
import re
import shutil
import string
from pathlib import Path

import polib
import pytest

from charlm import i18n
from charlm.errors import CharLMError, CorpusError
from charlm.i18n import DEFAULT, Msg, from_environment, normalise, speaking, text
from charlm.i18n.catalogue import LOCALES_ENV, NAME_ID, PACKAGE_LOCALES, Language, current, linguas
from charlm.i18n.glossary import OTHER_SENSES, STRICT, term

CHARLM = Path(__file__).resolve().parents[1] / "charlm"
CJK = re.compile(r"[\u3400-\u9fff]")
LETTERS = re.compile(r"[^\W\d_]")
# The script a language is written in: a text of it with none is English left untranslated. (A text whose English has
# no letters, such as the "; " between the items of a list, needs none.)
SCRIPTS = {"zh": CJK}
ERRORS = {"CharLMError", "CorpusError", "CheckpointError", "ShapeError"}
CATALOGUE = current()
IDS = sorted(CATALOGUE.texts[DEFAULT])
TRANSLATIONS = [lang for lang in CATALOGUE.languages if lang != DEFAULT]


def fields_of(template: str) -> set[str]:
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template) if name}


def without_fields(template: str) -> str:
    return "".join(literal for literal, *_ in string.Formatter().parse(template))


def test_the_package_speaks_english_and_chinese_in_that_order():
    assert linguas(PACKAGE_LOCALES) == ["en", "zh"] and list(i18n.languages()) == ["en", "zh"]
    assert [(lang.name, lang.tag) for lang in i18n.languages().values()] == [("English", "en"), ("中文", "zh-CN")]


@pytest.mark.parametrize(("lang", "key"), [(lang, key) for lang in TRANSLATIONS for key in IDS])
def test_every_language_has_every_text_with_the_same_parameters(lang, key):
    english, translated = CATALOGUE.texts[DEFAULT][key], CATALOGUE.texts[lang].get(key)
    assert english.strip(), f"{key}: no English"
    assert translated and translated.strip(), f"{key}: no {lang} (untranslated, or fuzzy)"
    if lang in SCRIPTS and LETTERS.search(without_fields(english)):
        assert SCRIPTS[lang].search(without_fields(translated)), f"{key}: its {lang} is left in English: {translated!r}"
    assert fields_of(english) == fields_of(translated), f"{key}: the languages take different parameters"


@functools.cache
def locale_file(lang: str) -> polib.POFile:
    return polib.pofile(str(PACKAGE_LOCALES / f"{lang}.po"))


@pytest.mark.parametrize("lang", CATALOGUE.languages)
def test_each_locale_file_translates_the_current_english_in_the_same_layout(lang):
    """Each file has English's ids in English's order, each entry with the comments for translators that say where it
    belongs and the English it translates as its msgid (a changed English leaves no translation of an older one), flagged
    as a str.format template; nothing fuzzy or obsolete; its Language header says its tag."""
    po, english = locale_file(lang), locale_file(DEFAULT)
    ids = [e.msgctxt for e in po]
    assert len(ids) == len(set(ids)), f"{lang}.po: an id appears twice"
    assert ids == [e.msgctxt for e in english], f"{lang}.po: not en.po's ids in en.po's order"
    stale = [e.msgctxt for e, source in zip(po, english, strict=True) if e.msgid != source.msgstr]
    assert not stale, f"{lang}.po translates an older English of {stale}"
    assert [e.comment for e in po] == [e.comment for e in english]
    assert sum(e.comment.startswith("part ") for e in po) >= 13 and po[0].comment.startswith("part errors: ")
    assert all(e.flags == ["python-brace-format"] for e in po), "fuzzy, or not marked as a str.format template"
    assert not po.obsolete_entries() and po.metadata["Language"].replace("_", "-") == CATALOGUE.languages[lang].tag
    assert lang == DEFAULT or po.percent_translated() == 100


def test_the_english_file_is_the_source_and_each_language_names_itself():
    assert all(e.msgstr == e.msgid for e in locale_file(DEFAULT))
    names = {lang: CATALOGUE.texts[lang][NAME_ID] for lang in CATALOGUE.languages}
    assert len(set(names.values())) == len(names), names  # the switch tells them apart


def mentions(english: str, phrase: str) -> bool:
    for other in OTHER_SENSES.get(phrase, ()):
        english = re.sub(re.escape(other), "", english, flags=re.IGNORECASE)
    return re.search(rf"(?<![\w-]){re.escape(phrase)}(e?s)?(?![\w-])", english, re.IGNORECASE) is not None


@pytest.mark.parametrize("key", IDS)
def test_every_chinese_text_uses_the_books_terms(key):
    """Wherever the English says a glossary term, the Chinese says the Chinese book's word for it."""
    en, zh = (without_fields(CATALOGUE.texts[lang][key]) for lang in ("en", "zh"))
    missing = [f"{e} → {z}" for e, z in STRICT.items() if mentions(en, e) and z not in zh]
    assert not missing, f"{key}: {zh!r} lacks {missing}"


@functools.cache  # parsed once, not once per module it is asked about
def calls_in_charlm() -> list[tuple[str, int, ast.Call]]:
    sites = []
    for path in sorted(CHARLM.rglob("*.py")):
        if "i18n" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                sites.append((str(path.relative_to(CHARLM)), node.lineno, node))
    return sites


def called(call: ast.Call) -> str | None:
    return getattr(call.func, "id", getattr(call.func, "attr", None))


@pytest.mark.parametrize("path", sorted({path for path, _, call in calls_in_charlm() if called(call) in ERRORS}))
def test_every_error_raised_names_a_catalogue_id(path):
    bad = []
    for where, line, call in calls_in_charlm():
        if where != path or called(call) not in ERRORS:
            continue
        first = call.args[0] if call.args else None
        if not (isinstance(first, ast.Constant) and first.value in CATALOGUE):
            bad.append(f"{where}:{line}")
    assert not bad, f"errors raised with text instead of a catalogue id: {bad}"


def test_every_id_the_code_names_is_in_the_catalogue():
    """A message (Msg), a text rendered now (text, imported as tr) and a widget's text (ui) named by a literal id: each
    id is in the catalogue (an id built at run time, f"train.series_{series}", is checked where it is used)."""
    named = [(where, line, call.args[0].value) for where, line, call in calls_in_charlm()
             if called(call) in ("Msg", "tr", "text", "ui") and call.args and isinstance(call.args[0], ast.Constant)
             and isinstance(call.args[0].value, str)]  # fmt: skip
    assert len(named) > 400  # the check sees the code's calls
    unknown = [f"{where}:{line} {key!r}" for where, line, key in named if key not in CATALOGUE]
    assert not unknown, f"ids not in the catalogue: {unknown}"


def test_a_message_renders_in_the_active_language_and_nests():
    m = Msg("errors.whole", name="hidden_size", minimum=1, value=0)
    assert str(m) == "hidden_size must be a whole number ≥ 1, not 0"
    with speaking("zh-CN"):
        assert str(m) == "hidden_size 必须是 ≥ 1 的整数，而不是 0"
        assert text("app.not_whole", label=Msg("app.language"), value=2.5) == "语言 必须是整数，而不是 2.5。"
    assert text("app.not_whole", label=Msg("app.language"), value=2.5) == "Language must be a whole number, not 2.5."


def test_a_missing_chinese_text_falls_back_to_english_never_to_its_id(monkeypatch):
    monkeypatch.delitem(CATALOGUE.texts["zh"], "errors.whole")
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
def test_a_language_tag_is_read_as_a_language_charlm_speaks_or_english(tag, lang):
    assert normalise(tag) == lang


def test_a_terminal_language_is_read_from_its_environment_as_gettext_reads_it():
    assert from_environment({}) == "en"
    assert from_environment({"LANG": "zh_CN.UTF-8"}) == "zh"
    assert from_environment({"LANG": "zh_CN.UTF-8", "LC_ALL": "C"}) == "en"
    assert from_environment({"LANG": "en_US.UTF-8", "LANGUAGE": "zh_CN:en"}) == "zh"
    assert i18n.active() == "en"


# -- a third language: its file, and its code in LINGUAS; no code changes

FRENCH = {NAME_ID: "Français", "app.language": "Langue", "train.series_validation": "validation (fr)",
          "errors.whole": "{name} doit être un nombre entier ≥ {minimum}, et non {value!r}"}  # fmt: skip


@pytest.fixture
def french(tmp_path, monkeypatch) -> Path:
    """The package's locale files and a French one, translated only in part (as a new language starts), with
    CHARLM_LOCALES pointed at them."""
    folder = tmp_path / "locales"
    shutil.copytree(PACKAGE_LOCALES, folder)
    po = polib.pofile(str(folder / "en.po"))
    po.metadata["Language"] = "fr_FR"
    for entry in po:
        entry.msgstr = FRENCH.get(entry.msgctxt, "")
    po.save(str(folder / "fr.po"))
    (folder / "LINGUAS").write_text("en zh fr\n", encoding="utf-8")
    monkeypatch.setenv(LOCALES_ENV, str(folder))
    return folder


def test_a_third_language_is_its_file_and_its_code_in_linguas(french):
    assert list(i18n.languages()) == ["en", "zh", "fr"] and i18n.languages()["fr"] == Language("fr", "Français", "fr-FR")
    assert normalise("fr_FR.UTF-8") == normalise("fr-CA") == normalise("FR") == "fr"
    assert normalise("zh-TW") == "zh" and normalise("de-DE") == "en"
    assert from_environment({"LANG": "fr_FR.UTF-8"}) == "fr"
    with speaking("fr-BE"):
        assert i18n.active() == "fr" and text("app.language") == "Langue"
        assert str(Msg("errors.whole", name="epochs", minimum=1, value=0)) == "epochs doit être un nombre entier ≥ 1, et non 0"
        assert text("app.presenting") == "Presenting"  # not translated yet: English, never its id
    assert text("app.language") == "Language" and text("app.language", "zh") == "语言"


def test_each_run_is_drawn_in_a_third_language_too(french):
    """What draws a run once per language (its screens, the live plot's series names) draws it in every language."""
    from charlm.ui import live_plot
    from charlm.ui.run_view import Broadcast

    assert list(Broadcast("1. GRU", 1, 60.0, str).screens) == ["en", "zh", "fr"]
    assert live_plot.plot_colors()["validation (fr)"] == live_plot.COLORS["validation"]
    with speaking("fr"):
        assert live_plot.retitled({"columns": ["x", "y", "series"], "data": [[1, 2.0, "验证"]]})["value"]["series"].tolist() \
            == ["validation (fr)"]  # a plot drawn in Chinese, renamed for a visitor who switched to French


@pytest.mark.slow
def test_the_app_offers_a_third_language_in_its_switch_and_its_browser_tables(french):
    import app
    from charlm.limits import Limits
    from charlm.ui import style
    from charlm.ui.common import I18N, AppContext

    config = app.build_demo(AppContext.create(app.CHECKPOINTS, Limits(), load_model=False)).get_config_file()
    switch = next(c for c in config["components"] if c.get("props", {}).get("elem_id") == "language")
    assert [tuple(choice) for choice in switch["props"]["choices"]] == [("English", "en"), ("中文", "zh"), ("Français", "fr")]
    assert I18N.translations["fr"]["app.language"] == "Langue" and I18N.translations["fr"]["app.presenting"] == "Presenting"
    from_browser, switch_script = style.language_scripts()
    assert '"fr": "fr-FR"' in from_browser and '"zh": "zh-CN"' in switch_script


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
    names = {lang.name for lang in i18n.languages().values()}  # the language switch's: each in itself
    return [t for t in found if MARKER not in t and SAYS_SOMETHING.search(t) and t not in names]


def test_every_text_on_the_page_is_translated_by_the_browser_or_redrawn_when_the_language_changes(page_config):
    components = {c["id"]: c for c in page_config["components"]}
    language = next(c["id"] for c in components.values() if c.get("props", {}).get("elem_id") == "language")
    redrawn = {out for dep in page_config["dependencies"] if (language, "change") in map(tuple, dep["targets"])
               for out in dep["outputs"]}  # fmt: skip
    header = next(c["id"] for c in components.values() if c.get("props", {}).get("elem_id") == "header")
    assert header in redrawn  # the check sees the switch's events
    left = {f"{c['type']} #{i}: {t[:60]!r}" for i, c in components.items() if i not in redrawn for t in plain_texts(c)}
    assert not left, f"English the language switch never reaches: {sorted(left)}"


def test_every_key_the_page_asks_the_browser_for_is_in_every_language(page_config):
    keys = set(re.findall(r'"key": "([^"]+)"', str(page_config["components"])))
    from charlm.ui.common import I18N

    tables = I18N.translations  # what app.launch_options() hands Gradio: each language's under its code
    assert keys and all(keys <= set(tables[lang]) for lang in i18n.languages())
    for key in keys:
        assert CJK.search(tables["zh"][key]), f"{key}: {tables['zh'][key]!r}"
        assert tables["en"][key] != tables["zh"][key]


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
