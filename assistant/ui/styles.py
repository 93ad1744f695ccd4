"""The UI's stylesheet and the few browser-side scripts, kept apart so layout code stays readable.

The scripts exist for what Gradio cannot do server-side: turning clicks inside `gr.HTML` panels into
events with data, and scrolling/flashing the element a click refers to.
"""

# Text colours are our own where Gradio's would be too faint to read: its accent (orange), its
# subdued grey (info lines) and text dimmed with opacity fall below a contrast of 4.5:1, and so does
# white on its orange "primary" and red "stop" buttons. These pass 4.5:1 on the light theme's white
# and grey panels and on the dark theme's near-black ones (axe checks both in the browser tests).
# `html:root` outranks the theme's `:root` (and `:root.dark, :root .dark`) whatever the order.
CSS = """
html:root { --ra-link: #9a3412; --ra-muted: #4b5563; --ra-error: #b91c1c;
  --body-text-color-subdued: #52525b;
  --button-primary-background-fill: #c2410c; --button-primary-background-fill-hover: #9a3412;
  --button-cancel-background-fill: #b91c1c; --button-cancel-background-fill-hover: #991b1b; }
html:root.dark, html:root .dark { --ra-link: #fdba74; --ra-muted: #cbd5e1; --ra-error: #fca5a5;
  --body-text-color-subdued: #bbbbc2;
  --button-primary-background-fill: #c2410c; --button-primary-background-fill-hover: #9a3412;
  --button-cancel-background-fill: #b91c1c; --button-cancel-background-fill-hover: #991b1b; }
#chatbot .searched { font-size: 0.85em; color: var(--ra-muted); }
#chatbot .cite { color: var(--ra-link); cursor: pointer; font-weight: 600;
  font-size: .85em; vertical-align: super; padding: 0 1px; }
#chatbot .cite:hover { text-decoration: underline; }
#chatbot .cite:focus-visible { outline: 2px solid var(--ra-link); outline-offset: 2px;
  border-radius: 2px; }
.sources h2, .report h2 { margin: .2em 0 .5em; font-size: 1.15em; }
.src { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 10px;
  margin-bottom: 8px; transition: box-shadow .3s; }
.src.flash { box-shadow: 0 0 0 3px var(--ra-link); }
.src-n { font-weight: 700; color: var(--ra-link); }
.src-title { font-weight: 600; }
.src-support { font-size: .75em; border: 1px solid currentColor; border-radius: 4px;
  padding: 0 4px; margin-left: 4px; color: var(--ra-muted); }
.src-support.unsupported { color: var(--ra-error); }
.src-meta { font-size: .85em; color: var(--ra-muted); margin: 2px 0 4px; }
.src-context { margin: 4px 0; padding-left: 8px; border-left: 3px solid var(--border-color-primary);
  white-space: pre-wrap; }
mark.quote { background: #fde68a; color: #111; padding: 0 1px; }
button.open-report { font-family: inherit; font-size: .85em; color: var(--ra-link);
  background: none; border: none; padding: 0; cursor: pointer; text-decoration: underline; }
button.open-report:focus-visible { outline: 2px solid var(--ra-link); outline-offset: 2px; }
button.open-report.link { text-align: left; font-size: 1em; font-weight: 600; }
.report-text { white-space: pre-wrap; max-height: 420px; overflow-y: auto; line-height: 1.5; }
.report-text:focus-visible { outline: 2px solid var(--ra-link); outline-offset: 2px; }
.report-list { list-style: none; padding: 0; margin: 4px 0; }
.report-list li { padding: 4px 2px; border-bottom: 1px solid var(--border-color-primary);
  overflow-wrap: anywhere; }
.lib-count { font-size: .85em; color: var(--ra-muted); margin: 2px 0; }
.panel-empty { color: var(--ra-muted); font-size: .9em; padding: 4px; }
.upload-errors { color: var(--ra-error); }
.abstain { font-weight: 600; }
.ingest-progress { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 8px; }
.ingest-note { font-size: .85em; color: var(--ra-muted); }
.account-cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr));
  gap: 8px; margin-bottom: 8px; }
.account { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 6px 8px; }
.account h3 { font-size: 1em; margin: 0 0 4px; }
.disagreement { border-left: 4px solid var(--ra-error); padding: 2px 8px; margin-bottom: 8px; }
.disagreement h2 { font-size: 1em; margin: 0; }
"""

# Makes a `gr.HTML` panel a polite live region (its element stays while its content is replaced),
# so what it says (a count of reports, a notice) is read out by screen readers when it changes.
LIVE_JS = """
element.setAttribute('role', 'status');
element.setAttribute('aria-live', 'polite');
"""

# Run once when the page loads (`launch(js=...)`): mends what Gradio's own markup gets wrong for
# assistive technology and CSS cannot reach. Its upload area is named "Click to upload or drop
# files" while it shows "Drop File Here - or - Click to Upload" (axe: label-content-name-mismatch):
# without that aria-label its name is the text it shows. The chat's suggested questions are
# buttons in a `role="list"` without list items (axe: aria-required-children, critical): they are
# a named group instead. Gradio renders both again as files come and go and as the chat empties,
# so an observer repeats the mends.
A11Y_JS = """() => {
  const mend = () => {
    document.querySelectorAll('#upload .upload-container[aria-label]')
      .forEach((el) => el.removeAttribute('aria-label'));
    document.querySelectorAll('#chatbot .examples[role="list"]').forEach((el) => {
      el.setAttribute('role', 'group');
      el.setAttribute('aria-label', 'Suggested questions');
    });
  };
  mend();
  new MutationObserver(mend).observe(document.body, {subtree: true, childList: true});
}"""

# Clicks on buttons inside the sources/report panels are sent to Python with their data.
# The document listener remembers which [n] marker was clicked in the chat, so that after the
# message's select event has rendered its sources, FOCUS_SOURCE_JS can bring that source into view.
PANEL_JS = """
element.addEventListener('click', (e) => {
  const b = e.target.closest('button.open-report');
  if (b) trigger('click', {report: b.dataset.report, start: b.dataset.start || '',
                           end: b.dataset.end || ''});
});
if (!window.__citeListener) {
  window.__citeListener = true;
  document.addEventListener('click', (e) => {
    const c = e.target.closest ? e.target.closest('#chatbot .cite') : null;
    window.__citeMarker = c ? c.textContent.replace(/[^0-9]/g, '') : null;
  }, true);
  // Markers are buttons for the keyboard too: Enter or Space opens the source, as a click does.
  document.addEventListener('keydown', (e) => {
    const c = e.target.closest ? e.target.closest('#chatbot .cite') : null;
    if (c && (e.key === 'Enter' || e.key === ' ')) { e.preventDefault(); c.click(); }
  }, true);
}
"""
FOCUS_SOURCE_JS = """() => {
  const n = window.__citeMarker; window.__citeMarker = null;
  const anchor = n ? document.getElementById('src-' + n) : null;
  const el = anchor ? (anchor.closest('.src') || anchor) : null;  // a merged card holds its anchor
  if (!el) return;
  el.scrollIntoView({block: 'nearest'});
  el.classList.add('flash'); setTimeout(() => el.classList.remove('flash'), 1500);
}"""
SCROLL_QUOTE_JS = """() => {
  const m = document.getElementById('quote-mark');
  if (m) m.scrollIntoView({block: 'center'});
}"""
COPY_JS = """(md) => {
  if (!md) return;
  if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(md); return; }
  const t = document.querySelector('#answer-md textarea');
  if (t) { t.select(); document.execCommand('copy'); }
}"""


__all__ = ["A11Y_JS", "COPY_JS", "CSS", "FOCUS_SOURCE_JS", "LIVE_JS", "PANEL_JS", "SCROLL_QUOTE_JS"]
