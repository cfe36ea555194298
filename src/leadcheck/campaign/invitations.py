"""Invitation and reminder emails: plain-text bodies from templates, the form attached, sent by SMTP.

Templates are Python ``string.Template`` text (``$leader``, ``$due_date``,
...): values are put in as text and never interpreted, so a name holding
``$`` or ``{{`` is printed as written. A first line ``Subject: ...`` is the
subject.
"""

from __future__ import annotations

import base64
import ipaddress
import re
import smtplib
import ssl
import string
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from email.policy import SMTP, SMTPUTF8
from email.utils import formatdate, make_msgid, parseaddr
from importlib import resources
from pathlib import Path

from leadcheck.base.errors import CampaignError, UsageError
from leadcheck.base.infiles import read_capped
from leadcheck.base.problems import capped
from leadcheck.campaign import PASSWORD_ENV
from leadcheck.campaign.roster import WireAddress, email_problem, wire_address

FIELDS = ("rater_name", "leader", "group", "due_date", "sender_name")
DEFAULT_PORT = 587
LOCAL_PORT = 25
MAX_TEMPLATE = 64 * 1024
SMTP_TIMEOUT = 30.0  # seconds to wait for the mail server at each step


@dataclass(frozen=True)
class MailTemplate:
    """An email's subject and body, with ``$field`` placeholders."""

    subject: str
    body: str
    source: str  # the file, or "built-in", for messages


def builtin_template(kind: str, self_group: bool) -> MailTemplate:
    """The shipped template: kind is "invitation" or "reminder"."""
    name = f"{kind}{'-self' if self_group else ''}.txt"
    text = resources.files("leadcheck.campaign").joinpath("templates").joinpath(name).read_text("utf-8")
    return parse_template(text, "built-in")


def load_template(path: Path) -> MailTemplate:
    """A coach's template file; UsageError naming the line of any unknown or malformed placeholder."""
    data = read_capped(path, MAX_TEMPLATE, "email template")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise UsageError(
            f"{path}: the template is not UTF-8 text (byte {e.start + 1}); save it as UTF-8"
        ) from e
    return parse_template(text, str(path))


def parse_template(text: str, source: str) -> MailTemplate:
    text = text.replace("\r\n", "\n")
    subject = "Your 360-degree feedback questionnaire"
    lines = text.split("\n")
    if lines and lines[0].lower().startswith("subject:"):
        subject = lines[0][len("subject:") :].strip()
        lines = lines[1:]
        while lines and not lines[0].strip():
            lines = lines[1:]
    body = "\n".join(lines).rstrip() + "\n"
    for number, line in enumerate([f"Subject: {subject}", *lines], start=1):
        for match in string.Template.pattern.finditer(line):
            name = match.group("named") or match.group("braced")
            if match.group("invalid") is not None:
                raise UsageError(
                    f"{source}:{number}: a $ that starts no placeholder; write $$ for a dollar sign, "
                    f"or one of: {', '.join('$' + f for f in FIELDS)}"
                )
            if name is not None and name not in FIELDS:
                raise UsageError(
                    f"{source}:{number}: unknown placeholder ${name}; expected one of: "
                    f"{', '.join('$' + f for f in FIELDS)}"
                )
    return MailTemplate(subject, body, source)


def due_text(due: str | None) -> str:
    """``Monday 14 December 2026`` for an ISO date; "as soon as you can" without one."""
    if not due:
        return "as soon as you can"
    day = date.fromisoformat(due)
    return f"{day:%A} {day.day} {day:%B %Y}"


@dataclass(frozen=True)
class Invitation:
    """What one email says and to whom; built into a message by ``build_message``."""

    to_name: str
    to_email: str
    leader: str
    group_label: str
    due_date: str | None
    attachment_name: str
    attachment: bytes


def _one_line(text: str) -> str:
    return " ".join(text.split())


# Address headers are written by ``address_header`` and stored raw: the standard library parses
# a display name again when it folds the header, and decodes any encoded-word in it, so a name
# written as "=?utf-8?q?Eve_=3Cboss=40x.com=3E?=" would become a second recipient. Raw headers are
# never refolded with this policy; every line of ours is short enough.
_POLICY = SMTP.clone(refold_source="none")
_POLICY_UTF8 = SMTPUTF8.clone(refold_source="none")
# A display name needs no encoding when it is only these (RFC 5322 atext and spaces, no "=" or "?").
_PLAIN_NAME = re.compile(r"[A-Za-z0-9!#$%&'*+/^_`{|}~ -]*")
_CHUNK = 45  # bytes of UTF-8 per encoded-word: 60 base64 characters, 72 with its =?utf-8?b?...?=


def _encoded_words(text: str) -> list[str]:
    """``text`` as RFC 2047 base64 encoded-words, each whole characters and at most 75 long."""
    words: list[str] = []
    chunk = b""
    for ch in text:
        data = ch.encode("utf-8")
        if len(chunk) + len(data) > _CHUNK:
            words.append(chunk.decode("utf-8"))
            chunk = b""
        chunk += data
    if chunk:
        words.append(chunk.decode("utf-8"))
    return [f"=?utf-8?b?{base64.b64encode(w.encode('utf-8')).decode('ascii')}?=" for w in words]


def address_header(display_name: str, address: str) -> str:
    """One mailbox for a To or From header: the name as a phrase only a decoder reads as text, never
    as addresses, then the address on a line of its own (``address`` already checked, one line)."""
    name = _one_line(display_name)
    if not name:
        return f"<{address}>"
    phrase = [name] if _PLAIN_NAME.fullmatch(name) else _encoded_words(name)
    return "\n ".join([*phrase, f"<{address}>"])


def build_message(invitation: Invitation, template: MailTemplate, sender: str) -> EmailMessage:
    """The email, ready to save as .eml or send: To, From, Subject, the body, the form attached.

    ``X-Unsent: 1`` makes Outlook and others open a saved .eml as a draft to send. A recipient
    whose address is not ASCII before the @ makes an RFC 6532 (UTF-8) message.
    """
    sender_name, sender_email = parseaddr(sender)
    to = wire_address(invitation.to_email)
    values = {
        "rater_name": _one_line(invitation.to_name) or "there",
        "leader": _one_line(invitation.leader),
        "group": invitation.group_label.lower(),
        "due_date": due_text(invitation.due_date),
        "sender_name": sender_name or sender_email,
    }
    message = EmailMessage(policy=_POLICY_UTF8 if to.smtputf8 else _POLICY)
    message.set_raw("From", address_header(sender_name, wire_address(sender_email).address))
    message.set_raw("To", address_header(invitation.to_name, to.address))
    message["Subject"] = _one_line(string.Template(template.subject).substitute(values))
    message["Date"] = formatdate(localtime=False)
    domain = wire_address(sender_email).address.rpartition("@")[2] or None
    message["Message-ID"] = make_msgid(domain=domain)
    message["X-Unsent"] = "1"
    message.set_content(string.Template(template.body).substitute(values))
    message.add_attachment(
        invitation.attachment, maintype="application", subtype="pdf", filename=invitation.attachment_name
    )
    return message


def check_sender(sender: str) -> str:
    """The --from address, checked; UsageError otherwise."""
    _, address = parseaddr(sender)
    if (
        not address
        or any(c in sender for c in "\r\n")
        or email_problem(address) is not None
        or wire_address(address).smtputf8
    ):
        raise UsageError(f'--from "{sender}" is not an email address; expected "Your Name <you@example.org>"')
    return sender


# -- sending -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    user: str | None = None
    password: str | None = None

    @property
    def local(self) -> bool:
        return is_local(self.host)


def is_local(host: str) -> bool:
    """Whether ``host`` is this machine (mail to it never crosses a network): localhost or loopback."""
    name = host.strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


_HOST = re.compile(r"^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$")


def parse_server(text: str) -> tuple[str, int]:
    """HOST[:PORT] (an IPv6 address in brackets); the port defaults to 587, or 25 on this machine."""
    match = _HOST.match(text.strip())
    if not match or (match.group(2) and not 0 < int(match.group(2)) < 65536):
        raise UsageError(f'--smtp "{text}" is not HOST[:PORT]; for example smtp.example.org:587')
    host = match.group(1)
    port = int(match.group(2)) if match.group(2) else (LOCAL_PORT if is_local(host) else DEFAULT_PORT)
    return host.strip("[]"), port


def _reason(e: BaseException) -> str:
    """Why SMTP failed, without the server's text (it may quote addresses)."""
    code = getattr(e, "smtp_code", None)
    if isinstance(e, smtplib.SMTPRecipientsRefused):
        return "the server refused a recipient's address"
    if isinstance(e, smtplib.SMTPSenderRefused):
        return f"the server refused the sender address ({code})"
    if isinstance(e, smtplib.SMTPNotSupportedError):
        return "the server does not support a feature leadcheck needs"
    if isinstance(e, ssl.SSLError):
        return f"the TLS handshake failed ({e.reason or type(e).__name__})"
    if isinstance(e, OSError) and not isinstance(e, smtplib.SMTPException):
        return e.strerror or type(e).__name__
    return f"{type(e).__name__}{f' ({code})' if code else ''}"


def _login(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """Log in once: with AUTH PLAIN when offered (smtplib's login would retry every mechanism after a
    refusal, and some servers stall on the second try), else as smtplib chooses."""
    advertised = (smtp.esmtp_features.get("auth") or "").upper().split()
    if "PLAIN" not in advertised:
        smtp.login(user, password)
        return
    smtp.user, smtp.password = user, password
    code, _ = smtp.auth("PLAIN", smtp.auth_plain, initial_response_ok=True)
    if code not in (235, 503):
        raise smtplib.SMTPAuthenticationError(code, b"")


class Mailer:
    """One SMTP session: STARTTLS unless the server is this machine, then login when a user is given."""

    def __init__(self, server: SmtpServer, timeout: float | None = None) -> None:
        self.server = server
        self.timeout = SMTP_TIMEOUT if timeout is None else timeout
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        s = self.server
        where = f"{s.host}:{s.port}"
        try:
            smtp = smtplib.SMTP(s.host, s.port, timeout=self.timeout)
        except (OSError, smtplib.SMTPException) as e:
            raise CampaignError(f"cannot connect to the mail server {where}: {_reason(e)}") from e
        self.smtp = smtp
        try:
            smtp.ehlo()
            if not s.local:
                if not smtp.has_extn("starttls"):
                    raise CampaignError(
                        f"the mail server {where} does not offer STARTTLS; leadcheck does not send forms "
                        "unencrypted over a network: use the server's submission port (usually 587)"
                    )
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if s.user:
                try:
                    _login(smtp, s.user, s.password or "")
                except (smtplib.SMTPAuthenticationError, smtplib.SMTPServerDisconnected) as e:
                    # Some servers hang up after a refused login instead of answering 535.
                    raise CampaignError(
                        f"the mail server {where} refused the user name or password; check --smtp-user "
                        f"and ${PASSWORD_ENV}"
                    ) from e
        except CampaignError:
            self._close()
            raise
        except (OSError, smtplib.SMTPException) as e:
            self._close()
            raise CampaignError(f"the mail server {where}: {_reason(e)}") from e
        return self

    @property
    def smtputf8(self) -> bool:
        """Whether the server takes addresses that are not ASCII before the @ (RFC 6531)."""
        return self.smtp is not None and self.smtp.has_extn("smtputf8")

    def send(self, message: EmailMessage, sender: str, recipient: WireAddress) -> None:
        """Send to ``recipient`` only, whatever the headers say; RecipientRefused when the server
        refuses this one message (the session goes on)."""
        assert self.smtp is not None
        try:
            del message["X-Unsent"]
            self.smtp.send_message(message, from_addr=sender, to_addrs=[recipient.address])
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as e:
            code = getattr(e, "smtp_code", 0) or 0
            if isinstance(e, smtplib.SMTPRecipientsRefused) or 500 <= code < 600:
                raise RecipientRefused(_reason(e)) from e
            raise CampaignError(_reason(e)) from e
        except (OSError, smtplib.SMTPException) as e:
            raise CampaignError(_reason(e)) from e

    def _close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()
            self.smtp = None

    def __exit__(self, *exc: object) -> None:
        self._close()


class RecipientRefused(CampaignError):
    """The mail server refused one message (its recipient, or its content); the session goes on."""


@dataclass(frozen=True)
class Outgoing:
    """One email to send: ``label`` names it in messages (its .eml file, never the rater's name)."""

    label: str
    message: EmailMessage
    sender: str
    recipient: WireAddress


class SendError(CampaignError):
    """Some emails were not sent: ``unsent`` are their positions in the list given to ``send_all``."""

    def __init__(self, message: str, unsent: list[int], sent: int) -> None:
        super().__init__(message)
        self.unsent, self.sent = unsent, sent


def send_all(server: SmtpServer, messages: Sequence[Outgoing]) -> int:
    """Send every message in one session; SendError listing which were not sent, and why.

    A message the server refuses is skipped and the rest are sent; a failure of
    the session itself (the connection drops) leaves every later one unsent.
    """
    sent = 0
    unsent: list[int] = []
    reasons: list[str] = []
    with Mailer(server) as mailer:
        for position, out in enumerate(messages):
            try:
                mailer.send(out.message, out.sender, out.recipient)
            except RecipientRefused as e:
                unsent.append(position)
                reasons.append(f"{out.label}: {e}")
                continue
            except CampaignError as e:
                unsent.extend(range(position, len(messages)))
                reasons.append(f"{out.label}: {e}")
                break
            sent += 1
    if unsent:
        shown, rest = capped(reasons, what="failure")
        raise SendError("; ".join([*shown, *([rest] if rest else [])]), unsent, sent)
    return sent
