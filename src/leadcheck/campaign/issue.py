"""Invitations and reminders: one personalised questionnaire and one ready-to-send email per rater.

The slow step, rendering a form, runs once per leader, group and due date;
each rater's copy only gets its own token. Everything is written inside one
transaction: if any file cannot be written, no token is kept, the roster is
unchanged and the files already written are removed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from pathlib import Path

from leadcheck.atomic import atomic_open
from leadcheck.campaign import forms, roster
from leadcheck.campaign.invitations import Invitation, MailTemplate, build_message, builtin_template
from leadcheck.errors import CampaignError, TargetError, UsageError
from leadcheck.filenames import slug
from leadcheck.importing.responsefile import form_instrument
from leadcheck.instrument.model import SELF, Instrument
from leadcheck.store import Store


@dataclass(frozen=True)
class IssuedForm:
    """One rater's form and email, as written."""

    rater: roster.RosterRater
    pdf: Path
    eml: Path
    message: EmailMessage


@dataclass
class IssueResult:
    issued: list[IssuedForm] = field(default_factory=list)
    renders: int = 0  # forms rendered by WeasyPrint (once per leader, group and due date)


def issue_forms(
    store: Store,
    raters: Sequence[roster.RosterRater],
    out_dir: Path,
    *,
    sender: str,
    due_date: str | None,
    reminder: bool,
    template: MailTemplate | None = None,
    instrument: str | None = None,
    on_issued: Callable[[IssuedForm], None] | None = None,
) -> IssueResult:
    """Write a form (.pdf) and an email (.eml) per rater into ``out_dir``; tokens and states stored.

    ``due_date`` (ISO) replaces each rater's due date; for reminders, None
    keeps the one they were invited with. ``template`` overrides the
    built-in invitation (or reminder) text for every rater. All or nothing:
    a failure midway removes every file written and rolls the workspace back.
    ``on_issued`` hears of each form once written (a progress display: a form renders in about a second).
    """
    stems = {rater.id: _stem(rater, reminder) for rater in raters}
    _refuse_existing(out_dir, stems.values())
    issuer = _Issuer(store, sender, due_date, reminder, template, instrument)
    try:
        with store.transaction():
            for rater in raters:
                issuer.issue(rater, out_dir / stems[rater.id])
                if on_issued is not None:
                    on_issued(issuer.result.issued[-1])
    except BaseException:
        for path in issuer.written:
            path.unlink(missing_ok=True)
        raise
    return issuer.result


def _refuse_existing(out_dir: Path, stems: Iterable[str]) -> None:
    for stem in stems:
        for suffix in (".pdf", ".eml"):
            if (out_dir / f"{stem}{suffix}").exists():
                raise UsageError(
                    f"{out_dir / (stem + suffix)}: already exists (from an earlier run, or another workspace); "
                    "nothing was written: choose a new folder with -o"
                )


class _Issuer:
    """Issues one rater's form and email at a time, rendering each distinct form only once."""

    def __init__(
        self,
        store: Store,
        sender: str,
        due_date: str | None,
        reminder: bool,
        template: MailTemplate | None,
        instrument: str | None,
    ) -> None:
        self.store, self.sender, self.due_date, self.reminder = store, sender, due_date, reminder
        self.template, self.instrument = template, instrument
        self.workspace = store.workspace_id
        self.result = IssueResult()
        self.written: list[Path] = []
        self._forms: dict[tuple[int, str, str | None], bytes] = {}
        self._assessments: dict[int, tuple[int, Instrument]] = {}

    def issue(self, rater: roster.RosterRater, stem: Path) -> None:
        assessment_id, inst = self._assessment(rater)
        due = self.due_date if self.due_date is not None or not self.reminder else rater.due_date
        token = roster.issue_token(self.store, rater, assessment_id)
        pdf = forms.personalise(self._form(rater, inst, due), token)
        kind = "reminder" if self.reminder else "invitation"
        invitation = Invitation(
            to_name=rater.name,
            to_email=rater.email,
            leader=rater.leader,
            group_label=inst.group(rater.group).label,
            due_date=due,
            attachment_name=f"360-feedback-{slug(rater.leader, f'leader-{rater.leader_id}', limit=40)}.pdf",
            attachment=pdf,
        )
        message = build_message(
            invitation, self.template or builtin_template(kind, rater.group == SELF), self.sender
        )
        pdf_path, eml_path = stem.with_name(stem.name + ".pdf"), stem.with_name(stem.name + ".eml")
        for path, data in ((pdf_path, pdf), (eml_path, bytes(message))):
            _write(path, data)
            self.written.append(path)
        roster.mark_invited(self.store, rater, due, self.reminder)
        self.result.issued.append(IssuedForm(rater, pdf_path, eml_path, message))

    def _assessment(self, rater: roster.RosterRater) -> tuple[int, Instrument]:
        """The assessment (id and instrument) a rater's form is for: one per leader."""
        if rater.leader_id not in self._assessments:
            leader = self.store.get_leader(rater.leader)
            chosen = form_instrument(self.store, leader.name, self.instrument)
            assessment = self.store.assessment_for(leader, chosen)
            self._assessments[rater.leader_id] = (assessment.id, self.store.instrument(assessment))
        assessment_id, inst = self._assessments[rater.leader_id]
        if rater.group not in inst.groups:
            raise CampaignError(
                f'"{rater.leader}" is assessed on {inst.id} {inst.version}, which has no rater group '
                f'"{rater.group}"; remove the roster entries of that group or choose --instrument'
            )
        return assessment_id, inst

    def _form(self, rater: roster.RosterRater, inst: Instrument, due: str | None) -> bytes:
        """The rendered form for the rater's leader, group and due date (before the token is written in)."""
        key = (rater.leader_id, rater.group, due)
        if key not in self._forms:
            view = forms.questionnaire_view(inst, rater.leader, rater.group, self.workspace, due)
            self._forms[key] = forms.render_questionnaire(view)
            self.result.renders += 1
        return self._forms[key]


def _stem(rater: roster.RosterRater, reminder: bool) -> str:
    """``ana-ruiz-peer-12`` (a reminder: ``ana-ruiz-peer-12-reminder-20261201``): no rater's name in it."""
    stem = f"{slug(rater.leader, f'leader-{rater.leader_id}', limit=40)}-{rater.group}-{rater.id}"
    return stem + (f"-reminder-{date.today():%Y%m%d}" if reminder else "")


def _write(path: Path, data: bytes) -> None:
    try:
        with atomic_open(path, "wb") as stream:
            stream.write(data)
    except TargetError as e:
        raise CampaignError(str(e)) from e
