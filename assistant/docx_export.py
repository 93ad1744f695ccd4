"""A conversation as a Word document whose citations are real Word footnotes.

python-docx writes paragraphs and runs but has no footnote API, so the footnotes part
(`word/footnotes.xml`, with the two separator notes Word expects) is written here and related to
the document; each citation marker becomes a `w:footnoteReference` run. Report text only ever goes
into `w:t` elements, escaped, so it cannot become markup.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape

from .citations import MARKER, unescape_markers
from .types import Citation, Turn

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML 1.0


def conversation_docx(
    turns: Sequence[Turn], stale: Sequence[Mapping[str, str]] = (), title: str = ""
) -> bytes:
    """Each question a heading, each answer a paragraph with footnote references, and one
    footnote per citation: the quote, report title, publisher, date, page and offsets."""
    import docx
    from docx.opc.constants import CONTENT_TYPE as CT
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    document = docx.Document()
    if title:
        document.add_heading(_clean(title), level=1)
    notes: list[str] = []
    for i, turn in enumerate(turns):
        document.add_heading(_clean(" ".join(turn.question.split())), level=2)
        first = len(notes) + 1
        numbers = {c.marker: first + k for k, c in enumerate(turn.answer.citations)}
        notes += [_footnote_text(c) for c in turn.answer.citations]
        paragraph = document.add_paragraph()
        pieces = MARKER.split(turn.answer.text)  # text, marker numbers, text, ...
        for j, piece in enumerate(pieces):
            if j % 2 == 0:
                if piece:
                    paragraph.add_run(_clean(unescape_markers(piece)))
                continue
            for n in piece.split(","):
                if int(n) in numbers:
                    _reference(paragraph, numbers[int(n)])
        for rid, what in sorted((stale[i] if i < len(stale) else {}).items()):
            document.add_paragraph(_clean(f"⚠ {rid} was {what} after this answer."))
    part = Part(
        PackURI("/word/footnotes.xml"),
        CT.WML_FOOTNOTES,
        _footnotes_xml(notes),
        document.part.package,
    )
    document.part.relate_to(part, RT.FOOTNOTES)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _reference(paragraph: object, number: int) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = paragraph.add_run()  # type: ignore[attr-defined]
    props = run._r.get_or_add_rPr()
    superscript = OxmlElement("w:vertAlign")
    superscript.set(qn("w:val"), "superscript")
    props.append(superscript)
    ref = OxmlElement("w:footnoteReference")
    ref.set(qn("w:id"), str(number))
    run._r.append(ref)


def _footnote_text(c: Citation) -> str:
    said = ", ".join(x for x in (c.source, c.published.isoformat() if c.published else None) if x)
    page = f", p. {c.page}" if c.page is not None else ""
    head = c.title + (f" ({said})" if said else "")
    quote = " ".join(c.quote.split())
    return f"“{quote}” — {head}, {c.report_id}{page}, chars {c.start}-{c.end}"


def _footnotes_xml(notes: Sequence[str]) -> bytes:
    separators = (
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p>'
        "</w:footnote>"
        '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r>'
        "<w:continuationSeparator/></w:r></w:p></w:footnote>"
    )
    body = "".join(
        f'<w:footnote w:id="{n}"><w:p><w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
        f'<w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> {escape(_clean(text))}</w:t>'
        f"</w:r></w:p></w:footnote>"
        for n, text in enumerate(notes, 1)
    )
    xml = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:footnotes xmlns:w="{_W}">{separators}{body}</w:footnotes>'
    )
    return xml.encode("utf-8")


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)
