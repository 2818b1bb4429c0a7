"""Command line: argument parsing and exit codes only; the engine decides what is a finding.

Exit status: 0 no findings, 1 findings, 2 usage, configuration or internal error.
"""

from __future__ import annotations

import argparse
import codecs
import difflib
import io
import os
import sys
import time
import tokenize
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple


from conclint import __version__
from conclint.config import Config, ConfigError, check_code, find_config, load_config
from conclint.diagnostic import Diagnostic
from conclint.engine import RunResult, Settings, analyze_source, check_paths, check_source, filter_results, project_pass
from conclint.fix import WriteError, applicable, fix_text, write_atomically
from conclint.output import FORMATTERS, SourceCache, source_text
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
    check.add_argument("--cache-dir", metavar="DIR", help="where to cache results (default: .conclint_cache at the project root)")
    check.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    check.add_argument("--fix", action="store_true", help="apply safe fixes to the files (with --stdin-filename: print the fixed source)")
    check.add_argument("--unsafe-fixes", action="store_true", help="with --fix or --diff, also apply fixes that may change behaviour")
    check.add_argument("--diff", action="store_true", help="print the changes --fix would make as a unified diff; write nothing")
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


def _warn_missing_interpreter(config: Config) -> None:
    """A ``python`` setting that names no file is no error (the same configuration serves
    machines with and without that environment), but the user should know why no library
    is followed."""
    if not config.follow_libraries or not config.python:
        return
    interpreter = os.path.join(config.root, os.path.expanduser(config.python))
    if not os.path.isfile(interpreter):
        print(
            f"conclint: warning: {config.source or 'configuration'}: [tool.conclint] python: {config.python!r} "
            "is not a file here; installed libraries are not followed",
            file=sys.stderr,
        )


def _check(args: argparse.Namespace) -> int:
    config = _resolve_config(args)
    _warn_missing_interpreter(config)
    if args.jobs is not None and args.jobs < 1:
        raise ConfigError("--jobs: expected a positive number")
    if args.diff and args.fix:
        raise ConfigError("--diff shows what --fix would change; use one of them")
    sources = SourceCache()
    sources.unsafe_fixes = args.unsafe_fixes
    if args.stdin_filename:
        if args.paths:
            raise ConfigError("--stdin-filename reads stdin; do not also give paths")
        return _check_stdin(args, config, sources)
    missing = [p for p in args.paths if not os.path.lexists(p)]
    if missing:
        raise ConfigError(f"{missing[0]}: no such file or directory")
    paths = args.paths or ["."]
    cache_dir = None if args.no_cache else (args.cache_dir or os.path.join(config.root, ".conclint_cache"))
    progress = _Progress() if sys.stderr.isatty() and not args.quiet else None
    try:
        run = check_paths(paths, config, jobs=args.jobs, cache_dir=cache_dir, progress=progress)
    finally:
        if progress is not None:
            progress.close()
    if not (args.fix or args.diff):
        return _report(run, args, sources, config)
    outcome = _fix_files(run, config, args)
    if args.diff:
        n = len(outcome.fixed)
        print(f"Would fix {n} finding{'s' if n != 1 else ''}.", file=sys.stderr)
        return EXIT_FINDINGS if outcome.changed else EXIT_CLEAN
    if outcome.changed:
        run = check_paths(paths, config, jobs=args.jobs, cache_dir=cache_dir)
    return _report(run, args, sources, config, fixed=len(outcome.fixed))


class _Progress:
    """``files done / total`` and the rate on stderr, for long runs on a terminal only."""

    DELAY = 1.0

    def __init__(self) -> None:
        self.start = time.monotonic()
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        elapsed = time.monotonic() - self.start
        if elapsed < self.DELAY:
            return
        rate = done / elapsed if elapsed else 0.0
        sys.stderr.write(f"\rconclint: {done}/{total} files ({rate:.0f} files/s)")
        sys.stderr.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


class _FixOutcome:
    def __init__(self) -> None:
        self.fixed: List[Diagnostic] = []
        self.changed: List[str] = []


def _decode(data: bytes) -> Optional[Tuple[str, str, bool]]:
    """Text, encoding and whether there was a BOM, as the file will be written back."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except (SyntaxError, LookupError):
        return None
    bom = data.startswith(codecs.BOM_UTF8)
    if encoding.lower().replace("_", "-") in ("utf-8-sig", "utf8-sig"):
        encoding = "utf-8"  # the BOM is written back separately
    try:
        text = data[len(codecs.BOM_UTF8) if bom else 0 :].decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None
    return text, encoding, bom


def _fix_files(run: RunResult, config: Config, args: argparse.Namespace) -> "_FixOutcome":
    outcome = _FixOutcome()
    by_path: Dict[str, List[Diagnostic]] = {}
    for diagnostic in run.diagnostics:
        if applicable(diagnostic, args.unsafe_fixes):
            by_path.setdefault(diagnostic.path, []).append(diagnostic)
    for path, diagnostics in sorted(by_path.items()):
        try:
            with open(path, "rb") as handle:
                original = handle.read()
        except OSError as exc:
            print(f"conclint: {path}: not fixed: {exc.strerror or exc}", file=sys.stderr)
            continue
        decoded = _decode(original)
        if decoded is None:
            continue
        text, encoding, bom = decoded

        def lint(new_text: str, path: str = path) -> List[Diagnostic]:
            return [d for d in check_source(new_text, path, config) if d.path == path]

        result = fix_text(text, lint, args.unsafe_fixes, first=diagnostics)
        if result.dropped:
            codes = ", ".join(sorted({d.code for d in result.dropped}))
            print(f"conclint: {path}: fixes for {codes} dropped: the result would not parse (please report this)", file=sys.stderr)
        if result.text == text:
            continue
        if args.diff:
            sys.stdout.writelines(
                difflib.unified_diff(text.splitlines(True), result.text.splitlines(True), f"a/{path}", f"b/{path}")
            )
            outcome.fixed.extend(result.fixed)
            outcome.changed.append(path)
            continue
        data = (codecs.BOM_UTF8 if bom else b"") + result.text.encode(encoding)
        try:
            write_atomically(path, original, data)
        except WriteError as exc:
            print(f"conclint: {path}: {exc}", file=sys.stderr)
            continue
        outcome.fixed.extend(result.fixed)
        outcome.changed.append(path)
    return outcome


def _check_stdin(args: argparse.Namespace, config: Config, sources: SourceCache) -> int:
    name = args.stdin_filename
    source = sys.stdin.buffer.read()
    settings = Settings.from_config(config)
    result = analyze_source(source, name, settings)
    extra = project_pass([result], settings, config.root, {name: source})
    run = filter_results([result], config, settings, extra)
    sources.add(name, source_text(source))
    if not (args.fix or args.diff):
        return _report(run, args, sources, config)
    decoded = _decode(source)
    if decoded is None:
        sys.stdout.buffer.write(source)
        return _report(run, args, sources, config, stream=sys.stderr)
    text, encoding, bom = decoded

    def lint(new_text: str) -> List[Diagnostic]:
        return check_source(new_text, name, config)

    fixed = fix_text(text, lint, args.unsafe_fixes, first=[d for d in run.diagnostics if applicable(d, args.unsafe_fixes)])
    if args.diff:
        sys.stdout.writelines(difflib.unified_diff(text.splitlines(True), fixed.text.splitlines(True), f"a/{name}", f"b/{name}"))
        return EXIT_FINDINGS if fixed.text != text else EXIT_CLEAN
    # The fixed source goes to stdout (editors replace the buffer with it); the findings
    # that remain go to stderr.
    sys.stdout.buffer.write((codecs.BOM_UTF8 if bom else b"") + fixed.text.encode(encoding))
    sys.stdout.flush()
    remaining = lint(fixed.text) if fixed.fixed else run.diagnostics
    # Fixes apply to reported findings only: what was left out in tests is left out still.
    remaining_run = RunResult(list(remaining), 1, left_out_in_tests=run.left_out_in_tests)
    sources.add(name, fixed.text)
    return _report(remaining_run, args, sources, config, fixed=len(fixed.fixed), stream=sys.stderr)


def _report(
    run: RunResult,
    args: argparse.Namespace,
    sources: SourceCache,
    config: Config,
    fixed: Optional[int] = None,
    stream=None,
) -> int:
    out = stream or sys.stdout
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
        if fixed:
            out.write(f"Fixed {fixed} finding{'s' if fixed != 1 else ''}; {n} remaining in {files}.\n")
        elif n:
            out.write(f"Found {n} finding{'s' if n != 1 else ''} in {files}.\n")
        else:
            out.write(f"All checks passed ({files} checked).\n")
        if not (args.fix or args.diff):
            safe = sum(1 for d in run.diagnostics if applicable(d, False))
            unsafe = sum(1 for d in run.diagnostics if applicable(d, True)) - safe
            if args.unsafe_fixes and safe + unsafe:
                out.write(f"[*] {safe + unsafe} fixable with --fix --unsafe-fixes.\n")
            elif safe:
                hint = f" ({unsafe} more with --unsafe-fixes)" if unsafe else ""
                out.write(f"[*] {safe} fixable with --fix{hint}.\n")
            elif unsafe:
                out.write(f"{unsafe} fixable with --fix --unsafe-fixes.\n")
    if run.left_out_in_tests and not args.quiet:
        # Never hidden silently; machine-read formats keep stdout to their own syntax.
        n = run.left_out_in_tests
        (out if textual else sys.stderr).write(
            f"{n} finding{'s' if n != 1 else ''} in test files not shown "
            f'(test-policy = "{config.test_policy}"; set test-policy = "all" to see them).\n'
        )
    if run.internal_errors:
        print(
            f"conclint: {run.internal_errors} internal error(s) (CCL009); please report them",
            file=sys.stderr,
        )
        return EXIT_ERROR
    if run.diagnostics and not args.exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN
