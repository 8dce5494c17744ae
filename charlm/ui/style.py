"""The app's own CSS, the presenting view's switch and the language switch: what the page needs beyond Gradio's theme.

The presenting view (the header's switch, or ``?present`` in the address, for a lecturer's bookmark) puts the class
``present`` on the page's body: text, plot fonts and lines get larger for the back of a lecture hall, and the
settings a lecture does not need are hidden (a preset still sets them).
"""

import json

from ..i18n import DEFAULT, languages

CSS = """
/* The header is one line on a phone: where it trains in a word ("CPU"), and the model's details give way; on a wider
   screen it says where in full ("this machine's CPU") and what the app is. */
#header p { margin: 0; }
#header .short { display: none; }
/* The live plot's caption (what its curves are) is under the picture, inside the plot's block, which Gradio gives the
   plot's height (320 px, live_plot.widget) and clips: the block grows to hold it, however many lines it wraps to, and
   the picture keeps the height it had in the 320-px block (Vega sizes it to its box, which would otherwise be empty). */
#live-plot, #room-plot { height: auto !important; }
#live-plot .vega-embed, #room-plot .vega-embed { height: 298px; }
/* A widget that must be on the page for scripts to click, but not seen (Gradio leaves invisible ones out). */
.out-of-sight { position: absolute !important; left: -10000px; width: 1px; height: 1px; overflow: hidden; }
@media (max-width: 640px) {
  #header .long, #current-model .details { display: none; }
  #header .short { display: inline; }
}
/* A dropdown's chosen text stops before its arrow (Gradio draws the arrow over the text's end), and a text too long
   for the box ends in an ellipsis: "The Time Mach…", never "The Time Mac▾h". Every dropdown of the app. */
.gradio-container input[role="combobox"] { padding-right: var(--size-8); text-overflow: ellipsis; }
/* Tables scroll inside themselves on a narrow screen; words never break. On a phone a column's header wraps between
   its words, so that it reads whole ("best validation perplexity", not "best valida"), and the columns are narrower. */
.gradio-container table th, .gradio-container table td { word-break: keep-all; overflow-wrap: normal; }
.gradio-container table th span, .gradio-container table td span { white-space: nowrap; }
/* ... except a cell longer than the table is wide (a corpus's title on a phone): Gradio caps every column at the table's
   visible width and ended such a cell in an ellipsis; it wraps between its words instead. The columns are measured on
   one line (in Gradio's hidden sizing table, the td above), so a shown cell (a div) that fits its column stays on one. */
.gradio-container .virtual-body .cell-wrap span { white-space: normal; word-break: keep-all; overflow-wrap: normal; }
/* (Gradio copies the rules inside @media under its own .gradio-container: they must not name it again.) */
@media (max-width: 640px) {
  table th span.header { white-space: normal; }
  table th .header-content { overflow: visible; }
}
/* A table wider than its box says so: a shade at its right edge while there is more to scroll to, gone at the end (a
   scroll-driven animation; where a browser has none, no shade). A phone draws no scrollbar until a finger moves. */
.gradio-container { --charlm-shade: linear-gradient(to right, transparent,
                                                    color-mix(in srgb, var(--body-text-color) 22%, transparent)); }
.table-wrap { timeline-scope: --charlm-table; }
.table-wrap .virtual-table-viewport { scroll-timeline: --charlm-table x; }
.table-wrap::after { content: ""; position: absolute; top: 0; right: 0; bottom: 0; width: 32px; pointer-events: none;
                     z-index: 5; opacity: 0; background: var(--charlm-shade);
                     animation: charlm-more linear both; animation-timeline: --charlm-table; }
@keyframes charlm-more { from { opacity: 1; } 96% { opacity: 1; } to { opacity: 0; } }
/* A table in a text (a model card's history) was cut at the phone's edge with no way to see the rest: it scrolls, and
   its right edge is shaded while there is more (the same animation, on the table's own background). */
@media (max-width: 640px) {
  .prose table { display: block; max-width: 100%; overflow-x: auto; border: none; padding: 0;
                 animation: charlm-more-text linear both;
                 background: var(--charlm-shade) right / 0 100% no-repeat;
                 animation-timeline: scroll(self inline); }
}
@keyframes charlm-more-text { from { background-size: 32px 100%; } 96% { background-size: 32px 100%; }
                              to { background-size: 0 100%; } }
/* Plot titles on a phone: plotly's (Inspect, Compare) and the live plot's (Vega) in a smaller font, their axis titles
   and legends too; a title still too long for its picture is fitted by FIT_TITLES (below). */
@media (max-width: 640px) {
  .js-plotly-plot .gtitle { font-size: 13px !important; }
  .js-plotly-plot .g-xtitle text, .js-plotly-plot .g-ytitle text { font-size: 12px !important; }
  .js-plotly-plot .legendtext { font-size: 11px !important; }
  #live-plot .role-title-text text { font-size: 12px !important; }
  #live-plot .role-axis-title text { font-size: 11px !important; }
  /* The heatmap's 120 characters, one label each, ran into one another: every tenth is shown (the hover names each). */
  #gate-heatmap .xtick text { display: none; }
  #gate-heatmap .xtick:nth-of-type(10n + 1) text { display: inline; }
  /* A picture starts under its badge (gr.Plot's label, drawn over its top left), where a title on two lines reaches. */
  .js-plotly-plot { margin-top: 20px; }
  /* The path's colour bar lies over its x-axis title on a narrow picture; the dropdown above it names the colouring. */
  #path-plot .colorbar .cbtitle { display: none; }
}
/* The presenting view. */
body.present { --text-xxs: 14px; --text-xs: 16px; --text-sm: 20px; --text-md: 24px; --text-lg: 28px;
               --text-xl: 34px; --text-xxl: 40px; --block-label-text-size: 20px; --block-info-text-size: 18px;
               --block-title-text-size: 22px; --button-large-text-size: 26px; }
body.present .prose, body.present .prose p, body.present .prose li { font-size: 24px !important; }
body.present #live-plot .role-axis-label text { font-size: 18px !important; }
body.present #live-plot .role-axis-title text { font-size: 20px !important; }
/* (the legend and the title keep their size: Vega placed them for it) */
body.present #live-plot .mark-line path, body.present #live-plot path[class*="line"] { stroke-width: 4px !important; }
body.present #gate-heatmap .xtick text, body.present #gate-heatmap .ytick text { font-size: 18px !important; }
body.present #gate-heatmap .gtitle { font-size: 22px !important; }
body.present .settings, body.present footer, body.present #header .long, body.present #current-model .details
  { display: none !important; }
body.present #header .short { display: inline !important; }
body.present button[role="tab"], body.present .overflow-dropdown button { font-size: 22px !important; }
body.present input, body.present textarea { font-size: 22px !important; }
/* The room (room_tab.py). Its code, read off a projector and typed on a phone, is in a monospace font with its letters
   spaced: on the projector, in the box a follower types it into, in the room's line. */
#room-code input, #room-join-code input { font-family: var(--font-mono); font-weight: 600; letter-spacing: 0.2em; }
#room-code input { font-size: 32px; text-align: center; }
body.present #room-code input { font-size: 52px !important; }
body.present #room-close { font-size: 18px !important; }  /* a small button, but read from the lectern */
#room-line strong { font-family: var(--font-mono); }
/* Folded (the panel's QR button): once the room has joined, the code stays, smaller, and the plot gets the space back. */
body.room-folded #room-qr, body.room-folded #room-count { display: none !important; }
body.present.room-folded { --room-side: 260px; }
body.present.room-folded #room-code input { font-size: 34px !important; }
/* The QR code: black on white, with a quiet zone (a dark theme drew it black on near-black grey), as wide as its panel
   (segno draws it with a viewBox), square. The address under it is one long word: it breaks anywhere. */
.room-qr-code { background: #fff; padding: 12px; border-radius: 4px; line-height: 0; max-width: 320px; margin: 0 auto; }
.room-qr-code svg { display: block; width: 100%; height: auto; }
.room-join-at { overflow-wrap: anywhere; }
/* The presenting view, wider than a phone: the room's panel is a column at the Train tab's right, from its top, so that
   the code and a QR code large enough to scan from the back of a lecture hall are on the first screen, beside the
   preset, Start and the plot. (Gradio writes its container before each selector inside @media: ":is(.present *)"
   asks for the presenting view's body above it.) */
body.present { --room-side: clamp(300px, 30vw, 560px); }
@media (min-width: 900px) {
  .column:has(> #plot-and-room > #room-panel):is(.present *) { position: relative;
                                                               padding-right: calc(var(--room-side) + 24px); }
  #plot-and-room:is(.present *) { position: static; }
  #room-panel:is(.present *) { position: absolute; top: 0; right: 0; width: var(--room-side); }
  #room-panel:is(.present *) .room-qr-code { max-width: none; }
  #share-run:is(.present *) { font-size: 20px !important; padding-inline: 8px; }  /* on one line, in a narrower row */
}
/* The room's copy of the live plot, as the Train tab's: smaller titles on a phone, larger in the presenting view. */
@media (max-width: 640px) {
  #room-plot .role-title-text text { font-size: 12px !important; }
  #room-plot .role-axis-title text { font-size: 11px !important; }
}
body.present #room-plot .role-axis-label text { font-size: 18px !important; }
body.present #room-plot .role-axis-title text { font-size: 20px !important; }
body.present #room-plot .mark-line path, body.present #room-plot path[class*="line"] { stroke-width: 4px !important; }
/* Shannon's guessing game (guess_tab.py). The passage in a monospace box that wraps its lines anywhere (a long word
   never widens the page), the context read in grey, the characters found in the text's own colour, a steady cursor
   where the next one goes. The guess is typed in a large box (16 px at least: a phone zooms into a smaller one). */
.guess-passage { font-family: var(--font-mono); font-size: 17px; line-height: 1.6; white-space: pre-wrap;
                 overflow-wrap: anywhere; padding: 10px 12px; border: 1px solid var(--border-color-primary);
                 border-radius: var(--radius-md); background: var(--background-fill-secondary); }
.guess-passage .guess-read { color: var(--body-text-color-subdued); }
.guess-passage b { color: var(--body-text-color); font-weight: 700; }
.guess-cursor { color: var(--color-accent); font-weight: 700; }
#guess-passage p { margin: 4px 2px 0; color: var(--body-text-color-subdued); }
#guess-input input, #guess-input textarea { font-family: var(--font-mono); font-size: 22px; text-align: center; }
body.present .guess-passage { font-size: 26px !important; }
body.present #guess-input input, body.present #guess-input textarea { font-size: 30px !important; }
"""

# Run on page load: the ``present`` URL parameter switches the presenting view on.
FROM_URL = "() => new URLSearchParams(window.location.search).has('present')"
# Run when the switch changes: the class the CSS above keys on.
TOGGLE = "(on) => { document.body.classList.toggle('present', !!on); return on; }"
# The room's panel: its QR code folded away and back (the page's own business: no request).
FOLD_ROOM = "() => { document.body.classList.toggle('room-folded'); }"

# The language. Gradio translates the page as built (gr.I18n) into the browser's language when it loads; these switch
# it in place, with no reload (a reload would start a new session: the visitor's model and runs would be gone).
# Gradio's frontend exports ``changeLocale`` from its core module, which the page has already loaded: importing it
# again returns the same module, and so the same locale. Each language is set as its file's tag ("zh-CN"), the locale
# whose texts Gradio's own chrome has; the app's texts, kept under the language's code ("zh"), are found from it as
# Gradio's i18n library falls back from "zh-CN" (or "zh-TW") to "zh", and from any locale to English.
_SET_LOCALE = """
const charlmTags = %s;
const charlmLocale = (lang) => {
  const core = performance.getEntriesByType('resource').map((e) => e.name)
    .find((name) => /\\/assets\\/core-[^/]*\\.js$/.test(name));
  if (core) import(core).then((m) => m.changeLocale && m.changeLocale(charlmTags[lang] || lang));
};
"""
# Run on page load: ``?lang=zh`` (any code of a language charlm speaks) in the address, else the browser's language,
# read as charlm.i18n.normalise reads a tag: the whole tag if it is a code, else its language ("zh-CN", "zh-Hans",
# "zh_TW" → "zh"), else English. Gradio's own choice (which knows "zh-CN" but not "zh") is aligned with it.
_FROM_BROWSER = """() => {%s
  const asked = (new URLSearchParams(window.location.search).get('lang') || navigator.language || '')
    .trim().toLowerCase().replace(/_/g, '-').split('.')[0].split('@')[0];
  const codes = Object.keys(charlmTags);
  const lang = codes.find((c) => c.toLowerCase() === asked)
    || codes.find((c) => c.toLowerCase() === asked.split('-')[0]) || %s;
  charlmLocale(lang);
  return lang;
}"""
# Run when the switch changes (by hand, or from the page load above).
_SWITCH = """(lang) => {%s
  charlmLocale(lang);
  return lang;
}"""


def language_scripts() -> tuple[str, str]:
    """The page's two language scripts, for the languages charlm speaks as the app is built: (on page load, on a
    switch)."""
    tags = json.dumps({code: lang.tag for code, lang in languages().items()}, ensure_ascii=False)
    set_locale = _SET_LOCALE % tags
    return _FROM_BROWSER % (set_locale, json.dumps(DEFAULT)), _SWITCH % set_locale


# Run once when the page loads: every plot title that is wider than its picture (plotly's in Inspect and Compare, the
# live plot's) is fitted to it, again each time a plot is drawn. An SVG text never wraps by itself and CSS cannot
# shrink a text to its room, so: a smaller font, down to MIN_PX; then a title on two lines, the first above where the
# title was (plotly keeps room above its plots; a title centred above a Vega chart only shrinks). A plotly axis title,
# legend entry or note that still does not fit its picture (a longer language's, on a phone; a y-axis title longer than
# its axis) is drawn again by plotly on as many lines as it needs, broken between words, with the room for them
# (``Plotly.relayout``: Gradio's plotly is on the page as window.Plotly), and what lies under the plot (its legend, a
# colour bar) is moved below an x-axis title that grew. In English and Chinese, on a projector every title fits and
# nothing changes.
FIT_TITLES = """() => {
  const MIN_PX = 11, MARGIN = 4, SVG = 'http://www.w3.org/2000/svg';
  const axisOf = (text) => {  // the plotly axis an axis title names: "xaxis", "yaxis2"; null for any other text
    const found = [...text.classList].map((c) => c.match(/^([xy])(\\d*)title$/)).find(Boolean);
    return found ? `${found[1]}axis${found[2]}` : null;
  };
  const room = (text) => {
    const picture = text.ownerSVGElement && text.ownerSVGElement.getBoundingClientRect();
    const box = text.getBoundingClientRect();
    if (!picture || !picture.width || !box.width) return null;  // a tab not shown: fitted when it is
    const axis = axisOf(text), graph = text.closest('.js-plotly-plot');
    if (axis && axis[0] === 'y') {  // turned upright: its length is its height, along its axis (not over the title)
      const laid = graph && graph._fullLayout && graph._fullLayout[axis];
      const top = laid ? picture.top + laid._offset - 2 * MARGIN : picture.top + MARGIN;
      const bottom = laid ? picture.top + laid._offset + laid._length + 2 * MARGIN : picture.bottom - MARGIN;
      const centre = (box.top + box.bottom) / 2;
      return {wide: box.height, room: 2 * Math.min(centre - top, bottom - centre), anchor: 'middle'};
    }
    const left = picture.left + MARGIN, right = picture.right - MARGIN;
    const anchor = text.getAttribute('text-anchor') || getComputedStyle(text).textAnchor;
    if (anchor === 'middle') {
      const centre = (box.left + box.right) / 2;
      return {wide: box.width, room: 2 * Math.min(centre - left, right - centre), anchor};
    }
    return {wide: box.width, room: anchor === 'end' ? box.right - left : right - box.left, anchor};
  };
  const broken = (source, lines) => {  // "a b c d" on ``lines`` lines of about the same length, joined by <br>
    const spaced = source.includes(' '), words = spaced ? source.split(' ') : Array.from(source);
    const glue = spaced ? ' ' : '', target = Math.ceil(source.length / lines), out = [];
    let line = '';
    for (const word of words) {
      if (line && (line + glue + word).length > target && out.length < lines - 1) { out.push(line); line = word; }
      else line = line ? line + glue + word : word;
    }
    return [...out, line].join('<br>');
  };
  const redrawn = (text) => {  // asks plotly to draw a text that does not fit on more lines; false where it cannot
    const graph = text.closest('.js-plotly-plot'), r = room(text);
    if (!graph || !window.Plotly || !graph.layout || !r || r.wide <= r.room) return false;
    const lines = Math.min(4, Math.ceil(1.2 * r.wide / r.room));  // a fifth to spare: lines break between words
    if (text.classList.contains('legendtext')) {
      const item = text.closest('.traces'), trace = item && item.__data__ && item.__data__[0].trace;
      const source = trace && graph.data[trace.index] && graph.data[trace.index].name;
      if (!source || source.includes('<br>')) return false;
      window.Plotly.restyle(graph, {name: broken(source, lines)}, [trace.index]);
      return true;
    }
    if (text.classList.contains('annotation-text')) {
      const at = text.closest('.annotation'), k = at && at.getAttribute('data-index');
      const source = k !== null && graph.layout.annotations && graph.layout.annotations[k].text;
      if (!source || source.includes('<br>')) return false;
      window.Plotly.relayout(graph, {[`annotations[${k}].text`]: broken(source, lines)});
      return true;
    }
    const axis = axisOf(text), title = axis && graph.layout[axis] && graph.layout[axis].title;
    const source = title && (typeof title === 'string' ? title : title.text);
    if (!source || source.includes('<br>')) return false;
    window.Plotly.relayout(graph, {[`${axis}.title.text`]: broken(source, lines), [`${axis}.automargin`]: true});
    return true;
  };
  const moves = new WeakMap();  // a figure's moves so far (by its layout: a new figure from the server starts again)
  const clear = (graph) => {  // what lies under a plot (its legend, a colour bar) moved below an x-axis title on lines
    const full = graph._fullLayout, titles = [...graph.querySelectorAll('.g-xtitle text, .g-x2title text')];
    const boxes = titles.map((t) => t.getBoundingClientRect()).filter((b) => b.height);
    if (!window.Plotly || !graph.layout || !full || !full._size || !boxes.length) return;
    if ((moves.get(graph.layout) || 0) >= 5) return;
    const bottom = Math.max(...boxes.map((b) => b.bottom)) + MARGIN;
    const under = (selector) => [...graph.querySelectorAll(selector)].map((g) => g.getBoundingClientRect())
      .filter((b) => b.height && b.bottom > bottom).map((b) => bottom - b.top)
      .filter((overlap) => overlap >= 1);  // not a fraction of a pixel: the path picture moved again for one
    const legend = under('.legend'), bars = under('.colorbar');
    if (!legend.length && !bars.length) return;
    moves.set(graph.layout, (moves.get(graph.layout) || 0) + 1);
    const lower = (overlap) => overlap / full._size.h;  // px as a share of the plot's height: the unit of their y
    if (legend.length && full.legend && full.legend.y < 0) {
      window.Plotly.relayout(graph, {'legend.y': full.legend.y - lower(legend[0])});
    }
    const below = graph.data.map((trace, k) => [k, trace.marker && trace.marker.colorbar])
      .filter(([, bar]) => bar && bar.orientation === 'h' && bar.y < 0);
    if (bars.length && below.length) {
      const shift = lower(Math.max(...bars));
      window.Plotly.restyle(graph, {'marker.colorbar.y': below.map(([, bar]) => bar.y - shift)}, below.map(([k]) => k));
    }
  };
  const sized = (text, px) => text.style.setProperty('font-size', px + 'px', 'important');
  const twoLines = (text) => {
    const words = text.textContent.includes(' ') ? text.textContent.split(' ') : Array.from(text.textContent);
    const glue = text.textContent.includes(' ') ? ' ' : '';
    let cut = 1;
    for (let k = 1; k < words.length; k++) {
      const longest = (at) => Math.max(words.slice(0, at).join(glue).length, words.slice(at).join(glue).length);
      if (longest(k) < longest(cut)) cut = k;
    }
    const x = text.getAttribute('x') || 0;
    const lines = [words.slice(0, cut).join(glue), words.slice(cut).join(glue)];
    text.textContent = '';
    lines.forEach((line, k) => {
      const span = document.createElementNS(SVG, 'tspan');
      span.setAttribute('x', x);
      span.setAttribute('dy', k ? '1.15em' : '-1.15em');
      span.textContent = line;
      text.appendChild(span);
    });
  };
  const fit = (text) => {
    let r = room(text);
    if (!r || r.wide <= r.room) return;
    const px = parseFloat(getComputedStyle(text).fontSize);
    sized(text, Math.max(MIN_PX, Math.floor(px * r.room / r.wide)));
    r = room(text);
    if (!r || r.wide <= r.room || redrawn(text)) return;
    if (text.classList.contains('gtitle') && !text.querySelector('tspan')) {  // a plot's own title, above it
      sized(text, px);
      twoLines(text);
      r = room(text);
    }
    if (r && r.wide > r.room) sized(text, Math.max(8, Math.floor(parseFloat(getComputedStyle(text).fontSize) * r.room / r.wide)));
  };
  const TITLES = '.js-plotly-plot .gtitle, .js-plotly-plot .g-xtitle text, .js-plotly-plot .g-x2title text, ' +
                 '.js-plotly-plot .g-ytitle text, .js-plotly-plot .g-y2title text, .js-plotly-plot .legendtext, ' +
                 '.js-plotly-plot .annotation-text, #live-plot .role-title-text text, ' +
                 '#live-plot .role-axis-title text, #room-plot .role-title-text text, #room-plot .role-axis-title text';
  let queued = false;
  const all = () => {
    queued = false;
    document.querySelectorAll(TITLES).forEach(fit);
    document.querySelectorAll('.js-plotly-plot').forEach(clear);
  };
  new MutationObserver(() => { if (!queued) { queued = true; requestAnimationFrame(all); } })
    .observe(document.body, {childList: true, subtree: true, characterData: true});
  all();
}"""
