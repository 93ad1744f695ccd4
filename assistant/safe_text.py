"""Report text made inert for the places it is shown: terminals and Markdown.

Reports, their titles and even their file names are untrusted: a terminal runs the escape
sequences in them (clearing the screen, retitling the window, hiding text), bidi overrides
reorder what a reader sees, and Markdown turns tags and `![x](url)` into HTML and remote loads.
"""

from __future__ import annotations

import re

# ECMA-48 escape sequences, removed whole so that no half of one is left to print: CSI
# (ESC [ ... final byte), strings (OSC, DCS, SOS, PM, APC) ended by BEL or ST, and two-byte escapes.
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)"
    r"|\x1b[ -/]*[0-~]"
)
# C0 controls but tab and newline, DEL, C1 controls, and the bidi embeddings/overrides/isolates.
UNSAFE_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

# What Markdown or HTML would read as syntax inside a line: emphasis, code, links and images,
# tags, entities, tables, strikethrough, and the backslash that escapes all of these.
_MARKDOWN_INLINE = re.compile(r"([\\`*_{}\[\]<>!|~&])")
# What makes a whole line a block: headings, quotes, list items, rules, fences, setext underlines.
_MARKDOWN_LINE_START = re.compile(r"^([ \t]*)([#>+\-=]|\d+(?=[.)]))", re.M)


def terminal_safe(text: str) -> str:
    """Text a terminal shows as it reads: escape sequences, control characters (but tab and
    newline) and bidi overrides removed."""
    return UNSAFE_CHARS.sub("", _ESCAPE_SEQUENCE.sub("", text))


def markdown_literal(text: str) -> str:
    """Text that a Markdown renderer shows character for character: no tags, links, images,
    emphasis or blocks (CommonMark lets a backslash escape any ASCII punctuation)."""
    text = _MARKDOWN_INLINE.sub(r"\\\1", text)
    return _MARKDOWN_LINE_START.sub(_escape_line_start, text)


def _escape_line_start(m: re.Match[str]) -> str:
    indent, mark = m.group(1), m.group(2)
    if mark.isdigit():  # "1. " starts a list; "1\. " does not (the dot is escaped after it)
        return f"{indent}{mark}\\"
    return f"{indent}\\{mark}"
