"""The UI's stylesheet and the few browser-side scripts, kept apart so layout code stays readable.

The scripts exist for what Gradio cannot do server-side: turning clicks inside `gr.HTML` panels into
events with data, and scrolling/flashing the element a click refers to.
"""

CSS = """
#chatbot .searched { font-size: 0.85em; opacity: 0.8; }
#chatbot .cite { color: var(--color-accent); cursor: pointer; font-weight: 600;
  font-size: .85em; vertical-align: super; padding: 0 1px; }
#chatbot .cite:hover { text-decoration: underline; }
#chatbot .cite:focus-visible { outline: 2px solid var(--color-accent); outline-offset: 2px;
  border-radius: 2px; }
.sources h3, .report h3 { margin: .2em 0 .5em; }
.src { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 10px;
  margin-bottom: 8px; transition: box-shadow .3s; }
.src.flash { box-shadow: 0 0 0 3px var(--color-accent); }
.src-n { font-weight: 700; color: var(--color-accent); }
.src-title { font-weight: 600; }
.src-support { font-size: .75em; border: 1px solid currentColor; border-radius: 4px;
  padding: 0 4px; margin-left: 4px; opacity: .8; }
.src-support.unsupported { color: var(--error-text-color, #b91c1c); }
.src-meta { font-size: .85em; opacity: .75; margin: 2px 0 4px; }
.src-context { margin: 4px 0; padding-left: 8px; border-left: 3px solid var(--border-color-primary);
  white-space: pre-wrap; }
mark.quote { background: #fde68a; color: #111; padding: 0 1px; }
button.open-report { font-family: inherit; font-size: .85em; color: var(--color-accent);
  background: none; border: none; padding: 0; cursor: pointer; text-decoration: underline; }
button.open-report.link { text-align: left; font-size: 1em; font-weight: 600; }
.report-text { white-space: pre-wrap; max-height: 420px; overflow-y: auto; line-height: 1.5; }
.report-list { list-style: none; padding: 0; margin: 4px 0; }
.report-list li { padding: 4px 2px; border-bottom: 1px solid var(--border-color-primary);
  overflow-wrap: anywhere; }
.panel-empty { opacity: .7; font-size: .9em; padding: 4px; }
.upload-errors { color: var(--error-text-color, #b91c1c); }
.abstain { font-weight: 600; }
"""

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


__all__ = ["COPY_JS", "CSS", "FOCUS_SOURCE_JS", "PANEL_JS", "SCROLL_QUOTE_JS"]
