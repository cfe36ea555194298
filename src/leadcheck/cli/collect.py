"""`leadcheck assess` and `leadcheck rate`: answering in the terminal, one key per item."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer

from leadcheck.base import text as txt
from leadcheck.base.errors import INVALID, OK, ExitCode, UsageError
from leadcheck.cli._common import (
    cohort_option,
    complete_leader,
    console,
    db_path,
    group_option,
    instrument_option,
    key_notice,
    new_option,
)
from leadcheck.cli._help import Command

if TYPE_CHECKING:
    from leadcheck.collect import Prompt, Session
    from leadcheck.instrument.model import Instrument
    from leadcheck.store import Assessment, Store

BAR_WIDTH = 30
SUMMARY_BAR_WIDTH = 20
# A line of answers (or an open comment) from a pipe is at most this long: /dev/zero has no line ends.
MAX_INPUT_LINE = 64 * 1024

# Arrow keys as the escape sequences terminals send: left goes back, right skips.
ARROW_KEYS = {"\x1b[D": "b", "\x1bOD": "b", "\x1b[C": "s", "\x1bOC": "s"}
CTRL_C, CTRL_D = "\x03", "\x04"


def _exit_codes_help(bad_value: str) -> str:
    return (
        "Exit codes: 0 when finished or after q (save and quit); 1 when the input ends before the end "
        f"(Ctrl-D, or the end of piped input), or on an error; 2 for a bad option value ({bad_value}); "
        "130 on Ctrl-C. Every answer is saved the moment it is given, so nothing already answered is lost; "
        "run the same command again to resume."
    )


ASSESS_EXIT_CODES = _exit_codes_help("such as an instrument without a self group")
RATE_EXIT_CODES = _exit_codes_help("such as an --as group the instrument does not have")


# Control flow, not an error: the session loop ends on it (so not in leadcheck.base.errors).
class _Quit(Exception):
    """The rater pressed q: stop, everything is saved."""


# -- reading keys ------------------------------------------------------------------------


def split_keys(chunk: str) -> list[str]:
    """The keys in what one read from a terminal returned (typed ahead, or an arrow's escape sequence)."""
    keys: list[str] = []
    i = 0
    while i < len(chunk):
        ch = chunk[i]
        if ch == "\x1b":
            j = i + 1
            if j < len(chunk) and chunk[j] in "[O":
                j += 1
                while j < len(chunk) and not ("@" <= chunk[j] <= "~"):
                    j += 1
            seq = chunk[i : j + 1]
            keys.append(ARROW_KEYS.get(seq, ""))  # any other sequence (F-keys, ...) does nothing
            i = j + 1
            continue
        keys.append("" if ch in "\r\n" else ch)
        i += 1
    return keys


class Keyboard:
    """Keys and lines from stdin: one key without Enter on a terminal, one line per key otherwise.

    On a terminal the items are answered in cbreak mode (no echo, no Enter),
    restored in a ``finally`` whatever happens. From a pipe or a test, each
    line's first non-space character is the key, so ``4`` and ``4\\n`` both work.
    """

    def __init__(self, single_key: bool = True) -> None:
        self.single_key = single_key
        self._pending: list[str] = []
        self._fd: int | None = None
        self._ahead: str | None = None  # the first line, read by ``check_input``

    def check_input(self) -> None:
        """Refuse, before anything is stored, standard input that is closed or sends no lines
        (``<&-``, ``</dev/zero``): the first line off a terminal is read now, bounded."""
        if sys.stdin is None:
            raise UsageError(
                "standard input is closed; answers are read from it: run the command in a terminal, "
                "or pipe the answers in, one per line"
            )
        if not self.is_terminal:
            try:
                self._ahead = self._bounded_line()
            except EOFError:
                self._ahead = ""

    def _bounded_line(self) -> str:
        """The next line from a pipe or file (its end kept), at most MAX_INPUT_LINE characters."""
        try:
            line = sys.stdin.readline(MAX_INPUT_LINE + 1)
        except UnicodeDecodeError:
            encoding = getattr(sys.stdin, "encoding", None) or "UTF-8"
            raise UsageError(
                f"standard input is not text in this terminal's encoding ({encoding}); expected one answer "
                "per line"
            ) from None
        except (OSError, ValueError):  # closed, or not readable
            raise EOFError from None
        if len(line) > MAX_INPUT_LINE:
            raise UsageError(
                f"standard input sent a line longer than {MAX_INPUT_LINE} characters (or no line break); "
                "expected one answer per line"
            )
        if not line:
            raise EOFError
        return line

    @property
    def is_terminal(self) -> bool:
        try:
            return sys.stdin.isatty()
        except (AttributeError, ValueError):
            return False

    @property
    def raw(self) -> bool:
        """Keys are read one at a time, without Enter."""
        return self.single_key and self.is_terminal and os.name == "posix"

    @contextmanager
    def keys(self) -> Iterator[None]:
        """Single-key mode for the duration of the block (a no-op off a terminal)."""
        if not self.raw:
            yield
            return
        import termios
        import tty

        fd = sys.stdin.fileno()
        saved = termios.tcgetattr(fd)
        try:
            tty.setcbreak(fd, termios.TCSANOW)
            self._fd = fd
            yield
        finally:
            self._fd = None
            self._pending.clear()
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)

    def key(self) -> str:
        """The next key ("" for Enter or an unknown special key); EOFError when the input ends."""
        if self._fd is None:
            return self._line_key()
        while not self._pending:
            chunk = os.read(self._fd, 64)
            if not chunk:
                raise EOFError
            self._pending.extend(split_keys(chunk.decode("utf-8", errors="replace")))
        key = self._pending.pop(0)
        if key == CTRL_D:
            raise EOFError
        if key == CTRL_C:  # only reaches us when the terminal does not turn it into SIGINT
            raise KeyboardInterrupt
        return key

    def _line_key(self) -> str:
        from leadcheck.collect import key_from_line

        return key_from_line(self.line(), self.single_key)

    def line(self, prompt: str = "") -> str:
        """One line of text, without its newline; EOFError when the input ends."""
        if prompt:
            sys.stdout.write(prompt)
            sys.stdout.flush()
        if self.is_terminal:
            return input()  # line editing on a terminal; EOFError on Ctrl-D
        if self._ahead is not None:
            line, self._ahead = self._ahead, None
            if not line:
                raise EOFError
        else:
            line = self._bounded_line()
        line = line.rstrip("\r\n")
        if prompt:  # nothing echoes piped input: show it, so the transcript reads like a session
            sys.stdout.write(line + "\n")
        return line


# -- showing ------------------------------------------------------------------------------


def progress_bar(fraction: float, width: int = BAR_WIDTH) -> Any:
    """A bar that reads without colour too: a heavy line for what is done, a thin one for the rest."""
    from rich.text import Text

    filled = max(0, min(width, round(width * fraction)))
    done, rest = _bar_characters()
    bar = Text(done * filled, style="green")
    bar.append(rest * (width - filled), style="dim")
    return bar


def _bar_characters() -> tuple[str, str]:
    """The bar's lines, or ``#`` and ``-`` where the terminal's encoding has no box drawing (ASCII, C locale)."""
    try:
        "━─".encode(getattr(sys.stdout, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return "#", "-"
    return "━", "─"


def _show_item(out: Any, session: Session, prompt: Prompt) -> None:
    from rich.text import Text

    from leadcheck.collect import answer_label, scale_choices

    where = prompt.dimension.name + (f" · {prompt.item.area}" if prompt.item.area else "")
    if prompt.importance:
        where = f"Importance · {prompt.dimension.name}"
        if prompt.number == session.total - session.importance_count + 1:
            out.print()
            out.print(
                Text(
                    "Now, for each competency: how important is it for success in the role? "
                    "Your answers order the development priorities; they are never shown as figures.",
                    style="bold",
                )
            )
    head = Text()
    head.append(f"{prompt.number:>{len(str(prompt.total))}}/{prompt.total} ", style="bold")
    head.append_text(progress_bar(prompt.number / prompt.total))
    head.append(f"  {where}", style="cyan")
    out.print()
    out.print(head)
    out.print(Text(prompt.text, style="bold"))
    choices = Text(scale_choices(session.scale, session.group, prompt.importance))
    choices.append("   ? help", style="dim")
    out.print(choices)
    if prompt.has_answer:
        keep = " (Enter keeps it)" if session.reviewing else ""
        out.print(
            Text(
                f"Current answer{keep}: "
                f"{answer_label(session.scale, prompt.answer, session.group, prompt.importance)}",
                style="yellow",
            )
        )


def _items(out: Any, keyboard: Keyboard, store: Store, response_id: int, session: Session) -> None:
    """Ask every item still to do, saving each answer as it is given; raises _Quit on q."""
    from rich.text import Text

    from leadcheck.collect import Kind, answer_label

    with keyboard.keys():
        while (prompt := session.current()) is not None:
            _show_item(out, session, prompt)
            ask = True
            while True:
                if ask:
                    out.print("> ", end="")
                outcome = session.answer(keyboard.key())
                ask = True
                if outcome.kind is Kind.IGNORED:
                    # A stray Enter: nothing to say; from a pipe the empty line still ends the prompt's line.
                    ask = not keyboard.raw
                    if ask:
                        out.print()
                    continue
                importance = prompt.importance
                if outcome.kind is Kind.ANSWERED:
                    assert outcome.item_id is not None
                    store.responses.save_answer(response_id, outcome.item_id, outcome.value)
                    out.print(
                        Text(
                            answer_label(session.scale, outcome.value, session.group, importance),
                            style="green",
                        )
                    )
                elif outcome.kind is Kind.SKIPPED:
                    note = (
                        f"kept: {answer_label(session.scale, outcome.value, session.group, importance)}"
                        if outcome.kept
                        else "skipped"
                    )
                    out.print(Text(note, style="dim"))
                elif outcome.kind is Kind.BACK:
                    out.print(Text("back", style="dim"))
                elif outcome.kind is Kind.QUIT:
                    out.print(Text("quit", style="dim"))
                    raise _Quit
                elif outcome.kind is Kind.HELP:
                    out.print(Text("help", style="dim"))
                    for line in session.help_lines():
                        out.print(Text(f"  {line}", style="dim"))
                    continue
                else:
                    out.print(Text(outcome.message, style="red"))
                    continue
                break


def _questions(
    out: Any,
    keyboard: Keyboard,
    store: Store,
    response_id: int,
    session: Session,
) -> bool:
    """Ask the open questions, one line each, saving each change as it is given.

    Returns False when ``b`` at the first question asks to go back to the
    items; raises _Quit on ``q``.
    """
    from rich.text import Text

    from leadcheck.collect import QUESTIONS_HINT, LineAction, line_action

    questions = session.questions()
    if not questions:
        return True
    out.print()
    out.print(Text(QUESTIONS_HINT, style="bold"))
    n = 0
    while n < len(questions):
        q = questions[n]
        current = store.responses.by_id(response_id).comments.get(q.id, "")
        out.print()
        out.print(Text(f"{n + 1}/{len(questions)} {q.text_for(session.group)}", style="bold"))
        if current:
            out.print(Text(f"Current answer (Enter keeps it, - clears it): {current}", style="yellow"))
        line = keyboard.line("> ")
        action = line_action(line)
        if action is LineAction.QUIT:  # never saved as the answer "q"
            raise _Quit
        if action is LineAction.BACK:
            if n == 0:
                out.print(Text("back to the last item", style="dim"))
                return False
            n -= 1
            continue
        if action is LineAction.CLEAR:
            store.responses.save_comment(response_id, q.id, "")
            out.print(Text("cleared" if current else "skipped", style="dim"))
        elif action is LineAction.ANSWER:
            store.responses.save_comment(response_id, q.id, line.strip())
        n += 1
    return True


def _self_summary(out: Any, instrument: Instrument, answers: Mapping[str, int | None]) -> None:
    from rich.table import Table
    from rich.text import Text

    from leadcheck.collect import self_summary
    from leadcheck.instrument.model import SELF, not_observed_label

    rows = self_summary(instrument, answers)
    scale = instrument.scale
    table = Table(title="Your self-assessment", title_justify="left", box=None, padding=(0, 1))
    table.add_column("")
    table.add_column("mean", justify="right")
    table.add_column(f"{scale.min} to {scale.max}")
    table.add_column("rated", justify="right")
    for row in rows:
        name = row.name + (" (value)" if row.kind == "value" else "") + (" *" if row.reversed else "")
        if row.mean is None:
            mean, bar = "–", Text("")
        else:
            mean = txt.score(row.mean, plain=True)
            bar = progress_bar((row.mean - scale.min) / (scale.max - scale.min), SUMMARY_BAR_WIDTH)
        table.add_row(Text(name), mean, bar, f"{row.rated}/{row.items}")
    out.print()
    out.print(table)
    skipped = sum(r.skipped for r in rows)
    not_observed = sum(r.not_observed for r in rows)
    if skipped or not_observed:
        out.print(
            f"{txt.count(skipped, 'item')} skipped, {not_observed} answered "
            f'"{not_observed_label(scale, SELF)}": they count as missing, not as a score.',
            markup=False,
        )
    reversed_ = sum(r.reversed for r in rows)
    if reversed_:
        out.print(
            f"* includes {reversed_} reverse-scored {txt.plural(reversed_, 'item')} (a high answer is a bad sign), "
            f"counted the other way round: {scale.max} counts as {scale.min}, {scale.min} as {scale.max}.",
            markup=False,
        )


# -- one run, shared by assess and rate ----------------------------------------------------------


def _collect(
    out: Any,
    keyboard: Keyboard,
    store: Store,
    response_id: int,
    session: Session,
    resume_hint: str,
    new_round_hint: str = "",
) -> None:
    """Items, then open questions, then submit; quit, Ctrl-C and the end of input stop with a message.

    A finished (submitted) response is reviewed item by item instead, every
    answer shown and kept with Enter; ``b`` at the first open question goes
    back to the last item.
    """

    def saved() -> str:
        count = len(store.responses.by_id(response_id).answers)
        return f"Saved {txt.count(count, 'answer')}. {resume_hint}"

    _opening(out, keyboard, session, store.responses.by_id(response_id).submitted_at, new_round_hint)
    try:
        while True:
            _items(out, keyboard, store, response_id, session)
            out.print()
            left = session.total - session.answered
            out.print(
                f"All {session.extent()} done"
                + (f" ({left} left unanswered; run the command again to answer them)." if left else "."),
                markup=False,
            )
            if _questions(out, keyboard, store, response_id, session):
                break
            session.back_to_last_item()
    except _Quit:
        out.print(saved(), markup=False, soft_wrap=True)  # a command to copy: never wrapped
        raise typer.Exit(OK) from None
    except KeyboardInterrupt:
        typer.echo(f"\nInterrupted. {saved()}", err=True)
        raise typer.Exit(ExitCode.INTERRUPTED) from None
    except EOFError:
        typer.echo(f"\nThe input ended. {saved()}", err=True)
        raise typer.Exit(INVALID) from None
    store.responses.submit(response_id)


def _opening(
    out: Any, keyboard: Keyboard, session: Session, submitted: str | None, new_round_hint: str
) -> None:
    """The line before the first item: reviewing a finished response, resuming, or the keys to press."""
    from rich.text import Text

    from leadcheck.overview import utc_minutes

    if submitted and session.finished:
        session.review()
        out.print(
            Text(
                f"This is finished: all {session.extent()} answered, submitted {utc_minutes(submitted)} UTC. "
                "Reviewing it item by item: press a key to change an answer, Enter to keep it, "
                "b to go back, q to stop (a change is saved the moment you make it).",
                style="yellow",
            )
        )
        if new_round_hint:
            out.print(new_round_hint, markup=False, soft_wrap=True)  # a command to copy: never wrapped
    elif session.resumed_with:
        out.print(Text(f"Resuming: {session.resumed_with} of {session.total} answered.", style="yellow"))
    else:
        out.print(
            Text(
                f"{session.extent()}. Press one key for each "
                f"({'no Enter needed' if keyboard.raw else 'then Enter'}); "
                "every answer is saved at once. ? shows the keys.",
                style="dim",
            )
        )


def _command_line(ctx: typer.Context, *args: str) -> str:
    """The command to type to come back, with --db when one was given."""
    root = ctx.find_root()
    db = root.obj.get("db") if isinstance(root.obj, dict) else None
    words = ["leadcheck"] + (["--db", str(db)] if db else []) + list(args)
    import shlex

    return shlex.join(words)


# -- assess --------------------------------------------------------------------------------------


def _require_self(inst: Instrument) -> None:
    if not inst.has_self:
        raise UsageError(
            f'{inst.id} has no "self" rater group: it is answered by others only (leadcheck rate)'
        )


def _self_assessment(store: Store, name: str, loaded: Instrument | None, new: bool) -> Assessment:
    """The assessment to answer: the leader's current one, else one on ``loaded`` (default psl-360)."""
    from leadcheck.instrument.catalog import DEFAULT_INSTRUMENT, load_instrument

    if loaded is None:
        existing = None if new else store.leaders.find(name)
        found = store.assessments.current_or_none(existing) if existing else None
        if found is not None:
            return found
        loaded = load_instrument(DEFAULT_INSTRUMENT)
    if store.leaders.find(name) is None:
        _warn_if_close(store, name)
    return store.assessments.current_or_new(store.leaders.ensure(name), loaded, new=new)


def _warn_if_close(store: Store, name: str) -> None:
    """Warn, as import does, when a new leader's name is close to one the workspace holds ("Ana Rui")."""
    import shlex

    from leadcheck.importing.closenames import close_name_message, closest_known

    best = closest_known(name, (leader.name for leader in store.leaders.every()))
    if best:
        fix = f"press q and run `leadcheck assess {shlex.quote(best)}`"
        typer.echo(f"warning: {close_name_message(name, best, fix)}", err=True)


def assess(
    ctx: typer.Context,
    instrument: Annotated[
        str | None,
        instrument_option(
            "A shipped instrument id or a YAML file. Default: the leader's current assessment, else psl-360."
        ),
    ] = None,
    leader_name: Annotated[
        str | None,
        typer.Argument(
            help="Your name as the leader. Asked for when not given.",
            metavar="LEADER",
            autocompletion=complete_leader,
            show_default=False,
        ),
    ] = None,
    leader: Annotated[
        str | None,
        # The spelling before LEADER became an argument, kept for scripts.
        typer.Option("--leader", "-l", hidden=True, show_default=False),
    ] = None,
    new: Annotated[bool, new_option("Start a new assessment instead of resuming the current one.")] = False,
) -> None:
    """Answer your own (self) assessment in the terminal, one key per item.

    Keys: the scale's digits, n "I can't judge this", b back, s skip, q save
    and quit, ? help. Then the open questions, one line each (Enter alone
    skips or keeps the answer shown, - alone clears it, b alone goes back, q
    alone saves and quits), a short summary of your answers per competency,
    and the next steps as commands to copy. Running it again resumes at the
    first unanswered item, or reviews a finished assessment item by item.
    """
    from leadcheck.instrument.catalog import load_instrument
    from leadcheck.store import Store

    # Before anything is stored: an instrument that does not load, or has no self group, leaves no trace.
    loaded = load_instrument(instrument) if instrument is not None else None
    if loaded is not None:
        _require_self(loaded)
    out = console()
    keyboard = Keyboard()
    keyboard.check_input()
    name = _leader_name(keyboard, leader_name, leader)
    with Store.open(db_path(ctx)) as store:
        _assess(ctx, out, keyboard, store, _self_assessment(store, name, loaded, new))


def _leader_name(keyboard: Keyboard, leader_name: str | None, leader: str | None) -> str:
    """The leader named once (LEADER or the older --leader), else asked for."""
    if leader_name is not None and leader is not None and leader_name != leader:
        raise UsageError("name the leader once: LEADER or --leader, not both")
    name = leader_name if leader_name is not None else leader
    if name is None:
        name = keyboard.line("Your name: ").strip()
        if not name:
            raise UsageError("a leader needs a name: leadcheck assess LEADER")
    return name


def _assess(ctx: typer.Context, out: Any, keyboard: Keyboard, store: Store, assessment: Assessment) -> None:
    """The self-assessment run: the items and questions, then the summary and the next steps."""
    from leadcheck.collect import Session
    from leadcheck.instrument.model import SELF
    from leadcheck.store import SELF_IDENTITY

    person = assessment.leader
    inst = store.assessments.instrument(assessment)
    _require_self(inst)  # the stored snapshot decides
    response_id = store.responses.open(assessment, SELF, SELF_IDENTITY)
    key_notice(store)
    before = store.responses.by_id(response_id)
    session = Session(inst, SELF, before.answers)
    keyboard.single_key = session.single_key
    out.print(
        f"{inst.title} ({inst.id} {inst.version}): self-assessment of {person.name}",
        markup=False,
        style="bold",
    )
    again = _command_line(ctx, "assess", person.name, "--new")
    _collect(
        out,
        keyboard,
        store,
        response_id,
        session,
        "Run the same command again to resume.",
        f"To start a new round instead:\n  {again}",
    )
    _self_summary(out, inst, store.responses.by_id(response_id).answers)
    current = store.assessments.current(person)
    _next_steps(ctx, out, inst, person.name, not_current=current.id != assessment.id)


def _next_steps(ctx: typer.Context, out: Any, inst: Instrument, leader: str, not_current: bool) -> None:
    """The closing lines of assess: what to do next, each with the exact command to type."""
    from rich.text import Text

    from leadcheck.collect import next_steps

    out.print()
    out.print(Text("Next steps", style="bold"))
    for step in next_steps(inst, leader, not_current):
        out.print(Text(f"  {step.what}:"))
        out.print(Text(f"    {_command_line(ctx, *step.command)}", style="cyan"), soft_wrap=True)


# -- rate ----------------------------------------------------------------------------------------


def _new_token() -> str:
    """A random rater token that cannot be mistaken for an option on the command line."""
    import secrets

    while (token := secrets.token_urlsafe(8)).startswith("-"):
        pass
    return token


# Over 60 lines only through its parameter declarations and help: typer reads both from here.
def rate(
    ctx: typer.Context,
    leader: Annotated[
        str,
        typer.Argument(
            help="The leader you are rating, as named in the workspace.",
            metavar="LEADER",
            autocompletion=complete_leader,
        ),
    ],
    group: Annotated[str, group_option("Your rater group, e.g. manager, peer, direct_report, other.")],
    rater: Annotated[
        str | None,
        typer.Option(
            "--rater",
            help="Your private token, to resume later (stored only as a keyed hash). Default: a new random one.",
            metavar="TOKEN",
            show_default=False,
        ),
    ] = None,
    instrument: Annotated[
        str | None,
        instrument_option(
            "A shipped instrument id or a YAML file: rate the leader's assessment on it, started "
            "(and the leader added) when there is none. Default: the leader's current assessment."
        ),
    ] = None,
    cohort: Annotated[str | None, cohort_option("Put a leader who has no cohort yet in this one.")] = None,
) -> None:
    """Rate a leader as one of their raters, in the terminal, one key per item.

    The same keys as `leadcheck assess` (n: not observed); running it again
    with the same --rater token resumes, or reviews a finished rating. The items are phrased about the leader; the answers go to
    the leader's current assessment, or with --instrument to their assessment
    on that instrument, started when there is none (for instruments without a
    self group, such as labor-management-partnership). No scores are shown at
    the end: others' answers are only ever reported as a group.
    """
    from leadcheck.collect import check_rater_group, rating_assessment
    from leadcheck.instrument.catalog import load_instrument
    from leadcheck.store import Store

    token = rater if rater is not None else _new_token()
    _check_token(token)
    path = db_path(ctx)
    if instrument is not None and not path.exists():
        # A new workspace only for something that can be rated.
        check_rater_group(load_instrument(instrument), group, leader.strip())
    out = console()
    keyboard = Keyboard()
    keyboard.check_input()
    with Store.open(path, create=instrument is not None) as store:
        assessment = rating_assessment(store, leader, group, instrument, cohort)
        group = check_rater_group(
            store.assessments.instrument(assessment), group, assessment.leader.name
        )  # "peers": peer
        _rate(
            ctx,
            out,
            keyboard,
            store,
            assessment,
            group,
            token,
            new_token=rater is None,
            on=instrument is not None,
        )


def _check_token(token: str) -> None:
    """A --rater token is a word, and never the one the leader's own assessment is stored under."""
    from leadcheck.store import SELF_IDENTITY

    if not token.strip():
        raise UsageError("--rater needs a token (any word you will remember), or leave it out")
    if token.strip().casefold() == SELF_IDENTITY:
        raise UsageError(
            f'the --rater token "{token}" is reserved for the leader\'s own assessment; choose another'
        )


def _rate(
    ctx: typer.Context,
    out: Any,
    keyboard: Keyboard,
    store: Store,
    assessment: Assessment,
    group: str,
    token: str,
    new_token: bool,
    on: bool,
) -> None:
    """One rater's run: the items and questions, then thanks and the command that resumes.

    ``new_token``: the token was made here, so the command to resume is shown first;
    ``on``: the run named its instrument, so the command to resume names it too.
    """
    from leadcheck.anonymity import rater_promise
    from leadcheck.collect import Session

    person = assessment.leader
    inst = store.assessments.instrument(assessment)
    response_id = store.responses.open(assessment, group, token)
    key_notice(store)
    before = store.responses.by_id(response_id)
    if before.group != group:
        raise UsageError(
            f'this --rater token already answered as "{before.group}"; use --as {before.group} to resume, '
            "or another token"
        )
    # The stored id finds this assessment again without the file, even once the leader has a newer one.
    instrument_args = ["--instrument", assessment.instrument_id] if on else []
    resume = _command_line(ctx, "rate", person.name, "--as", group, *instrument_args, "--rater", token)
    session = Session(inst, group, before.answers)
    keyboard.single_key = session.single_key
    label = inst.group(group).label
    out.print(f"{inst.title}: rating {person.name} as {label}", markup=False, style="bold")
    out.print(rater_promise(inst, group), markup=False)
    if new_token:
        out.print(f"To resume later:\n  {resume}", markup=False, style="yellow", soft_wrap=True)
    _collect(out, keyboard, store, response_id, session, f"To resume:\n  {resume}")
    count = len(store.responses.by_id(response_id).answers)
    out.print(f"Thank you — {txt.count(count, 'answer')} saved.", markup=False)
    out.print(f"To review or change them later:\n  {resume}", markup=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command("assess", epilog=ASSESS_EXIT_CODES, cls=Command)(assess)
    app.command("rate", epilog=RATE_EXIT_CODES, cls=Command)(rate)
