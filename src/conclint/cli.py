"""Command line: argument parsing and exit codes only; the engine decides what is a finding.

Exit status: 0 no findings, 1 findings, 2 usage, configuration or internal error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import List, Optional, Sequence

from conclint import __version__
from conclint.config import Config, ConfigError, check_code, find_config, load_config
from conclint.engine import RunResult, Settings, _finish, analyze_source, check_paths, project_pass
from conclint.output import FORMATTERS, SourceCache
from conclint.rules import ALL_RULES

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _codes(value: str) -> List[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="conclint",
        description="A static analysis linter for Python concurrency: async, threads and processes.",
        epilog="Exit status: 0 no findings, 1 findings, 2 usage, configuration or internal error.",
    )
    parser.add_argument("--version", action="version", version=f"conclint {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    check = commands.add_parser("check", help="lint files and folders", description="Lint Python files and folders.")
    check.add_argument("paths", nargs="*", metavar="PATH", help="files or folders to check (default: .)")
    check.add_argument("--select", type=_codes, metavar="CODES", help="comma-separated codes or prefixes to enable (replaces the configured select)")
    check.add_argument("--extend-select", type=_codes, metavar="CODES", help="codes or prefixes to enable in addition")
    check.add_argument("--ignore", type=_codes, metavar="CODES", help="codes or prefixes to disable (added to the configured ignore)")
    check.add_argument("--config", metavar="FILE", help="read [tool.conclint] from FILE instead of the nearest pyproject.toml")
    check.add_argument("--output-format", choices=sorted(FORMATTERS), default="concise", help="how to print findings (default: concise)")
    check.add_argument("--statistics", action="store_true", help="print the number of findings per rule")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    check.add_argument("--stdin-filename", metavar="NAME", help="read the source from stdin and report it as NAME")
    check.add_argument("--jobs", "-j", type=int, metavar="N", help="worker processes for the per-file pass (default: the number of cores)")
    check.add_argument("-q", "--quiet", action="store_true", help="print findings only, no summary")

    commands.add_parser("rules", help="list every rule: code, name and summary")
    explain = commands.add_parser("explain", help="print the documentation of a rule")
    explain.add_argument("code", metavar="CODE", help="a rule code such as CCL101, or its name")

    # -- lsp: the language server (extra ``conclint[lsp]``) --
    commands.add_parser(
        "lsp",
        help="run the language server over stdio (needs: pip install 'conclint[lsp]')",
        description="Serve diagnostics, quick fixes and rule docs to an editor (Language Server Protocol over stdio).",
    )
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "rules":
            return _rules()
        if args.command == "explain":
            return _explain(args.code)
        if args.command == "lsp":
            return _lsp()
        return _check(args)
    except ConfigError as exc:
        print(f"conclint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("conclint: interrupted", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        # The reader (``| head``) went away; nothing more to say.
        sys.stderr.close()
        return EXIT_ERROR


def _lsp() -> int:
    """The language server; pygls comes with the ``lsp`` extra."""
    try:
        from conclint.lsp import serve
    except ImportError as exc:
        if (exc.name or "").split(".")[0] not in ("pygls", "lsprotocol", "cattrs"):
            raise
        print(
            f"conclint: error: the language server needs pygls ({exc}); install it with: pip install 'conclint[lsp]'",
            file=sys.stderr,
        )
        return EXIT_ERROR
    return serve()


def _rules() -> int:
    for code, rule in ALL_RULES.items():
        print(f"{code}  {rule.name:<32} {rule.summary}")
    return EXIT_CLEAN


def _explain(code: str) -> int:
    wanted = code.strip()
    for rule_code, rule in ALL_RULES.items():
        if wanted.upper() == rule_code or wanted == rule.name:
            print(rule.docs())
            return EXIT_CLEAN
    print(f"conclint: error: unknown rule '{code}' (see `conclint rules`)", file=sys.stderr)
    return EXIT_ERROR


def _resolve_config(args: argparse.Namespace) -> Config:
    known = tuple(ALL_RULES)
    if args.config:
        path = Path(args.config)
        if not path.is_file():
            raise ConfigError(f"{args.config}: no such configuration file")
        config = load_config(path, known, explicit=True)
    else:
        start = os.path.dirname(os.path.abspath(args.stdin_filename)) if args.stdin_filename else (
            args.paths[0] if args.paths and os.path.exists(args.paths[0]) else os.getcwd()
        )
        config = load_config(find_config(start), known)
    for flag, values in (("--select", args.select), ("--extend-select", args.extend_select), ("--ignore", args.ignore)):
        for value in values or ():
            check_code(value, known, flag)
    if args.select is not None:
        config = replace(config, select=tuple(args.select))
    if args.extend_select:
        config = replace(config, extend_select=config.extend_select + tuple(args.extend_select))
    if args.ignore:
        config = replace(config, ignore=config.ignore + tuple(args.ignore))
    return config


def _check(args: argparse.Namespace) -> int:
    config = _resolve_config(args)
    if args.jobs is not None and args.jobs < 1:
        raise ConfigError("--jobs: expected a positive number")
    overrides = {}
    if args.stdin_filename:
        if args.paths:
            raise ConfigError("--stdin-filename reads stdin; do not also give paths")
        source = sys.stdin.buffer.read()
        settings = Settings.from_config(config)
        result = analyze_source(source, args.stdin_filename, settings)
        extra = project_pass([result], settings, config.root, {args.stdin_filename: source})
        run = _finish([result], config, settings, extra)
        overrides[args.stdin_filename] = source.decode("utf-8", errors="replace")
    else:
        missing = [p for p in args.paths if not os.path.lexists(p)]
        if missing:
            raise ConfigError(f"{missing[0]}: no such file or directory")
        run = check_paths(args.paths or ["."], config, jobs=args.jobs)
    return _report(run, args, SourceCache(overrides))


def _report(run: RunResult, args: argparse.Namespace, sources: SourceCache) -> int:
    out = sys.stdout
    FORMATTERS[args.output_format](run.diagnostics, out, sources)
    textual = args.output_format in ("concise", "full")
    if args.statistics:
        counts = Counter(d.code for d in run.diagnostics)
        stream = out if textual else sys.stderr
        for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
            name = ALL_RULES[code].name if code in ALL_RULES else ""
            stream.write(f"{count:>5}  {code}  {name}\n")
    if textual and not args.quiet:
        n = len(run.diagnostics)
        files = f"{run.files} file{'s' if run.files != 1 else ''}"
        if n:
            out.write(f"Found {n} finding{'s' if n != 1 else ''} in {files}.\n")
        else:
            out.write(f"All checks passed ({files} checked).\n")
    if run.internal_errors:
        print(
            f"conclint: {run.internal_errors} internal error(s) (CCL009); please report them",
            file=sys.stderr,
        )
        return EXIT_ERROR
    if run.diagnostics and not args.exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN
