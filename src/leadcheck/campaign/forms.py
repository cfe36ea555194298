"""PDF questionnaires: one fillable form per leader and rater group, personalised per rater, and read back.

WeasyPrint renders the form once per leader and group (the slow part); each
rater's copy only gets its token written into a read-only field by pypdf.
Field names are the contract with ``read_form``: ``item:ID`` radio groups
(export values: the scale's points and ``n`` for not observed), the same for
``importance:ID`` (how important each competency is, for the groups asked),
``comment:ID`` text fields, and the ``lc_*`` reference fields.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from leadcheck import anonymity
from leadcheck.base.errors import ReportError
from leadcheck.instrument.model import SELF, Instrument, importance_dimension, importance_key

ITEM_PREFIX = "item:"
COMMENT_PREFIX = "comment:"
NOT_OBSERVED = "n"
TOKEN_FIELD = "lc_token"  # noqa: S105 (a form field name, not a secret)
WORKSPACE_FIELD = "lc_workspace"
INSTRUMENT_FIELD = "lc_instrument"
GROUP_FIELD = "lc_group"
FORMAT_FIELD = "lc_form"
FORMAT = "leadcheck-questionnaire-1"
# Each radio button's annotation name (/NM) is its group's and its state's: "item:l-1#3". A viewer that
# cuts a button from its group on saving (macOS Preview) leaves the name, and the import reads it.
BUTTON_NAME_SEPARATOR = "#"
REFERENCE_FIELDS = (FORMAT_FIELD, WORKSPACE_FIELD, INSTRUMENT_FIELD, GROUP_FIELD, TOKEN_FIELD)
# A pulse's form is one for every rater of a leader but the leader (their group comes from the code,
# not the form): its group field says so. One render per leader instead of one per group.
ANY_OTHER_GROUP = "others"
# The token's place in a rendered form: blanks as long as a token. Personalising a copy replaces
# the field's value in the PDF's bytes with the token, the same length, so no offset moves.
TOKEN_LENGTH = 29  # six groups of four characters and five dashes (roster.new_token)
TOKEN_PLACEHOLDER = " " * TOKEN_LENGTH
TOKEN_SLOT = b"/V (" + TOKEN_PLACEHOLDER.encode("ascii") + b")"
# Its drawing in the field's appearance stream (kept uncompressed), for viewers that ignore NeedAppearances.
TOKEN_DRAWN = b"(" + TOKEN_PLACEHOLDER.encode("ascii") + b") Tj"


@dataclass(frozen=True)
class FormChoice:
    value: str  # the export value: "1".."5", or "n"
    heading: str  # the column heading
    title: str  # what a screen reader says


@dataclass(frozen=True)
class FormItem:
    field: str
    number: str
    text: str


@dataclass(frozen=True)
class FormDimension:
    name: str
    items: list[FormItem]


@dataclass(frozen=True)
class FormImportance:
    """The importance question: one radio group per competency, on the scale, its ends named."""

    text: str
    choices: list[FormChoice]
    items: list[FormItem]  # field importance:ID, number: the competency id, text: its name


@dataclass(frozen=True)
class FormQuestion:
    field: str
    text: str


@dataclass(frozen=True)
class ReferenceField:
    name: str
    label: str
    value: str


@dataclass(frozen=True)
class QuestionnaireView:
    """Everything the questionnaire template prints, computed here."""

    title: str
    language: str
    about: str
    group_label: str
    due_date: str | None
    purpose: str
    privacy: list[str]
    steps: list[str]
    scale: list[dict[str, Any]]
    not_observed: dict[str, str] | None
    choices: list[FormChoice]
    dimensions: list[FormDimension]
    questions: list[FormQuestion]
    reference: list[ReferenceField] = field(default_factory=list)
    importance: FormImportance | None = None  # asked only of the groups the instrument names


def choices(instrument: Instrument) -> list[FormChoice]:
    """The answers of every item's radio group, in order: the scale's points, then not observed."""
    scale = instrument.scale
    # A scale of change (-3 to +3) shows its signs: "+2" is a step up, not the second point.
    number = "{:+d}" if scale.min < 0 else "{:d}"
    out = [
        FormChoice(
            str(p.value), f"{number.format(p.value)}\n{p.label}", f"{number.format(p.value)}, {p.label}"
        )
        for p in scale.points
    ]
    if scale.not_observed:
        out.append(FormChoice(NOT_OBSERVED, scale.not_observed_label, scale.not_observed_label))
    return out


def importance_choices(instrument: Instrument) -> list[FormChoice]:
    """The importance radio groups' answers: the same values as ``choices``, the scale's ends named
    for importance (its labels say how often, not how much a competency matters)."""
    out = []
    for choice in choices(instrument):
        if choice.value == NOT_OBSERVED:
            out.append(choice)
            continue
        end = {str(instrument.scale.min): "least", str(instrument.scale.max): "most"}.get(choice.value)
        heading = f"{choice.value}\n{end} important" if end else choice.value
        out.append(
            FormChoice(choice.value, heading, f"{choice.value}" + (f", {end} important" if end else ""))
        )
    return out


def _importance(instrument: Instrument, group: str) -> FormImportance | None:
    question = instrument.importance
    if question is None or not instrument.asks_importance(group):
        return None
    return FormImportance(
        question.self_text if group == SELF else question.others_text,
        importance_choices(instrument),
        [FormItem(importance_key(dim.id), dim.id, dim.name) for dim in instrument.dimensions],
    )


STEPS = (
    "Open this file in Adobe Acrobat Reader, your web browser (Chrome, Edge, Firefox) or macOS Preview.",
    "For each statement, click one circle. Leave a row empty to skip a statement.",
    "Type your answers to the open questions into the boxes (optional).",
    'Save the file (File > Save, or the download button in a browser). Do not use "Print to PDF": '
    "it removes your answers.",
    "Send the saved file back as an email attachment to the person who sent it to you.",
    "Changed your mind later? Fill in the same form again and send it: the new answers replace the old.",
)


def questionnaire_view(
    instrument: Instrument, leader: str, group: str, workspace: str, due_date: str | None, pulse: bool = False
) -> QuestionnaireView:
    """The view model of the form for raters of ``group`` about ``leader``; ``pulse``: a follow-up's,
    where ``group`` ANY_OTHER_GROUP is the one form of every rater but the leader."""
    about, purpose, privacy = (_pulse_wording if pulse else _wording)(instrument, leader, group)
    scale = instrument.scale
    label = (
        "one of the people who work with them" if group == ANY_OTHER_GROUP else instrument.group(group).label
    )
    return QuestionnaireView(
        title=instrument.title,
        language=instrument.language,
        about=about,
        group_label=label,
        due_date=due_date,
        purpose=purpose,
        privacy=privacy,
        steps=list(STEPS),
        scale=[{"value": p.value, "label": p.label} for p in scale.points],
        not_observed={"short": NOT_OBSERVED, "label": scale.not_observed_label}
        if scale.not_observed
        else None,
        choices=choices(instrument),
        dimensions=[
            FormDimension(
                dim.name,
                [FormItem(ITEM_PREFIX + item.id, item.id, item.text_for(group)) for item in dim.items],
            )
            for dim in instrument.dimensions
        ],
        questions=[
            FormQuestion(COMMENT_PREFIX + q.id, q.text_for(group))
            for q in instrument.questions
            if q.asks(group)
        ],
        importance=_importance(instrument, group),
        reference=[
            ReferenceField(FORMAT_FIELD, "Form", FORMAT),
            ReferenceField(WORKSPACE_FIELD, "Workspace", workspace),
            ReferenceField(INSTRUMENT_FIELD, "Questionnaire", instrument.content_hash),
            ReferenceField(GROUP_FIELD, "Group", group),
            ReferenceField(TOKEN_FIELD, "Your code", TOKEN_PLACEHOLDER),
        ],
    )


def _wording(instrument: Instrument, leader: str, group: str) -> tuple[str, str, list[str]]:
    """Whom the form is about, why it is asked, and the privacy promise (the anonymity rule's own words)."""
    if group == SELF:
        return (
            f"Your self-assessment, {leader}: how you see your own leadership.",
            "The people around you answer the same questions about you. Your report sets your view "
            "beside theirs, to show where you agree and where you see yourself differently.",
            [
                "Your answers are yours and appear in your own report.",
                "Do not forward this form: it is made for you alone.",
            ],
        )
    label = instrument.group(group).label.lower()
    return (
        f"Feedback about {leader}: how you see their leadership, as one of their {label}.",
        f"{leader} is taking part in a 360-degree leadership assessment. Your honest view, with "
        "others', helps them see how their leadership is experienced and where to grow.",
        [
            "Your name is never shown next to your answers and never appears in the report.",
            anonymity.rater_promise(instrument, group),
            "Do not forward this form: it is made for you alone, and it counts once.",
        ],
    )


def _pulse_wording(instrument: Instrument, leader: str, group: str) -> tuple[str, str, list[str]]:
    """A pulse's: whom it is about, why, and the same privacy promise as the round's form (for the form of
    every rater but the leader, each group's promise)."""
    if group == SELF:
        return (
            f"Your follow-up, {leader}: how you see your own progress on your development plan.",
            "The people around you answer the same questions about you: have you become more or less "
            "effective at each behaviour you chose to work on?",
            [
                "Your answers are yours and appear in your own results.",
                "Do not forward this form: it is made for you alone.",
            ],
        )
    if group == ANY_OTHER_GROUP:
        return (
            f"Follow-up about {leader}: a few questions, about two minutes.",
            f"After their 360-degree assessment, {leader} chose a few behaviours to work on. Have you seen "
            'them become more or less effective at each? Answer from what you have seen; "not observed" '
            "is a fine answer. You answer in the group you gave feedback in.",
            [
                "Your name is never shown next to your answers and never appears in the results.",
                anonymity.others_promise(instrument),
                "Do not forward this form: it is made for you alone, and it counts once.",
            ],
        )
    label = instrument.group(group).label.lower()
    return (
        f"Follow-up about {leader}, as one of their {label}: a few questions, about two minutes.",
        f"After their 360-degree assessment, {leader} chose a few behaviours to work on. Have you seen "
        'them become more or less effective at each? Answer from what you have seen; "not observed" '
        "is a fine answer.",
        [
            "Your name is never shown next to your answers and never appears in the results.",
            anonymity.rater_promise(instrument, group),
            "Do not forward this form: it is made for you alone, and it counts once.",
        ],
    )


@lru_cache(maxsize=1)
def _template() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("leadcheck.campaign", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template("questionnaire.html.j2")


def questionnaire_html(view: QuestionnaireView) -> str:
    return str(_template().render(form=view))


def render_questionnaire(view: QuestionnaireView) -> bytes:
    """The form's PDF: tagged (PDF/UA-1), every field fillable, the reference fields read-only.

    Rendered once per leader and group. WeasyPrint writes the fields; ``_fix_fields``
    then makes the field tree one every viewer reads the same way (see its docstring).
    """
    from pypdf import PdfReader, PdfWriter

    from leadcheck.pdf.render import write_pdf

    # It ships no files: the PDF service's locked fetcher refuses every URL it holds.
    data = write_pdf(questionnaire_html(view), forms=True, what="rendering the questionnaire")
    reader = PdfReader(io.BytesIO(data))
    writer = PdfWriter(clone_from=reader)
    writer.pdf_header = reader.pdf_header  # PDF/UA-1 is PDF 1.7; pypdf would write 1.3
    _fix_fields(writer, view)
    out = io.BytesIO()
    writer.write(out)
    rendered = out.getvalue()
    if rendered.count(TOKEN_SLOT) != 1 or rendered.count(TOKEN_DRAWN) != 1:  # text is in compressed streams
        raise ReportError("rendering the questionnaire failed: its token field was not written as expected")
    return rendered


def spoken_names(view: QuestionnaireView) -> dict[str, str]:
    """What a screen reader says for each field (/TU): the question, and for a radio group its scale."""
    scale = "; ".join(c.title for c in view.choices)
    names = {
        item.field: f"{item.number}: {item.text} (choose one: {scale})"
        for dimension in view.dimensions
        for item in dimension.items
    }
    if view.importance is not None:
        ends = "; ".join(c.title for c in view.importance.choices)
        names.update(
            {
                item.field: f"{item.text}: {view.importance.text} (choose one: {ends})"
                for item in view.importance.items
            }
        )
    names.update({q.field: q.text for q in view.questions})
    names.update({r.name: r.label for r in view.reference})
    return names


def _fix_fields(writer: Any, view: QuestionnaireView) -> None:
    """The field tree per ISO 32000: only fields in /Fields, each radio button a kid of its group.

    WeasyPrint lists every radio button in /Fields beside its group (other viewers then
    see one phantom group per button), names each button like its group, and draws only
    the "on" state. Here each button becomes a plain widget of its group (no /T, /TU, /FT)
    with an appearance for "Off" too, each group and text field gets its spoken name, the
    reference fields become read-only and every page's tab order follows its structure.
    """
    from pypdf.generic import ArrayObject, DecodedStreamObject, NameObject, NumberObject, TextStringObject

    acroform: Any = writer._root_object["/AcroForm"]
    names = spoken_names(view)
    item_titles = [c.title for c in view.choices]
    importance_titles = [c.title for c in view.importance.choices] if view.importance else item_titles
    font = _ascii_font(writer)
    fields = ArrayObject(ref for ref in acroform["/Fields"] if "/Parent" not in ref.get_object())
    acroform[NameObject("/Fields")] = fields
    for ref in fields:
        fld = ref.get_object()
        name = str(fld.get("/T", ""))
        if name in names:
            fld[NameObject("/TU")] = TextStringObject(names[name])
        titles = importance_titles if importance_dimension(name) is not None else item_titles
        for kid_ref in fld.get("/Kids", []):
            kid = kid_ref.get_object()
            for key in ("/T", "/TU", "/FT"):
                if key in kid:
                    del kid[NameObject(key)]
            normal = kid["/AP"]["/N"]
            on = next(str(state) for state in normal if state != "/Off")
            if on[1:].isdigit() and int(on[1:]) < len(titles):
                kid[NameObject("/Contents")] = TextStringObject(titles[int(on[1:])])
            kid[NameObject("/NM")] = TextStringObject(name + BUTTON_NAME_SEPARATOR + on[1:])
            off = DecodedStreamObject()
            off.update(
                {
                    NameObject("/Type"): NameObject("/XObject"),
                    NameObject("/Subtype"): NameObject("/Form"),
                    NameObject("/BBox"): normal[on].get_object()["/BBox"],
                }
            )
            normal[NameObject("/Off")] = writer._add_object(off)
            kid[NameObject("/AS")] = NameObject("/Off")
        if name in REFERENCE_FIELDS:
            fld[NameObject("/Ff")] = NumberObject(int(fld.get("/Ff", 0)) | 1)  # ReadOnly
            _draw_value(writer, fld, font)
    for page in writer.pages:
        page[NameObject("/Tabs")] = NameObject("/S")


def _draw_value(writer: Any, fld: Any, font: Any) -> None:
    """An appearance stream showing a reference field's value, for viewers that ignore NeedAppearances.

    In ``font`` (``_ascii_font``: the form's own embedded font, as PDF/UA-1 requires of every
    font); the value is ASCII (hashes, ids, the code), written as a literal string.
    """
    from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject, NameObject

    value = str(fld.get("/V", ""))
    if not value.isascii() or not value.isprintable():
        return
    x1, y1, x2, y2 = (float(v) for v in fld["/Rect"])
    width, height = abs(x2 - x1), abs(y2 - y1)
    text = value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("ascii")
    stream = DecodedStreamObject()
    stream.set_data(
        b"/Tx BMC q BT /F1 8 Tf 2 %.2f Td (%s) Tj ET Q EMC" % (max(height - 8, 0) / 2 + 1.5, text)
    )
    stream.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject(
                [FloatObject(0), FloatObject(0), FloatObject(width), FloatObject(height)]
            ),
            NameObject("/Resources"): DictionaryObject(
                {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
            ),
        }
    )
    fld[NameObject("/AP")] = DictionaryObject({NameObject("/N"): writer._add_object(stream)})


_BFCHAR = re.compile(rb"(\d+) beginbfchar\n(.*?)endbfchar", re.S)
_PAIR = re.compile(rb"<([0-9a-fA-F]{4})> <([0-9a-fA-F]+)>")
# Text strings PDF/UA-1 forbids a ToUnicode map to give (ISO 14289-1, 7.21.7).
_NOT_TEXT = {b"0000", b"feff", b"fffe"}


def _form_fonts(writer: Any) -> list[tuple[Any, Any]]:
    """The fonts WeasyPrint embeds for the form fields (in /AcroForm /DR), each with its descendant."""
    out = []
    for ref in writer._root_object["/AcroForm"].get("/DR", {}).get("/Font", {}).values():
        font = ref.get_object()
        for kid in font.get("/DescendantFonts", []):
            kid = kid.get_object()
            if "/FontFile2" in kid["/FontDescriptor"].get_object() and "/ToUnicode" in font:
                out.append((font, kid))
    return out


def _clean_to_unicode(font: Any) -> dict[int, int]:
    """Drop the mappings to U+0000, U+FEFF and U+FFFE from the form font's ToUnicode map (WeasyPrint maps
    the font's whole cmap, its .null glyph included); glyph id -> code point of what is left."""
    stream = font["/ToUnicode"].get_object()
    data = stream.get_data()

    def keep(block: re.Match[bytes]) -> bytes:
        pairs = [m for m in _PAIR.finditer(block[2]) if m[2].lower() not in _NOT_TEXT]
        body = b"".join(b"<%s> <%s>\n" % (m[1], m[2]) for m in pairs)
        return b"%d beginbfchar\n%sendbfchar" % (len(pairs), body)

    cleaned = _BFCHAR.sub(keep, data)
    if cleaned != data:
        stream.set_data(cleaned)
    return {int(m[1], 16): int(m[2][:4], 16) for m in _PAIR.finditer(cleaned)}


def _widths(cid_font: Any) -> dict[int, float]:
    """Glyph id -> width from a CIDFont's /W array (both of its forms: c [w ...] and c1 c2 w)."""
    out: dict[int, float] = {}
    entries = list(cid_font.get("/W", []))
    i = 0
    while i < len(entries):
        first = int(entries[i])
        run = entries[i + 1]
        if isinstance(run, list):
            out.update({first + k: float(w) for k, w in enumerate(run)})
            i += 2
        else:
            out.update(dict.fromkeys(range(first, int(run) + 1), float(entries[i + 2])))
            i += 3
    return out


def _ascii_font(writer: Any) -> Any:
    """The form's embedded font as a simple TrueType font in WinAnsiEncoding, for the reference fields'
    ASCII values (so a copy is personalised by replacing bytes, see ``personalise``); its ToUnicode map
    cleaned of the code points PDF/UA-1 forbids. ReportError when the form has no embedded font."""
    from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, NumberObject

    # Every form font's map is cleaned; the one that maps all of printable ASCII draws the values
    # (WeasyPrint embeds a font used by a field whole).
    chosen = None
    for font, cid_font in _form_fonts(writer):
        mapped = {code: gid for gid, code in sorted(_clean_to_unicode(font).items(), reverse=True)}
        if chosen is None and all(code in mapped for code in range(32, 127)):
            chosen = (cid_font, mapped)
    if chosen is None:
        raise ReportError("rendering the questionnaire failed: its form fields have no embedded font")
    cid_font, glyphs = chosen
    widths = _widths(cid_font)
    descriptor = DictionaryObject(cid_font["/FontDescriptor"].get_object())
    descriptor[NameObject("/Flags")] = NumberObject(32)  # nonsymbolic: WinAnsiEncoding applies
    first, last = 32, 126
    simple = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/TrueType"),
            NameObject("/BaseFont"): cid_font["/BaseFont"],
            NameObject("/FirstChar"): NumberObject(first),
            NameObject("/LastChar"): NumberObject(last),
            NameObject("/Widths"): ArrayObject(
                FloatObject(widths.get(glyphs.get(code, 0), 0.0)) for code in range(first, last + 1)
            ),
            NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
            NameObject("/FontDescriptor"): writer._add_object(descriptor),
        }
    )
    return writer._add_object(simple)


def personalise(template: bytes, token: str) -> bytes:
    """One rater's copy of a rendered form: the token written into its read-only field.

    A byte replacement of the same length (microseconds, not a PDF rewrite);
    viewers draw the value, as for every text field of the form (NeedAppearances).
    """
    data = token.encode("ascii")
    if len(data) != TOKEN_LENGTH or not all(ch.isalnum() or ch == "-" for ch in token):
        raise ValueError("a token is 29 letters, digits and dashes")
    if template.count(TOKEN_SLOT) != 1:
        raise ValueError("not a rendered questionnaire with one token slot")
    if template.count(TOKEN_DRAWN) == 1:
        template = template.replace(TOKEN_DRAWN, b"(" + data + b") Tj")
    return template.replace(TOKEN_SLOT, b"/V (" + data + b")")
