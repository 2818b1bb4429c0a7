"""CCL0xx: what the tool itself reports about files it could not fully check."""

from conclint.rules.base import Rule

TOOL_ADVICE = "A linter must say what it could not check rather than skip it silently."


class SyntaxErrorRule(Rule):
    code = "CCL001"
    name = "syntax-error"
    summary = "The file does not parse; conclint could not check it."
    advice = TOOL_ADVICE
    what = """Reports a file that LibCST cannot parse, at the line and column of the error.
    The other files of the run are still checked."""
    why = """A file that does not parse cannot be checked for concurrency mistakes, and
    Python will refuse to import it."""
    example = """
    async def handler(:
        ...
    """
    instead = """
    async def handler():
        ...
    """
    engine_reported = True


class UnreadableFileRule(Rule):
    code = "CCL002"
    name = "unreadable-file"
    summary = "The file could not be read or decoded; conclint could not check it."
    advice = TOOL_ADVICE
    what = """Reports a file that could not be read (permissions, a file that vanished
    during the run, a directory or FIFO named like a module), whose bytes are not valid in
    the encoding it declares (UTF-8 by default, or a PEP 263 coding comment), or that
    conclint skips because checking it would take unbounded time or memory: a file over
    20 MB, a line over 50,000 characters that is mostly code (generated chains such as
    `a.b.b.b...`; long string literals are still checked), or an expression nested more
    than 3,000 levels deep (LibCST's parse time grows faster than the square of the
    depth, and deeper chains overflow its native stack). The message says which limit."""
    why = """conclint cannot check what it cannot read, and Python could not import it
    either."""
    example = """
    # -*- coding: utf-8 -*-
    name = "caf\\xe9"   # saved as Latin-1 bytes
    """
    instead = """
    # -*- coding: latin-1 -*-
    name = "café"
    """
    engine_reported = True


class InternalErrorRule(Rule):
    code = "CCL009"
    name = "internal-error"
    summary = "A rule failed on this file; the other rules and files were still checked."
    advice = TOOL_ADVICE
    what = """Reports that a rule raised an exception on this file. The message names the
    rule and ends with a short trace; the run goes on and exits with status 2."""
    why = """It is a bug in conclint, not in your code. Please report it with the file (or
    a reduced version of it) and the message."""
    example = """
    # any file that triggers a bug in a rule
    """
    instead = """
    # nothing to change in your code; report the bug
    """
    engine_reported = True
