"""Invitations and reminders: one personalised questionnaire and one ready-to-send email per rater.

The slow step, rendering a form, runs once per leader, group and due date;
each rater's copy only gets its own token. Files are written into a staging
folder inside the output folder, with a manifest of the tokens they carry,
inside the transaction that records the tokens and the roster's states; only
after it commits are they renamed into place. A run killed at any point
leaves either nothing recorded (the next run removes its staged files) or
everything recorded (the next run moves its staged files into place): what is
on disk always agrees with the roster.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path

from leadcheck.base.atomic import atomic_open
from leadcheck.base.errors import CampaignError, TargetError, UsageError
from leadcheck.base.filenames import slug
from leadcheck.base.problems import capped
from leadcheck.campaign import forms, roster
from leadcheck.campaign.invitations import (
    Invitation,
    Mailer,
    MailTemplate,
    Outgoing,
    SendError,
    SmtpServer,
    build_message,
    builtin_template,
    send_all,
)
from leadcheck.campaign.roster import wire_address
from leadcheck.importing.responsefile import form_instrument
from leadcheck.instrument.model import SELF, Instrument
from leadcheck.store import Store


@dataclass(frozen=True)
class IssuedForm:
    """One rater's form and email, as written."""

    rater: roster.RosterRater  # as on the roster before this form was issued
    pdf: Path
    eml: Path
    message: EmailMessage
    token_hash: str


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
    pulse: Mapping[int, tuple[int, Instrument]] | None = None,
) -> IssueResult:
    """Write a form (.pdf) and an email (.eml) per rater into ``out_dir``; tokens and states stored.

    ``due_date`` (ISO) replaces each rater's due date; for reminders, None
    keeps the one they were invited with. ``template`` overrides the
    built-in invitation (or reminder) text for every rater. All or nothing:
    a failure midway removes every file written and rolls the workspace back.
    ``on_issued`` hears of each form once written (a progress display: a form renders in about a second).
    ``pulse`` maps each leader's id to their pulse (its assessment id and questionnaire): the forms are
    the pulse's, and the roster's states (which are the round's) are left as they are.
    """
    recover_staged(store, out_dir)
    stems = {rater.id: _stem(rater, reminder, pulse) for rater in raters}
    _refuse_existing(out_dir, stems.values())
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out_dir))
    issuer = _Issuer(store, sender, due_date, reminder, template, instrument, pulse)
    try:
        with store.transaction():
            for rater in raters:
                issuer.issue(rater, staging / stems[rater.id])
                if on_issued is not None:
                    on_issued(issuer.result.issued[-1])
            # Inside the transaction: a manifest without its commit names tokens nobody holds.
            _write(staging / MANIFEST, json.dumps(issuer.manifest).encode("utf-8"))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _publish(staging, out_dir)
    result = issuer.result
    result.issued = [
        IssuedForm(f.rater, out_dir / f.pdf.name, out_dir / f.eml.name, f.message, f.token_hash)
        for f in result.issued
    ]
    return result


STAGING_PREFIX = ".leadcheck-staging-"
MANIFEST = "manifest.json"


def _publish(staging: Path, out_dir: Path) -> None:
    """Move the staged files into ``out_dir`` (the manifest last, with the folder)."""
    for path in sorted(staging.iterdir()):
        if path.name != MANIFEST:
            path.replace(out_dir / path.name)
    shutil.rmtree(staging, ignore_errors=True)


def recover_staged(store: Store, out_dir: Path) -> int:
    """Finish what an interrupted run left in ``out_dir``: staged files whose tokens the workspace
    recorded are moved into place, the others deleted; how many files were moved."""
    moved = 0
    if not out_dir.is_dir():
        return 0
    for staging in sorted(out_dir.glob(STAGING_PREFIX + "*")):
        if not staging.is_dir() or staging.is_symlink():
            continue
        try:
            manifest = json.loads((staging / MANIFEST).read_text("utf-8"))
        except (OSError, ValueError):
            manifest = {}  # never committed: the manifest is written just before the commit
        for name, token in manifest.items() if isinstance(manifest, dict) else ():
            source = staging / str(name)
            if (
                isinstance(token, str)
                and source.is_file()
                and not (out_dir / source.name).exists()
                and store.roster.has_token(token)
            ):
                source.replace(out_dir / source.name)
                moved += 1
        shutil.rmtree(staging, ignore_errors=True)
    return moved


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
        pulse: Mapping[int, tuple[int, Instrument]] | None = None,
    ) -> None:
        self.store, self.sender, self.due_date, self.reminder = store, sender, due_date, reminder
        self.template, self.instrument, self.pulse = template, instrument, pulse
        self.workspace = store.workspace_id
        self.result = IssueResult()
        self.manifest: dict[str, str] = {}  # file name -> the keyed hash of the token it carries
        self._forms: dict[tuple[int, str, str | None], bytes] = {}
        self._assessments: dict[int, tuple[int, Instrument]] = {}

    def issue(self, rater: roster.RosterRater, stem: Path) -> None:
        assessment_id, inst = self._assessment(rater)
        # A reminder keeps the due date of the invitation; a pulse's is not kept (the roster's is the round's).
        keep = self.reminder and self.due_date is None and self.pulse is None
        due = rater.due_date if keep else self.due_date
        token = roster.issue_token(self.store, rater, assessment_id)
        token_hash = roster.token_hash(self.store, token)
        pdf = forms.personalise(self._form(rater, inst, due), token)
        kind = "reminder" if self.reminder else "invitation"
        what = "360-feedback"
        if self.pulse is not None:
            kind, what = ("pulse-reminder" if self.reminder else "pulse"), "follow-up"
        invitation = Invitation(
            to_name=rater.name,
            to_email=rater.email,
            leader=rater.leader,
            group_label=inst.group(rater.group).label,
            due_date=due,
            attachment_name=f"{what}-{slug(rater.leader, f'leader-{rater.leader_id}', limit=40)}.pdf",
            attachment=pdf,
        )
        message = build_message(
            invitation, self.template or builtin_template(kind, rater.group == SELF), self.sender
        )
        pdf_path, eml_path = stem.with_name(stem.name + ".pdf"), stem.with_name(stem.name + ".eml")
        for path, data in ((pdf_path, pdf), (eml_path, bytes(message))):
            _write(path, data)
            self.manifest[path.name] = token_hash
        if self.pulse is None:  # the roster's states are the round's, not a pulse's
            self.store.roster.mark_invited(rater.id, due, self.reminder)
        self.result.issued.append(IssuedForm(rater, pdf_path, eml_path, message, token_hash))

    def _assessment(self, rater: roster.RosterRater) -> tuple[int, Instrument]:
        """The assessment (id and instrument) a rater's form is for: one per leader."""
        if self.pulse is not None:
            self._assessments.setdefault(rater.leader_id, self.pulse[rater.leader_id])
        if rater.leader_id not in self._assessments:
            leader = self.store.leaders.get(rater.leader)
            chosen = form_instrument(self.store, leader.name, self.instrument)
            assessment = self.store.assessments.current_or_new(leader, chosen)
            self._assessments[rater.leader_id] = (
                assessment.id,
                self.store.assessments.instrument(assessment),
            )
        assessment_id, inst = self._assessments[rater.leader_id]
        if rater.group not in inst.groups:
            raise CampaignError(
                f'"{rater.leader}" is assessed on {inst.id} {inst.version}, which has no rater group '
                f'"{rater.group}"; remove the roster entries of that group or choose --instrument'
            )
        return assessment_id, inst

    def _form(self, rater: roster.RosterRater, inst: Instrument, due: str | None) -> bytes:
        """The rendered form for the rater's leader, group and due date (before the token is written in);
        a pulse's, for the leader's self or for every other group."""
        group = rater.group
        if self.pulse is not None and group != SELF:  # a pulse has one form for every group but the self
            group = forms.ANY_OTHER_GROUP
        key = (rater.leader_id, group, due)
        if key not in self._forms:
            view = forms.questionnaire_view(
                inst, rater.leader, group, self.workspace, due, pulse=self.pulse is not None
            )
            self._forms[key] = forms.render_questionnaire(view)
            self.result.renders += 1
        return self._forms[key]


def _stem(
    rater: roster.RosterRater, reminder: bool, pulse: Mapping[int, tuple[int, Instrument]] | None = None
) -> str:
    """``ana-ruiz-peer-12`` (a reminder: ``ana-ruiz-peer-12-reminder-20261201``; a pulse's forms
    ``ana-ruiz-peer-12-pulse-7``, 7 the pulse's number in the workspace): no rater's name in it."""
    stem = f"{slug(rater.leader, f'leader-{rater.leader_id}', limit=40)}-{rater.group}-{rater.id}"
    if pulse is not None:
        stem += f"-pulse-{pulse[rater.leader_id][0]}"
    return stem + (f"-reminder-{date.today():%Y%m%d}" if reminder else "")


def _write(path: Path, data: bytes) -> None:
    try:
        with atomic_open(path, "wb") as stream:
            stream.write(data)
    except TargetError as e:
        raise CampaignError(str(e)) from e


# -- sending --------------------------------------------------------------------------------------


class RatersNotReached(CampaignError):
    """Emails that could not be sent (or would not be): ``raters`` are their raters, for the coach's
    own roster view; the message names them only by leader, group and number or file."""

    def __init__(self, message: str, raters: Sequence[roster.RosterRater]) -> None:
        super().__init__(message)
        self.raters = list(raters)


def check_server(server: SmtpServer, raters: Sequence[roster.RosterRater]) -> None:
    """Log in once before anything is written; refuse when a rater's address needs SMTPUTF8 (not ASCII
    before the @) and the server does not offer it, naming the rater by leader, group and roster number."""
    with Mailer(server) as mailer:
        if mailer.smtputf8:
            return
        needs = [r for r in raters if wire_address(r.email).smtputf8]
        if needs:
            shown, rest = capped([f'"{r.leader}" {r.group} #{r.id}' for r in needs], what="rater")
            raise RatersNotReached(
                f"the mail server {server.host}:{server.port} does not offer SMTPUTF8, which an address not "
                f"ASCII before the @ needs: {', '.join(shown)}{' ' + rest if rest else ''} (leader, group, "
                "roster number); nothing was written: ask for an ASCII address, or invite without --smtp "
                "and send the .eml drafts from your mail program",
                needs,
            )


def send_issued(store: Store, server: SmtpServer, result: IssueResult, sender: str, reminder: bool) -> int:
    """Send every issued email; raters whose email was not sent are put back as they were on the
    roster (their tokens withdrawn, their files removed), and CampaignError names them by file."""
    _, sender_address = parseaddr(sender)
    envelope = wire_address(sender_address).address
    outgoing = [Outgoing(f.eml.name, f.message, envelope, wire_address(f.rater.email)) for f in result.issued]
    try:
        return send_all(server, outgoing)
    except SendError as e:
        unsent = [result.issued[i] for i in e.unsent]
        withdraw(store, unsent)
        shown, rest = capped([f.eml.name for f in unsent], what="email")
        state = "invited, as before this reminder" if reminder else "nominated"
        raise RatersNotReached(
            f"{len(unsent)} of {len(outgoing)} emails not sent ({e}); {e.sent} sent. Not sent: "
            f"{', '.join(shown)}{' ' + rest if rest else ''}. These raters are {state} on the roster again "
            "and their forms were removed: run the same command again to send them",
            [f.rater for f in unsent],
        ) from e


def withdraw(store: Store, issued: Sequence[IssuedForm]) -> None:
    """Undo issuing these forms: tokens deleted and roster rows as before (first), then files removed."""
    with store.transaction():
        for f in issued:
            store.roster.delete_token(f.token_hash)
            store.roster.restore(f.rater)
    for f in issued:
        f.pdf.unlink(missing_ok=True)
        f.eml.unlink(missing_ok=True)
