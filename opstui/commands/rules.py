"""``opstui rules export --format prometheus``: the alert rules as a Prometheus rule file.

Exit status: 0 written; 2 a bad config, bad arguments, or rules that cannot be written as PromQL (named on
stderr; with ``--partial`` the others are written and the status is 0); 1 the file could not be written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from opstui.commands.common import EXIT_CONFIG, error, load_or_say

EXIT_WRITE = 1


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "rules",
        help="export the alert rules as a Prometheus rule file (queries inlined)",
        description="Work with the config's alert rules.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    export = actions.add_parser(
        "export",
        help="write the rules as a Prometheus rule file, for promtool and Prometheus",
        description="Write the alert rules whose metrics come from prometheus sources as a Prometheus rule "
        "file, each metric replaced by its query. A rule reading any other metric is refused by name (exit 2), "
        "unless --partial, which writes the others.",
    )
    export.add_argument("--format", choices=("prometheus",), required=True, help="output format")
    export.add_argument("--config", metavar="FILE", help="config file (default: the usual lookup)")
    export.add_argument("-o", "--output", metavar="FILE", help="write here instead of standard output")
    export.add_argument("--partial", action="store_true", help="write the rules that can be written; name the rest")
    export.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from opstui.alerts.export import export_rules, promql_queries
    from opstui.alerts.seeds import builtin_rules

    config = load_or_say(args.config)
    if config is None:
        return EXIT_CONFIG
    rules = builtin_rules(config)
    result = export_rules(rules, promql_queries(config))
    for refusal in result.refused:
        error(f"rule {refusal}")
    if result.refused and not args.partial:
        error(f"{len(result.refused)} rule(s) refused, nothing written (--partial writes the other {result.written})")
        return EXIT_CONFIG
    if args.output:
        try:
            Path(args.output).write_text(result.text, encoding="utf-8")
        except OSError as exc:
            error(f"cannot write {args.output}: {exc.strerror or exc}")
            return EXIT_WRITE
    else:
        sys.stdout.write(result.text)
    return 0
