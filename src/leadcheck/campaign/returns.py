"""Returned PDF questionnaires: the filled fields read, matched to the roster by token, and checked.

Every check names the file and the field; nothing a rater answered or wrote,
and no rater's name or email, appears in a message.
"""

from __future__ import annotations

import io
import logging
import unicodedata
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from leadcheck.base.errors import ImportProblemError
from leadcheck.base.problems import Location, Problems
from leadcheck.base.responses import Answer, IncomingResponse
from leadcheck.campaign import forms, pdfscan, roster
from leadcheck.importing.model import ImportOptions, Parsed, Round
from leadcheck.importing.readers import FileKind, FileRead, Read, ReadContext, Sniff
from leadcheck.importing.resolve import Instruments, label
from leadcheck.instrument.model import IMPORTANCE_PREFIX, SELF
from leadcheck.store import Assessment, Store

if TYPE_CHECKING:
    from leadcheck.instrument.model import Instrument
    from leadcheck.store.leaders import Leader

MAX_FORM_BYTES = pdfscan.FORM_BYTES
MAX_COMMENT = 20_000
RESEND = "ask the rater to fill in the form they were sent, save it (not Print to PDF) and send it again"


def is_pdf(data: bytes) -> bool:
    return b"%PDF-" in data[:1024]


class FormRefused(ImportProblemError):
    """A returned form that is read no further: ``field`` (or None for the whole file) and why."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class FormField:
    """One terminal field of a returned form: its type, its value as text and its choices."""

    kind: str  # "/Btn", "/Tx", ...
    value: str  # a radio group's chosen state ("0".."5"), a text field's text; "" when empty
    options: list[str] | None


MAX_DEPTH = 16  # a questionnaire's field tree is two levels deep


def _value(raw: Any) -> str:
    """A field value as text: names lose their slash; missing or Off is empty."""
    if raw is None:
        return ""
    text = str(raw)
    text = text[1:] if text.startswith("/") else text
    return "" if text == "Off" else text


def shown(name: str) -> str:
    """A field name from a file as it may be printed: control, format and bidi characters escaped, cut short."""
    out = "".join(
        ch if ch.isprintable() and unicodedata.category(ch) != "Cf" else f"\\u{ord(ch):04x}"
        for ch in name[:80]
    )
    return out + ("..." if len(name) > 80 else "")


def read_fields(data: bytes, budget: pdfscan.FormBudget) -> dict[str, FormField] | None:
    """``{full field name: FormField}``; None when the PDF cannot be opened (damaged or password-protected).

    The file is measured first (``pdfscan``) and refused if over budget; then the
    field tree is walked from /AcroForm /Fields, every value checked against its
    field. A radio group's value is its chosen state (the index of its export
    value in /Opt), wherever a viewer wrote it: the group's /V as a name or a
    string, the chosen button's appearance state, or (macOS Preview) the button's
    own /V. OverBudget for a file over budget, FormRefused for anything inconsistent.
    """
    from pypdf.errors import LimitReachedError

    pdfscan.scan(data, budget)
    with _quiet_pdf_library():
        try:
            return _walk(data, budget)
        except (FormRefused, pdfscan.OverBudget):
            raise
        except Exception as e:
            if _caused_by(e, RecursionError):  # pypdf wraps it: an object nested thousands deep
                raise FormRefused(
                    f"not read: its PDF objects are nested far deeper than a questionnaire's; {RESEND}"
                ) from e
            if _caused_by(e, LimitReachedError):  # pypdf's own caps: an array of millions of elements
                raise FormRefused(
                    f"not read: its PDF objects are far larger than a questionnaire's; {RESEND}"
                ) from e
            raise


def _caused_by(error: BaseException, kind: type[BaseException]) -> bool:
    """Whether ``error`` or one of the errors it was raised from is a ``kind``."""
    seen: BaseException | None = error
    for _ in range(16):
        if seen is None:
            return False
        if isinstance(seen, kind):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


@contextmanager
def _quiet_pdf_library() -> Iterator[None]:
    """pypdf's warnings and log lines quote the file (field names included): never print them."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def _walk(data: bytes, budget: pdfscan.FormBudget) -> dict[str, FormField] | None:
    from pypdf import PdfReader
    from pypdf.generic import DictionaryObject

    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        try:
            if not reader.decrypt(""):
                return None
        except Exception:  # an unknown security handler, a broken /Encrypt: as good as a password
            return None
    root: Any = reader.trailer["/Root"].get_object()
    _refuse_scripts(root, "the document")
    acroform = _get(root, "/AcroForm")
    if not isinstance(acroform, DictionaryObject):
        return {}
    if "/XFA" in acroform:  # a form another program rebuilt: its XML may carry scripts of its own
        raise FormRefused(
            "the form holds XFA form data, which a leadcheck questionnaire never does: a program changed "
            f"the file after it was sent; {RESEND}"
        )
    top = _get(acroform, "/Fields")
    found: dict[str, tuple[Any, str, list[Any]]] = {}  # full name -> (field, type, its widgets)
    reached: set[int] = set()  # the widgets found through the field tree
    orphans: list[Any] = []  # widgets cut from their group, found by their annotation name
    seen: set[int] = set()
    # (node, its parent's full name, inherited /FT, depth)
    stack: list[tuple[Any, str, str, int]] = [(ref, "", "", 0) for ref in reversed(_array(top))]
    while stack:
        ref, parent, inherited, depth = stack.pop()
        budget.check_time()
        if depth > MAX_DEPTH:
            raise FormRefused(
                f"not read: its form fields are nested far deeper than a questionnaire's; {RESEND}"
            )
        number = getattr(ref, "idnum", None)
        node = ref.get_object()
        if not isinstance(node, DictionaryObject):
            continue
        partial = _get(node, "/T")
        if partial is None:  # a widget: of its parent, read with it, or one a viewer moved up a level
            if not parent:
                if _widget_of(node) is None:
                    raise FormRefused(f"the form holds a field without a name; {RESEND}")
                orphans.append(node)
            continue
        name = f"{parent}.{partial}" if parent else str(partial)
        if number is not None:
            if number in seen:
                raise FormRefused(f"is listed more than once in the form; {RESEND}", name)
            seen.add(number)
        kind = str(_get(node, "/FT") or inherited)
        _refuse_scripts(node, f'field "{shown(name)}"')
        kids = [k for k in _array(_get(node, "/Kids")) if isinstance(k.get_object(), DictionaryObject)]
        if any("/T" in k.get_object() for k in kids):
            stack.extend((k, name, kind, depth + 1) for k in reversed(kids))
            continue
        if name in found:
            raise FormRefused(f"appears more than once in the form; {RESEND}", name)
        reached.update(k.idnum for k in kids if hasattr(k, "idnum"))
        found[name] = (node, kind, [k.get_object() for k in kids] or [node])
    for page in reader.pages:  # scripts on a page or its annotations; widgets cut from their group
        budget.check_time()
        _refuse_scripts(page, "a page")
        for ref in _array(_get(page, "/Annots")):
            annotation = ref.get_object()
            if not isinstance(annotation, DictionaryObject):
                continue
            _refuse_scripts(annotation, "a page")
            cut = "/Parent" not in annotation and "/T" not in annotation and _widget_of(annotation)
            if cut and getattr(ref, "idnum", None) not in reached:
                orphans.append(annotation)
    for orphan in orphans:
        group = found.get(str(_widget_of(orphan)))
        if group is not None and all(orphan is not w for w in group[2]):
            group[2].append(orphan)
    out: dict[str, FormField] = {}
    for name, (node, kind, widgets) in found.items():
        for widget in widgets:
            _refuse_scripts(widget, f'field "{shown(name)}"')
        out[name] = _field(name, node, kind, widgets)
    return out


def _widget_of(widget: Any) -> str | None:
    """The radio group a button belongs to, from the annotation name the questionnaire gives it (``/NM``).

    macOS Preview is known to cut a button from its group when it saves a choice;
    the name still says whose button it is.
    """
    name = _get(widget, "/NM")
    text = str(name) if name is not None else ""
    group, sep, state = text.rpartition(forms.BUTTON_NAME_SEPARATOR)
    return (
        group
        if sep
        and group.startswith((forms.ITEM_PREFIX, IMPORTANCE_PREFIX))
        and state.isdigit()
        and state.isascii()
        else None
    )


def _get(node: Any, key: str) -> Any:
    """``node[key]`` resolved (a viewer may write any value as a reference), or None."""
    from pypdf.generic import DictionaryObject, NullObject

    if not isinstance(node, DictionaryObject):
        return None
    value = node.get(key)
    value = value.get_object() if value is not None else None
    return None if isinstance(value, NullObject) else value


def _array(value: Any) -> list[Any]:
    from pypdf.generic import ArrayObject

    return list(value) if isinstance(value, ArrayObject) else []


def _field(name: str, node: Any, kind: str, widgets: list[Any]) -> FormField:
    """One terminal field's value, checked against the field."""
    from pypdf.generic import ArrayObject, NameObject, TextStringObject

    options = _get(node, "/Opt")
    opts = [str(o) for o in options] if isinstance(options, ArrayObject) else None
    raw = _get(node, "/V")
    if kind != "/Btn":
        if raw is not None and not isinstance(raw, TextStringObject | str):
            raise FormRefused(f"holds a value that is not text; {RESEND}", name)
        return FormField(kind, "" if raw is None else str(raw), opts)
    if raw is not None and not isinstance(raw, NameObject | TextStringObject | str):
        raise FormRefused(f"holds an answer that is not one of its choices; {RESEND}", name)
    value = _value(raw)
    on = [_value(_get(w, "/AS")) for w in widgets if _value(_get(w, "/AS"))]
    kept = {_value(_get(w, "/V")) for w in widgets if w is not node and _value(_get(w, "/V"))}
    if len(on) > 1:
        raise FormRefused(f"has {len(on)} choices on; one radio group holds one answer; {RESEND}", name)
    if len(kept) > 1:
        raise FormRefused(f"its buttons hold {len(kept)} different answers; {RESEND}", name)
    shown_state = on[0] if on else ""
    for other in (*kept, shown_state):
        if other and value and other != value:
            raise FormRefused(
                f"its value and the choice shown as chosen disagree; open it, choose again, save; {RESEND}",
                name,
            )
        value = value or other
    states = {str(i) for i in range(len(opts or []))}
    if value and value not in states:
        raise FormRefused(f"holds an answer that is not one of its choices; {RESEND}", name)
    return FormField(kind, value, opts)


def _refuse_scripts(node: Any, where: str) -> None:
    """A form carrying JavaScript was changed by a program, not filled in: refused, never run."""
    from pypdf.generic import DictionaryObject

    found = "/AA" in node
    names = _get(node, "/Names")
    if isinstance(names, DictionaryObject) and "/JavaScript" in names:
        found = True
    for key in ("/A", "/OpenAction"):
        action = _get(node, key)
        if isinstance(action, DictionaryObject) and (_get(action, "/S") == "/JavaScript" or "/JS" in action):
            found = True
    if found:
        raise FormRefused(
            f"{where} holds JavaScript, which a leadcheck questionnaire never does: a program changed the "
            f"file after it was sent; leadcheck does not run it or read the form; {RESEND}"
        )


def read_returned_form(
    path: Path,
    source: str,
    store: Store | None,
    instruments: Instruments,
    options: ImportOptions,
    problems: Problems,
    budget: pdfscan.ImportBudget | None = None,
) -> Parsed | None:
    """The response in a returned questionnaire, or None with one problem naming the file and field.

    ``budget`` is what every form of the import may still inflate and take; each form has its own too.
    """
    fields = _form_fields(path, problems, budget or pdfscan.ImportBudget())
    if fields is None:
        return None
    if store is None:
        problems.error(
            "this questionnaire belongs to a workspace, and there is none here; choose it with --db"
        )
        return None

    def bad(name: str, message: str) -> None:
        problems.error(f'field "{shown(name)}": {message}')

    found = _sender(fields, store, instruments, bad)
    if found is None:
        return None
    rater, leader, instrument, pulse = found
    response = _answers(fields, instrument, rater.group, bad)
    if response is None:
        return None
    answers, comments = response
    if not answers and not comments:
        problems.error(
            "the form has no answers: it was sent back blank, or saved before it was filled in; "
            "ask the rater to fill it in, save it and send it again"
        )
        return None
    incoming = IncomingResponse(
        leader=leader.name,
        group=rater.group,
        answers=answers,
        comments=comments,
        source=source,
        rater_identity=f"campaign-rater:{rater.id}",
        cohort=options.cohort,
    )
    if pulse is not None:
        # A pulse's answers go to the pulse (found by its snapshot and start), never the current round;
        # the roster's states are the round's, so a pulse form marks nobody as returned.
        return Parsed(instrument, incoming, Location(source), "questionnaire", round=pulse)
    return Parsed(instrument, incoming, Location(source), "questionnaire", campaign_rater=rater.id)


def _form_fields(path: Path, problems: Problems, budget: pdfscan.ImportBudget) -> dict[str, FormField] | None:
    """The form fields of a leadcheck questionnaire PDF, or None with one problem saying why not."""
    with path.open("rb") as f:
        data = f.read(MAX_FORM_BYTES + 1)
    if len(data) > MAX_FORM_BYTES:
        problems.error(f"file is larger than {MAX_FORM_BYTES // (1024 * 1024)} MiB; not a questionnaire")
        return None
    if not is_pdf(data):
        problems.error(f"not a PDF file; expected a leadcheck questionnaire as sent; {RESEND}")
        return None
    form_budget = pdfscan.FormBudget(budget)
    try:
        fields = read_fields(data, form_budget)
    except FormRefused as e:
        problems.error(f'field "{shown(e.field)}": {e.message}' if e.field is not None else e.message)
        return None
    except pdfscan.OverBudget as e:
        problems.error(
            f"not read: {e}" if e.per_import else f"not read: {e}, far more than a questionnaire; {RESEND}"
        )
        return None
    except Exception:  # pypdf raises many kinds on damaged files; the file is the rater's to resend
        fields = None
    finally:
        form_budget.close()
    if fields is None:
        problems.error(f"the PDF is damaged, unreadable or password-protected; {RESEND}")
        return None
    reference = fields.get(forms.FORMAT_FIELD)
    if reference is None or reference.value != forms.FORMAT:
        problems.error(
            "not a leadcheck questionnaire, or its form fields were removed (printing to PDF or "
            f"flattening removes them); {RESEND}"
        )
        return None
    return fields


def _text(fields: dict[str, FormField], name: str) -> str:
    found = fields.get(name)
    return found.value if found is not None else ""


def _sender(
    fields: dict[str, FormField], store: Store, instruments: Instruments, bad: Callable[[str, str], None]
) -> tuple[roster.RosterRater, Leader, Instrument, Round | None] | None:
    """The rater, leader and instrument a form was issued for, when it still fits the workspace's current
    round (or, for a pulse's form, the round's newest pulse, returned as the round its answers go to)."""
    if _text(fields, forms.WORKSPACE_FIELD) != store.workspace_id:
        bad(
            forms.WORKSPACE_FIELD,
            f"this form was sent from another workspace, not {store.path}; import it into the workspace "
            "that sent it (--db)",
        )
        return None
    match = _token_match(fields, store, bad)
    if match is None:
        return None
    rater = match.rater
    leader = store.leaders.find(rater.leader)
    assessment = store.assessments.by_id_or_none(match.assessment_id)
    if leader is None or assessment is None or assessment.leader.id != leader.id:
        bad(forms.TOKEN_FIELD, "the assessment this form was made for is no longer in the workspace")
        return None
    instrument = instruments.by_hash(assessment.instrument_hash)
    assert instrument is not None, "an assessment's snapshot is in the workspace"
    if _text(fields, forms.INSTRUMENT_FIELD) != assessment.instrument_hash:
        bad(forms.INSTRUMENT_FIELD, f"was changed; the form was made for {label(instrument)}; {RESEND}")
        return None
    # A pulse's form is one for every group but the self: the group is the roster's, through the code.
    made_for = rater.group
    if assessment.pulse_of is not None and rater.group != SELF:
        made_for = forms.ANY_OTHER_GROUP
    if _text(fields, forms.GROUP_FIELD) != made_for:
        bad(forms.GROUP_FIELD, f"was changed; the form was made for the group {made_for}; {RESEND}")
        return None
    if assessment.pulse_of is not None:
        pulse = _pulse_round(store, assessment, bad)
        return None if pulse is None else (rater, leader, instrument, pulse)
    current = store.assessments.current(leader, instrument.id)
    if current.id != assessment.id:
        bad(
            forms.TOKEN_FIELD,
            f'this form is for an earlier assessment round of "{leader.name}" ({label(instrument)}); '
            "send the rater a form for the current round with `leadcheck remind`",
        )
        return None
    return rater, leader, instrument, None


def _pulse_round(store: Store, pulse: Assessment, bad: Callable[[str, str], None]) -> Round | None:
    """Where a pulse form's answers go (the pulse, as an import finds a round again), if it is the newest
    pulse of its round and that round is still the leader's current one."""
    assert pulse.pulse_of is not None
    newest = store.assessments.pulses_of(pulse.pulse_of)[-1]
    current = store.assessments.current_or_none(pulse.leader)
    if newest.id != pulse.id or current is None or current.id != pulse.pulse_of:
        bad(
            forms.TOKEN_FIELD,
            f'this form is for an earlier pulse of "{pulse.leader.name}"; send the rater a form for the '
            "newest with `leadcheck remind --pulse`",
        )
        return None
    number = len(store.assessments.pulses_of(pulse.pulse_of))
    return Round(pulse.created_at, number, store.assessments.nth_of(pulse))


def _token_match(
    fields: dict[str, FormField], store: Store, bad: Callable[[str, str], None]
) -> roster.TokenMatch | None:
    """The roster entry whose code the form carries, unless the code is unknown or its rater was removed."""
    token = _text(fields, forms.TOKEN_FIELD)
    match = roster.find_token(store, token) if roster.normalise_token(token) else None
    if match is None:
        bad(
            forms.TOKEN_FIELD,
            "the code is not one this workspace issued (was it changed?); send the rater a new form "
            "with `leadcheck remind`",
        )
        return None
    if match.rater.state == roster.REMOVED:
        bad(
            forms.TOKEN_FIELD,
            f'this rater was removed from the roster of "{match.rater.leader}"; their form is not imported '
            "(add them again with `leadcheck raters add` and send a new form to count their answers)",
        )
        return None
    return match


def _answers(
    fields: dict[str, FormField], instrument: Any, group: str, bad: Any
) -> tuple[dict[str, Answer], dict[str, str]] | None:
    expected_choices = [c.value for c in forms.choices(instrument)]
    items = {forms.ITEM_PREFIX + item_id: item_id for item_id in instrument.items}
    # The importance radio groups are named by their answer key (importance:<competency id>).
    items.update({key: key for key in instrument.importance_items if instrument.asks_importance(group)})
    questions = {forms.COMMENT_PREFIX + q.id: q.id for q in instrument.questions if q.asks(group)}
    known = set(items) | set(questions) | set(forms.REFERENCE_FIELDS)
    for name in sorted(fields):
        if name not in known:
            bad(name, f"is not part of this questionnaire; {RESEND}")
            return None
    for name in [*items, *questions]:
        if name not in fields:
            bad(name, f"is missing from the form; {RESEND}")
            return None
    answers: dict[str, Answer] = {}
    for name, item_id in items.items():
        fld = fields[name]
        if fld.kind != "/Btn" or fld.options != expected_choices:
            bad(name, f"was changed: its choices are not those of {label(instrument)}; {RESEND}")
            return None
        if fld.value == "":
            continue
        # The button's state is the index of its choice (the export value is in /Opt); read_fields
        # accepted only the states "0", "1", ... of this group's choices.
        value = expected_choices[int(fld.value)]
        answers[item_id] = None if value == forms.NOT_OBSERVED else int(value)
    comments: dict[str, str] = {}
    for name, question_id in questions.items():
        if fields[name].kind != "/Tx":
            bad(name, f"was changed: it is not a text box; {RESEND}")
            return None
        text = fields[name].value.replace("\r\n", "\n").replace("\r", "\n").strip()
        if len(text) > MAX_COMMENT:
            bad(name, f"holds {len(text)} characters; at most {MAX_COMMENT} are read: shorten it")
            return None
        if text:
            comments[question_id] = text
    return answers, comments


def _start_reading() -> Read:
    """How one import reads returned forms: every form of it shares one budget."""
    budget = pdfscan.ImportBudget()  # what the returned PDF forms of this import may inflate and take

    def read(path: Path, context: ReadContext) -> FileRead:
        parsed = read_returned_form(
            path,
            context.source,
            context.store,
            context.instruments,
            context.options,
            context.problems,
            budget,
        )
        return FileRead(QUESTIONNAIRE.name, [parsed] if parsed is not None else [])

    return read


def _claims(file: Sniff) -> bool:
    return file.layout == "auto" and file.suffix == ".pdf"


# Returned questionnaires as a kind of file the import reads; the `import` command registers it.
QUESTIONNAIRE = FileKind(
    "questionnaire",
    "PDF questionnaire",
    _claims,
    _start_reading,
    stored=lambda store, ids: store.roster.mark_returned(ids),
)
