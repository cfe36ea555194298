"""An example or two for every help screen: what a user types first, as they would type it.

Keyed by the command's words after `leadcheck`. A test walks every command: each
has examples here, and each example parses as that command's arguments.
"""

from __future__ import annotations

EXAMPLES: dict[str, tuple[str, ...]] = {
    "": (
        'leadcheck assess "Ana Ruiz"',
        "leadcheck status",
        "leadcheck validate instruments/",
    ),
    "validate": (
        "leadcheck validate instruments/",
        "leadcheck validate my-360.yaml --strict --format github",
    ),
    "schema": ("leadcheck schema -o instrument.schema.json",),
    "instruments": ("leadcheck instruments list",),
    "instruments list": ("leadcheck instruments list", "leadcheck instruments list my-instruments/"),
    "instruments show": ("leadcheck instruments show psl-360",),
    "assess": ('leadcheck assess "Ana Ruiz"', 'leadcheck assess "Ana Ruiz" --new'),
    "rate": ('leadcheck rate "Ana Ruiz" --as peer', 'leadcheck rate "Ana Ruiz" --as peer --rater TOKEN'),
    "form": ('leadcheck form "Ana Ruiz" --as peer -o ana-peer.yaml',),
    "import": (
        "leadcheck import returned/*.yaml",
        "leadcheck import survey.csv --cohort 2026-spring --dry-run",
    ),
    "export": ("leadcheck export -o backup.json", "leadcheck export --format csv -o responses.csv"),
    "leaders": ("leadcheck leaders", "leadcheck leaders --cohort 2026-spring"),
    "status": ("leadcheck status", 'leadcheck status "Ana Ruiz"'),
    "summary": ('leadcheck summary "Ana Ruiz"',),
    "report": (
        'leadcheck report "Ana Ruiz" -o ana-ruiz.pdf',
        'leadcheck report "Ana Ruiz" --pulse -o pulse.pdf',
    ),
    "plan": (
        'leadcheck plan "Ana Ruiz"',
        'leadcheck plan "Ana Ruiz" --file plan.yaml -o ana-ruiz-plan.pdf',
        'leadcheck plan "Ana Ruiz" --show --format json',
    ),
    "cohort": ("leadcheck cohort report 2026-spring -o reports/",),
    "cohort report": (
        "leadcheck cohort report 2026-spring -o reports/",
        "leadcheck cohort report 2026-spring -o reports/ --anonymize",
    ),
    "demo": ("leadcheck demo -o demo-reports", "leadcheck --db demo.db demo -o demo-reports"),
    "audit": ('leadcheck audit "Ana Ruiz"',),
    "purge": ('leadcheck purge "Ana Ruiz" --dry-run', "leadcheck purge --cohort 2024-spring --yes"),
    "key": ("leadcheck key",),
    "raters": ("leadcheck raters import nominations.csv --cohort 2026-spring",),
    "raters import": (
        "leadcheck raters import nominations.csv --cohort 2026-spring --dry-run",
        "leadcheck raters import nominations.csv --cohort 2026-spring",
    ),
    "raters add": ('leadcheck raters add "Ana Ruiz" --email jo@example.org --as peer',),
    "raters list": ('leadcheck raters list "Ana Ruiz"', "leadcheck raters list --outstanding"),
    "raters remove": ('leadcheck raters remove "Ana Ruiz" jo@example.org',),
    "invite": ("leadcheck invite --cohort 2026-spring -o invitations/ --from cory@example.org",),
    "remind": (
        "leadcheck remind --cohort 2026-spring -o reminders/ --from cory@example.org",
        "leadcheck remind --pulse --cohort 2026-spring -o p/ --from cory@example.org",
    ),
    "pulse": (
        'leadcheck pulse "Ana Ruiz" -o pulse/ --from cory@example.org',
        "leadcheck pulse --cohort 2026-spring -o pulse/ --from cory@example.org",
    ),
    "norms": ("leadcheck norms build 2024-spring 2024-autumn -o norms.yaml",),
    "norms build": (
        "leadcheck norms build 2024-spring 2024-autumn -o norms.yaml",
        "leadcheck norms build 2024-spring -o norms.json",
    ),
}


def examples_of(command_path: str) -> tuple[str, ...]:
    """The examples of a command, by its path as click prints it ("leadcheck raters list")."""
    words = command_path.split()[1:]
    if command_path.startswith("leadcheck-validate"):
        return tuple(e.replace("leadcheck validate", "leadcheck-validate") for e in EXAMPLES["validate"])
    return EXAMPLES.get(" ".join(words), ())
