"""Returned PDF questionnaires: the filled fields read, matched to the roster by token, and checked.

Every check names the file and the field; nothing a rater answered or wrote,
and no rater's name or email, appears in a message.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from leadcheck.campaign import forms, roster
from leadcheck.importing.model import ImportOptions, Parsed
from leadcheck.importing.problems import Problems
from leadcheck.importing.resolve import Instruments, label
from leadcheck.problems import Location
from leadcheck.responses import Answer, IncomingResponse
from leadcheck.store import Store

if TYPE_CHECKING:
    from leadcheck.instrument.model import Instrument
    from leadcheck.store.leaders import Leader

MAX_FORM_BYTES = 50 * 1024 * 1024
MAX_COMMENT = 20_000
RESEND = "ask the rater to fill in the form they were sent, save it (not Print to PDF) and send it again"


def is_pdf(data: bytes) -> bool:
    return b"%PDF-" in data[:1024]


def _value(raw: Any) -> str:
    """A field value as text: names lose their slash; missing is empty."""
    if raw is None:
        return ""
    if isinstance(raw, list):
        return ""
    text = str(raw)
    return text[1:] if text.startswith("/") else text


def read_fields(data: bytes) -> dict[str, dict[str, Any]] | None:
    """``{name: {"value": str, "options": [str] | None, "kind": "/Tx"|"/Btn"|...}}``; None when unreadable.

    A radio group's value is its export value (from /Opt, by the index
    WeasyPrint's appearance states carry), whatever the viewer wrote: a
    name (/2), a string ("2") or only the chosen button's appearance state.
    """
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        try:
            if not reader.decrypt(""):
                return None
        except Exception:
            return None
    found = reader.get_fields() or {}
    out: dict[str, dict[str, Any]] = {}
    for name, fld in found.items():
        if "." in name:  # a widget of a radio group, not a field of its own
            continue
        kind = str(fld.get("/FT", ""))
        options = fld.get("/Opt")
        opts = [str(o) for o in options] if isinstance(options, list) else None
        value = _value(fld.get("/V"))
        if kind == "/Btn" and value in ("", "Off"):
            value = ""
            for kid in fld.get("/Kids", []) or []:
                state = _value(kid.get_object().get("/AS"))
                if state not in ("", "Off"):
                    value = state
        out[name] = {"value": value, "options": opts, "kind": kind}
    return out


def read_returned_form(
    path: Path,
    source: str,
    store: Store | None,
    instruments: Instruments,
    options: ImportOptions,
    problems: Problems,
) -> Parsed | None:
    """The response in a returned questionnaire, or None with one problem naming the file and field."""
    fields = _form_fields(path, problems)
    if fields is None:
        return None
    if store is None:
        problems.error(
            "this questionnaire belongs to a workspace, and there is none here; choose it with --db"
        )
        return None

    def bad(name: str, message: str) -> None:
        problems.error(f'field "{name}": {message}')

    found = _sender(fields, store, instruments, bad)
    if found is None:
        return None
    rater, leader, instrument = found
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
    return Parsed(instrument, incoming, Location(source), "questionnaire", campaign_rater=rater.id)


def _form_fields(path: Path, problems: Problems) -> dict[str, dict[str, Any]] | None:
    """The form fields of a leadcheck questionnaire PDF, or None with one problem saying why not."""
    with path.open("rb") as f:
        data = f.read(MAX_FORM_BYTES + 1)
    if len(data) > MAX_FORM_BYTES:
        problems.error(f"file is larger than {MAX_FORM_BYTES // (1024 * 1024)} MiB; not a questionnaire")
        return None
    if not is_pdf(data):
        problems.error(f"not a PDF file; expected a leadcheck questionnaire as sent; {RESEND}")
        return None
    try:
        fields = read_fields(data)
    except Exception:  # pypdf raises many kinds on damaged files; the file is the rater's to resend
        fields = None
    if fields is None:
        problems.error(f"the PDF is damaged, unreadable or password-protected; {RESEND}")
        return None
    if _value(fields.get(forms.FORMAT_FIELD, {}).get("value")) != forms.FORMAT:
        problems.error(
            "not a leadcheck questionnaire, or its form fields were removed (printing to PDF or "
            f"flattening removes them); {RESEND}"
        )
        return None
    return fields


def _sender(
    fields: dict[str, dict[str, Any]], store: Store, instruments: Instruments, bad: Callable[[str, str], None]
) -> tuple[roster.RosterRater, Leader, Instrument] | None:
    """The rater, leader and instrument a form was issued for, when it still fits the workspace's current round."""
    if fields.get(forms.WORKSPACE_FIELD, {}).get("value") != store.workspace_id:
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
    leader = store.find_leader(rater.leader)
    assessment = (
        next((a for a in store.assessments(leader) if a.id == match.assessment_id), None) if leader else None
    )
    if leader is None or assessment is None:
        bad(forms.TOKEN_FIELD, "the assessment this form was made for is no longer in the workspace")
        return None
    instrument = instruments.by_hash(assessment.instrument_hash)
    assert instrument is not None, "an assessment's snapshot is in the workspace"
    if fields.get(forms.INSTRUMENT_FIELD, {}).get("value") != assessment.instrument_hash:
        bad(forms.INSTRUMENT_FIELD, f"was changed; the form was made for {label(instrument)}; {RESEND}")
        return None
    current = store.current_assessment(leader, instrument.id)
    if current.id != assessment.id:
        bad(
            forms.TOKEN_FIELD,
            f'this form is for an earlier assessment round of "{leader.name}" ({label(instrument)}); '
            "send the rater a form for the current round with `leadcheck remind`",
        )
        return None
    if fields.get(forms.GROUP_FIELD, {}).get("value") != rater.group:
        bad(forms.GROUP_FIELD, f"was changed; the form was made for the group {rater.group}; {RESEND}")
        return None
    return rater, leader, instrument


def _token_match(
    fields: dict[str, dict[str, Any]], store: Store, bad: Callable[[str, str], None]
) -> roster.TokenMatch | None:
    """The roster entry whose code the form carries, unless the code is unknown or its rater was removed."""
    token = str(fields.get(forms.TOKEN_FIELD, {}).get("value", ""))
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
    fields: dict[str, dict[str, Any]], instrument: Any, group: str, bad: Any
) -> tuple[dict[str, Answer], dict[str, str]] | None:
    expected_choices = [c.value for c in forms.choices(instrument)]
    items = {forms.ITEM_PREFIX + item_id: item_id for item_id in instrument.items}
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
        if fld["kind"] != "/Btn" or fld["options"] != expected_choices:
            bad(name, f"was changed: its choices are not those of {label(instrument)}; {RESEND}")
            return None
        value = fld["value"]
        if value == "":
            continue
        # The button's state is the index of its choice (the export value is in /Opt).
        if not (value.isdigit() and int(value) < len(expected_choices)):
            bad(name, f"holds an answer that is not one of its choices; {RESEND}")
            return None
        value = expected_choices[int(value)]
        answers[item_id] = None if value == forms.NOT_OBSERVED else int(value)
    comments: dict[str, str] = {}
    for name, question_id in questions.items():
        text = str(fields[name]["value"]).replace("\r\n", "\n").replace("\r", "\n").strip()
        if len(text) > MAX_COMMENT:
            bad(name, f"holds {len(text)} characters; at most {MAX_COMMENT} are read: shorten it")
            return None
        if text:
            comments[question_id] = text
    return answers, comments
