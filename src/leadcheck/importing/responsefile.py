"""Response files: the blank YAML form one rater fills in with any editor, and reading it back."""

from __future__ import annotations

import difflib
import json
import textwrap
from pathlib import Path

from leadcheck.base import yamlsafe
from leadcheck.base.errors import UsageError
from leadcheck.base.problems import Location, Problems
from leadcheck.base.responses import Answer, IncomingResponse
from leadcheck.base.yamlsafe import Mark, Node
from leadcheck.importing.columns import AnswerError, describe_groups, match_group, parse_answer
from leadcheck.importing.export import TOO_DEEP
from leadcheck.importing.formhelp import find_slip
from leadcheck.importing.model import ImportOptions, Parsed
from leadcheck.importing.resolve import Instruments, label
from leadcheck.instrument.catalog import DEFAULT_INSTRUMENT, load_instrument
from leadcheck.instrument.model import (
    SELF,
    Instrument,
    importance_dimension,
    importance_key,
    importance_problem,
    not_observed_label,
)
from leadcheck.store import Store

FORMAT_KEY = "leadcheck_response"
FORMAT_VERSION = 1
KEYS = (FORMAT_KEY, "instrument", "leader", "group", "rater", "answers", "comments")
WIDTH = 88


def _quoted(text: str) -> str:
    """A YAML scalar for any string: JSON's double-quoted form is valid YAML."""
    return json.dumps(text, ensure_ascii=False)


def _comment(text: str, indent: str = "", width: int = WIDTH) -> list[str]:
    lines = textwrap.wrap(" ".join(text.split()), width - len(indent) - 2) or [""]
    return [f"{indent}# {line}".rstrip() for line in lines]


def write_form(instrument: Instrument, leader: str, group: str) -> str:
    """The blank response file for one rater of ``group`` about ``leader``."""
    out = [
        *_form_instructions(instrument, leader, group),
        *_form_keys(instrument, leader, group),
        *_form_items(instrument, group),
        *_form_questions(instrument, group),
    ]
    return "\n".join(out) + "\n"


def _form_instructions(instrument: Instrument, leader: str, group: str) -> list[str]:
    """The comment lines at the top: what the form is, how to fill it in, and the scale."""
    rater_group = instrument.group(group)
    scale = instrument.scale
    first = next(iter(instrument.items))
    about = "yourself" if group == SELF else leader
    out = [
        "# leadcheck response form",
        "#",
        *_comment(f"Instrument: {instrument.title} ({label(instrument)})"),
        *_comment(f"About: {about}"),
        *_comment(f"You answer as: {rater_group.label}"),
        "#",
        "# How to fill it in",
        "#   1. Open this file in any plain-text editor (Notepad, TextEdit, VS Code, ...).",
        '#   2. Under "answers:", type your answer after the colon of each item, for example',
        f"#          {first}: {scale.points[-1].value}",
        "#      Leave an answer empty to skip an item you would rather not answer.",
        '#   3. Under "comments:", write your answer on the line(s) below each question,',
        "#      starting every line with 4 spaces, like the example at the end.",
        "#   4. Lines starting with # only explain; you can leave them as they are.",
        "#   5. Save the file as plain text, keeping its name ending (.yaml), and send it back.",
        "#",
        "# The scale",
    ]
    out += [f"#   {point.value} = {' '.join(point.label.split())}" for point in scale.points]
    if scale.not_observed:
        out.append(
            f"#   n = {' '.join(not_observed_label(scale, group).split())}: "
            + (
                "you cannot judge this about yourself"
                if group == SELF
                else "you have not seen this, so cannot rate it"
            )
        )
    example = scale.points[-1].label.lower()
    out += [
        f'#   You may also type the word instead of the number, for example "{first}: {example}".',
        "#",
    ]
    return out


def _form_keys(instrument: Instrument, leader: str, group: str) -> list[str]:
    """The keys that say which instrument, leader and group the answers are for, and the rater's."""
    return [
        f"{FORMAT_KEY}: {FORMAT_VERSION}",
        "instrument:",
        f"  id: {instrument.id}",
        f"  version: {_quoted(instrument.version)}",
        f"  hash: {instrument.content_hash}",
        f"leader: {_quoted(leader)}",
        f"group: {group}",
        "",
        *_comment(
            "Optional: your name, email address or the token you were given. It is only used "
            "so that the same person is not counted twice when they send their answers again; "
            "leadcheck stores a keyed hash of it, never the text itself. You may leave it empty."
        ),
        "rater:",
        "",
    ]


def _form_items(instrument: Instrument, group: str) -> list[str]:
    """``answers:``, every item by competency, each phrased for the group and left blank; then the
    importance of each competency, when the instrument asks the group."""
    out = ["answers:", ""]
    for dimension in instrument.dimensions:
        out += [f"  # == {dimension.name} ==", ""]
        for item in dimension.items:
            out += [*_comment(item.text_for(group), "  "), f"  {item.id}:", ""]
    if instrument.importance is not None and instrument.asks_importance(group):
        question = instrument.importance.self_text if group == SELF else instrument.importance.others_text
        scale = instrument.scale
        out += [
            "  # == Importance ==",
            "",
            *_comment(
                f"{question} Answer {scale.min} (least important) to {scale.max} (most important) "
                "for each competency.",
                "  ",
            ),
            "",
        ]
        for dimension in instrument.dimensions:
            out += [*_comment(dimension.name, "  "), f"  {importance_key(dimension.id)}:", ""]
    return out


def _form_questions(instrument: Instrument, group: str) -> list[str]:
    """``comments:`` with the open questions asked of the group, and an example answer; none when none."""
    asked = [q for q in instrument.questions if q.asks(group)]
    if not asked:
        return []
    out = ["comments:", ""]
    for question in asked:
        out += [*_comment(question.text_for(group), "  "), f"  {question.id}: |", "", ""]
    out += [
        "  # Example of a written answer (keep the 4 spaces at the start of each line):",
        "  #   keep: |",
        "  #     Clear priorities at the Monday meeting.",
        "  #     Asking for our views before deciding.",
    ]
    return out


def _problem(problems: Problems, node: Node | None, message: str) -> None:
    mark = node.mark if node is not None else Mark(0, 0)
    problems.error(message, row=mark.line, position=mark.column)


def _tree(data: bytes, path: Path, problems: Problems) -> Node | None:
    """The node tree of a YAML (or JSON) response file, or None with a problem."""
    try:
        text = yamlsafe.decode(data)
        if path.suffix.lower() == ".json":
            try:
                json.loads(text)
            except RecursionError:
                problems.error(f"{TOO_DEEP}; expected a response file, which nests a few levels")
                return None
            except ValueError as e:
                line, column = getattr(e, "lineno", 0), getattr(e, "colno", 0)
                problems.error(f"not valid JSON ({getattr(e, 'msg', e)})", row=line, position=column)
                return None
            # Valid JSON is YAML, except that it may indent with tabs (never inside strings).
            text = text.replace("\t", "    ")
        return yamlsafe.parse(text)
    except yamlsafe.YamlReadError as e:
        if e.issue.code == "yaml-syntax":
            # The parser's wording ("did not find expected key") means nothing to a rater, and its
            # position is where it gave up, often after the slip: find the slip in the form's layout.
            slip = find_slip(text) if "text" in locals() else None
            if slip is not None and slip.line <= e.issue.mark.line:
                problems.error(
                    f"{slip.message} (see how to fill it in at the top of the form)",
                    row=slip.line,
                    position=slip.column,
                )
            else:
                problems.error(
                    "the form cannot be read from here on; compare this line and the one above it with the "
                    f"examples at the top of the form (the YAML reader says: {e.issue.message.removeprefix('invalid YAML: ')})",
                    row=e.issue.mark.line,
                    position=e.issue.mark.column,
                )
            return None
        problems.error(e.issue.message, row=e.issue.mark.line, position=e.issue.mark.column)
        return None


def read_response_file(
    path: Path, source: str, options: ImportOptions, instruments: Instruments, problems: Problems
) -> Parsed | None:
    """The response in a filled-in response file, or None with every problem found."""
    try:
        data = yamlsafe.read_bytes_bounded(path)
    except yamlsafe.YamlReadError as e:
        problems.error(e.issue.message)
        return None
    root = _tree(data, path, problems)
    if root is None:
        return None
    for first, again in yamlsafe.duplicate_keys(root):
        _problem(problems, again, f'"{again.value}" appears twice (first at line {first.mark.line})')
    if root.kind != "mapping":
        _problem(problems, root, "expected a response file: a mapping with leader, group and answers")
        return None
    keys = {k.value: k for k, _ in root.pairs}
    if FORMAT_KEY not in keys:
        _problem(problems, root, f'not a leadcheck response file: "{FORMAT_KEY}: 1" is missing')
        return None
    for key_node, _ in root.pairs:
        if key_node.value not in KEYS:
            close = difflib.get_close_matches(str(key_node.value), KEYS, n=1, cutoff=0.6)
            hint = f'did you mean "{close[0]}"?' if close else f"expected {', '.join(KEYS)}"
            _problem(problems, key_node, f'unknown key "{key_node.value}"; {hint}')
    version = root.get(FORMAT_KEY)
    if version is not None and version.value != FORMAT_VERSION:
        _problem(
            problems,
            version,
            f"{FORMAT_KEY} is {version.value!r}; this leadcheck reads version {FORMAT_VERSION}",
        )
    instrument = _instrument(root, options, instruments, problems)
    leader = _text_field(root, "leader", options.leader, "--leader", problems)
    if instrument is None:
        return None
    if leader:
        instrument = instruments.effective(leader, instrument)
    group = _group(root, options, instrument, problems)
    answers = _answers(root.get("answers"), root, instrument, group, problems)
    comments = _comments(root.get("comments"), instrument, problems)
    if problems.has_errors or not leader or group is None:
        return None
    rater = root.get("rater")
    identity = None
    if rater is not None and rater.kind == "scalar" and rater.value not in (None, ""):
        identity = str(rater.value).strip() or None
    if not answers and not comments:
        problems.warning("the form holds no answers yet; nothing to import from it")
        return None
    response = IncomingResponse(
        leader=leader,
        group=group,
        answers=answers,
        comments=comments,
        source=source,
        rater_identity=identity,
        cohort=options.cohort,
    )
    return Parsed(instrument, response, Location(source), "rater" if identity else "")


def _instrument(
    root: Node, options: ImportOptions, instruments: Instruments, problems: Problems
) -> Instrument | None:
    node = root.get("instrument")
    if node is None or node.kind != "mapping":
        if options.instrument:
            return instruments.base()
        _problem(problems, node or root, "instrument: expected id, version and hash, as the form has them")
        return None
    fields = {k: node.get(k) for k in ("id", "version", "hash")}
    values = {k: str(v.value) if v is not None and v.value is not None else "" for k, v in fields.items()}
    if options.instrument:
        chosen = instruments.base()
        if values["id"] and values["id"] != chosen.id:
            _problem(
                problems,
                fields["id"],
                f'the form is for instrument "{values["id"]}" but --instrument is {label(chosen)}',
            )
            return None
        return chosen
    found = instruments.find(values["id"], values["version"], values["hash"])
    if found is None:
        _problem(
            problems,
            node,
            f"instrument {values['id']} {values['version']} (hash {values['hash'][:12]}) is neither in this "
            "workspace nor shipped with leadcheck; import with --instrument PATH to that instrument's YAML file",
        )
    return found


def _text_field(root: Node, key: str, flag: str | None, option: str, problems: Problems) -> str:
    node = root.get(key)
    value = "" if node is None or node.value is None else str(node.value).strip()
    if node is not None and node.kind != "scalar":
        _problem(problems, node, f"{key}: expected a name")
        return ""
    if flag and value and flag.strip() != value:
        _problem(problems, node, f'the form names {key} "{value}" but {option} says "{flag}"')
        return ""
    if not (value or flag):
        _problem(problems, node or root, f"{key} is missing or empty; fill it in or give {option}")
        return ""
    return value or (flag or "").strip()


def _group(root: Node, options: ImportOptions, instrument: Instrument, problems: Problems) -> str | None:
    node = root.get("group")
    cell = "" if node is None or node.value is None else str(node.value)
    given = cell or options.group or ""
    if not given:
        _problem(problems, node or root, "group is missing or empty; fill it in or give --as")
        return None
    group = match_group(given, instrument)
    if group is None:
        _problem(
            problems,
            node if cell else None,
            f'"{given}" is not a rater group of {label(instrument)}; expected one of: {describe_groups(instrument)}',
        )
        return None
    if cell and options.group and match_group(options.group, instrument) != group:
        _problem(problems, node, f'the form names group "{cell}" but --as says "{options.group}"')
        return None
    return group


def _answers(
    node: Node | None, root: Node, instrument: Instrument, group: str | None, problems: Problems
) -> dict[str, Answer]:
    answers: dict[str, Answer] = {}
    if node is None:
        _problem(problems, root, "answers is missing")
        return answers
    if node.kind == "scalar" and node.value is None:
        return answers
    if node.kind != "mapping":
        _problem(
            problems, node, f"answers: expected one line per item, e.g. {next(iter(instrument.items))}: 4"
        )
        return answers
    items = list(instrument.items)
    for key, value in node.pairs:
        item = str(key.value)
        if importance_dimension(item) is not None:
            refused = importance_problem(instrument, group, item) if group is not None else None
            if refused is not None:
                _problem(problems, key, refused)
                continue
        elif item not in instrument.items:
            close = difflib.get_close_matches(item, items, n=1, cutoff=0.6)
            hint = f'did you mean "{close[0]}"?' if close else f"the items are {items[0]} ... {items[-1]}"
            _problem(problems, key, f'"{item}" is not an item of {label(instrument)}; {hint}')
            continue
        if value.kind != "scalar":
            _problem(problems, value, f'answer to "{item}": expected a number or a label')
            continue
        if value.value is None or (isinstance(value.value, str) and not value.value.strip()):
            continue  # left empty: skipped
        try:
            answers[item] = parse_answer(value.value, instrument.scale)
        except AnswerError as e:
            _problem(problems, value, f'answer to "{item}": {e}')
    return answers


def _comments(node: Node | None, instrument: Instrument, problems: Problems) -> dict[str, str]:
    comments: dict[str, str] = {}
    if node is None or (node.kind == "scalar" and node.value is None):
        return comments
    if node.kind != "mapping":
        _problem(problems, node, "comments: expected one entry per question")
        return comments
    known = [q.id for q in instrument.questions]
    for key, value in node.pairs:
        question = str(key.value)
        if question not in known:
            close = difflib.get_close_matches(question, known, n=1, cutoff=0.6)
            hint = (
                f'did you mean "{close[0]}"?' if close else f"the questions are {', '.join(known) or 'none'}"
            )
            _problem(problems, key, f'"{question}" is not a question of {label(instrument)}; {hint}')
            continue
        if value.kind != "scalar":
            _problem(problems, value, f'comment on "{question}": expected text')
            continue
        text = "" if value.value is None else str(value.value).strip()
        if text:
            comments[question] = text
    return comments


def form_instrument(store: Store | None, leader: str, chosen: str | None) -> Instrument:
    """The instrument a form is made from.

    A leader already assessed keeps the snapshot of their latest assessment
    (on the --instrument id when one is given); anyone else gets --instrument,
    else the default.
    """
    existing = store.leaders.find(leader) if store is not None else None
    if chosen is None and existing is not None and store is not None:
        current = store.assessments.current_or_none(existing)
        if current is not None:
            return store.assessments.instrument(current)
    instrument = load_instrument(chosen or DEFAULT_INSTRUMENT)
    if existing is not None and store is not None:
        current = store.assessments.current_or_none(existing, instrument.id)
        if current is not None:
            return store.assessments.instrument(current)
    return instrument


def form_group(instrument: Instrument, group: str) -> str:
    """The group id ``group`` names (loosely); UsageError listing the groups otherwise."""
    found = match_group(group, instrument)
    if found is None:
        raise UsageError(
            f'"{group}" is not a rater group of {label(instrument)}; choose one of: {describe_groups(instrument)}'
        )
    return found
