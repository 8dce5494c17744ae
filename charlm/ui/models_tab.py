"""The Models tab: the pretrained checkpoints in a table with their cards, a Hub id, Download and Push."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import gradio as gr

from ..errors import CharLMError
from ..i18n import speaking
from ..i18n import text as tr
from ..model import CharLM, describe_checkpoint, read_card
from .common import AppContext, Session, api_parameters, current_model, error, localized, model_line, ui

CLICK_DOWNLOAD = "(...args) => { document.querySelector('#download-file button, #download-file')?.click(); return args; }"
# the table's columns, each "models_tab.col_<column>" in the catalogue
TABLE_COLUMNS = ["checkpoint", "model", "text", "valid_perplexity", "size"]


def table_headers() -> list[str]:
    """The table's column headers, in the active language."""
    return [tr(f"models_tab.col_{column}") for column in TABLE_COLUMNS]


def table(ctx: AppContext) -> list[list]:
    """One row per shipped checkpoint: its name, model, text, validation figure and size."""
    rows = []
    for name in ctx.checkpoint_names():
        info = describe_checkpoint(ctx.checkpoints / name)
        figure = f"{info.valid_perplexity:.2f}" if info.valid_perplexity else "—"
        rows.append([name, info.model or tr("models_tab.unreadable"), info.text, figure, f"{info.megabytes:.1f}"])
    return rows


def shown_table(ctx: AppContext) -> dict:
    """The table as the tab shows it, headers included, in the active language."""
    return {"data": table(ctx), "headers": table_headers()}


def card_of(ctx: AppContext, name: str | None) -> str:
    """The model card of a listed checkpoint; nothing for a name that is not listed (never a path). The card is the
    checkpoint's own README (English, as it is on the Hub); in Chinese a line above says so."""
    card = read_card(ctx.checkpoints / name) if name in ctx.checkpoint_names() else ""
    return tr("models_tab.card", card=card) if card else ""


def checkpoint_choices(ctx: AppContext) -> list[tuple[str, str]]:
    """The dropdown's choices: each checkpoint's label (in the active language) and name."""
    return [(ctx.checkpoint_label(n), n) for n in ctx.checkpoint_names()]


@localized
def load_checkpoint(ctx: AppContext, session: Session, name: str, hub_id: str):
    hub_id = (hub_id or "").strip()
    if not hub_id and name and name not in ctx.checkpoint_names():  # a name, never a path
        raise error(tr("models_tab.no_such_checkpoint", name=name))
    source = hub_id or (ctx.checkpoints / name if name else None)
    if not source:
        raise error(tr("models_tab.pick_one"))
    try:
        # A model from anywhere is held to this server's caps, from its config, before its weights come down (the
        # shipped ones are the server's own choice)
        model = CharLM.from_pretrained(source, device=ctx.device, check=ctx.limits.check_model if hub_id else None)
    except CharLMError as e:
        raise error(e) from None
    session.set_model(model, f"`{hub_id or name}`", None if hub_id else ctx.checkpoints / name)
    return model_line(ctx, session), card_of(ctx, None if hub_id else name)


def export(ctx: AppContext, session: Session, folder: Path) -> Path:
    """The current model as a checkpoint folder, with its model card: a run trained here as it was saved when it ended
    (provenance, history, optimizer state, the card's training section), a loaded checkpoint as it is."""
    model = current_model(ctx, session)
    source = session.checkpoint if session.model is not None else None
    if session.model is None and ctx.start_up_checkpoint:
        source = ctx.checkpoints / ctx.start_up_checkpoint
    if source is not None:
        return Path(shutil.copytree(source, folder))
    model.save_pretrained(folder)  # from the Hub: its own card stays on the Hub
    return folder


@localized
def download(ctx: AppContext, session: Session) -> str:
    """The current model zipped, in the session's folder; Gradio serves a copy of it, and ``served`` removes it."""
    folder = session.files(ctx.scratch) / "download"
    shutil.rmtree(folder, ignore_errors=True)
    export(ctx, session, folder / "model")
    return shutil.make_archive(str(folder / "charlm-model"), "zip", folder / "model")


def served(ctx: AppContext, session: Session) -> None:
    """A Download was handed to Gradio (which keeps its own copy, cleared by the app's ``delete_cache``): ours goes."""
    if session.folder is not None:
        shutil.rmtree(session.folder / "download", ignore_errors=True)


@localized
def push(ctx: AppContext, session: Session, repo_id: str, token: str, private: bool) -> str:
    """Push the current model to the Hub with the visitor's token; the token is used once and kept nowhere."""
    current_model(ctx, session)
    repo_id, token = (repo_id or "").strip(), (token or "").strip()
    if not repo_id or "/" not in repo_id:
        raise error(tr("models_tab.repo_needed"))
    if not token:
        raise error(tr("models_tab.token_needed"))
    from huggingface_hub import HfApi

    with tempfile.TemporaryDirectory(prefix="push-", dir=session.files(ctx.scratch)) as tmp:
        folder = export(ctx, session, Path(tmp) / "model")
        try:
            api = HfApi(token=token)
            url = api.create_repo(repo_id, private=bool(private), exist_ok=True)
            api.upload_folder(repo_id=repo_id, folder_path=folder, commit_message="charlm model")
        except Exception as e:  # the Hub's errors are many; show the message, never the token
            raise error(tr("models_tab.push_refused", reason=str(e).replace(token, "***"))) from None
    return tr("models_tab.pushed", url=url)


def create(ctx: AppContext, demo: gr.Blocks, session: gr.State, current: gr.Markdown, language: gr.Radio) -> gr.Tab:
    names = ctx.checkpoint_names()
    with gr.Tab(ui("models_tab.tab")) as tab:
        with gr.Row(equal_height=True):
            checkpoint = gr.Dropdown(checkpoint_choices(ctx), value=ctx.start_up_checkpoint,
                                     label=ui("models_tab.checkpoint"), scale=3, min_width=200)  # fmt: skip
            hub_id = gr.Textbox(label=ui("models_tab.hub_id"), scale=2, min_width=160)
            load = gr.Button(ui("models_tab.load"), variant="primary", scale=1, min_width=90)
        gr.Markdown(ui("models_tab.intro"))
        shown = shown_table(ctx)
        checkpoints = gr.Dataframe(shown["data"], headers=shown["headers"], interactive=False, wrap=False,
                                   elem_id="models-table")  # fmt: skip
        card = gr.Markdown(card_of(ctx, ctx.start_up_checkpoint), elem_id="model-card")
        with gr.Row():
            download_button = gr.Button(ui("models_tab.download"), elem_id="download-model")
            # What the button's click fills and then clicks, so that one click downloads (a DownloadButton that makes
            # its file when clicked only serves it at the next click); kept out of sight by the app's CSS.
            download_file = gr.DownloadButton(ui("models_tab.download"), elem_id="download-file", elem_classes="out-of-sight")
        with gr.Accordion(ui("models_tab.push_title"), open=False):
            repo_id = gr.Textbox(label=ui("models_tab.repo"))
            token = gr.Textbox(label=ui("models_tab.token"), type="password")
            private = gr.Checkbox(True, label=ui("models_tab.private"))
            push_button = gr.Button(ui("models_tab.push"))
            pushed = gr.Markdown()

    @localized
    def picked(session_value: Session, evt: gr.SelectData):
        row = evt.index[0] if evt.index is not None else None
        name = names[row] if row is not None and row < len(names) else None
        return (name, card_of(ctx, name)) if name else (gr.update(), gr.update())

    @localized
    def chosen(session_value: Session, name: str):
        return card_of(ctx, name)

    @localized
    def on_load(session_value: Session, name: str, hub: str):
        return load_checkpoint(ctx, session_value, name, hub)

    @localized
    def on_download(session_value: Session):
        return download(ctx, session_value)

    @localized
    def on_push(session_value: Session, repo: str, token_value: str, private_value: bool):
        return push(ctx, session_value, repo, token_value, private_value)

    def relabel(session_value: Session, lang: str, name: str | None):
        """The server's texts in the new language: the checkpoints' labels, the table, the card shown."""
        with speaking(lang):
            return gr.update(choices=checkpoint_choices(ctx), value=name), shown_table(ctx), card_of(ctx, name)

    private_api = {"api_visibility": "private"}
    checkpoints.select(picked, session, [checkpoint, card], **private_api)
    checkpoint.input(chosen, [session, checkpoint], card, **private_api)
    load.click(api_parameters(on_load, "checkpoint", "hub_id"), [session, checkpoint, hub_id], [current, card],
               api_name="load")  # fmt: skip
    download_button.click(on_download, session, download_file, api_name="download").then(
        lambda session_value: served(ctx, session_value), session, None, api_visibility="private", js=CLICK_DOWNLOAD
    )
    push_button.click(api_parameters(on_push, "repo_id", "token", "private"), [session, repo_id, token, private], pushed,
                      api_name="push")  # fmt: skip
    language.change(relabel, [session, language, checkpoint], [checkpoint, checkpoints, card], **private_api)
    return tab
