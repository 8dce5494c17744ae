"""The app's own CSS, the presenting view's switch and the language switch: what the page needs beyond Gradio's theme.

The presenting view (the header's switch, or ``?present`` in the address, for a lecturer's bookmark) puts the class
``present`` on the page's body: text, plot fonts and lines get larger for the back of a lecture hall, and the
settings a lecture does not need are hidden (a preset still sets them).
"""

CSS = """
/* The header is one line on a phone: the tagline and the model's details give way. */
#header p { margin: 0; }
/* A widget that must be on the page for scripts to click, but not seen (Gradio leaves invisible ones out). */
.out-of-sight { position: absolute !important; left: -10000px; width: 1px; height: 1px; overflow: hidden; }
@media (max-width: 640px) {
  #header .long, #current-model .details { display: none; }
}
/* Tables scroll inside themselves on a narrow screen; words never break. */
.gradio-container table th, .gradio-container table td { word-break: keep-all; overflow-wrap: normal; }
.gradio-container table th span, .gradio-container table td span { white-space: nowrap; }
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
body.present button[role="tab"], body.present .overflow-dropdown button { font-size: 22px !important; }
body.present input, body.present textarea { font-size: 22px !important; }
"""

# Run on page load: the ``present`` URL parameter switches the presenting view on.
FROM_URL = "() => new URLSearchParams(window.location.search).has('present')"
# Run when the switch changes: the class the CSS above keys on.
TOGGLE = "(on) => { document.body.classList.toggle('present', !!on); return on; }"

# The language. Gradio translates the page as built (gr.I18n) into the browser's language when it loads; these switch
# it in place, with no reload (a reload would start a new session: the visitor's model and runs would be gone).
# Gradio's frontend exports ``changeLocale`` from its core module, which the page has already loaded: importing it
# again returns the same module, and so the same locale. Any "zh*" tag reads the Simplified Chinese texts.
_SET_LOCALE = """
const charlmLocale = (lang) => {
  const core = performance.getEntriesByType('resource').map((e) => e.name)
    .find((name) => /\\/assets\\/core-[^/]*\\.js$/.test(name));
  if (core) import(core).then((m) => m.changeLocale && m.changeLocale(lang === 'zh' ? 'zh-CN' : 'en'));
};
"""
# Run on page load: ``?lang=zh`` or ``?lang=en`` in the address, else the browser's language ("zh", "zh-CN",
# "zh-Hans", … → Chinese). Gradio's own choice (which knows "zh-CN" but not "zh") is aligned with it.
LANGUAGE_FROM_BROWSER = f"""() => {{{_SET_LOCALE}
  const asked = new URLSearchParams(window.location.search).get('lang') || navigator.language || 'en';
  const lang = asked.toLowerCase().startsWith('zh') ? 'zh' : 'en';
  charlmLocale(lang);
  return lang;
}}"""
# Run when the switch changes (by hand, or from the page load above).
SWITCH_LANGUAGE = f"""(lang) => {{{_SET_LOCALE}
  charlmLocale(lang);
  return lang;
}}"""
