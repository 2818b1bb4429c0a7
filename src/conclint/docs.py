"""Generates ``docs/rules/`` from the rule classes, the single source of truth.

    python -m conclint.docs [DOCS_DIR]     # rewrite docs/rules/*.md
    python -m conclint.docs --check        # exit 1 when the pages are stale
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Dict

from conclint.rules import ALL_RULES

FAMILIES = {
    "CCL0": "The tool itself",
    "CCL1": "Do not block the event loop (async is for waiting on I/O)",
    "CCL2": "Threads are for I/O, processes for CPU",
    "CCL3": "Threads share memory",
    "CCL4": "Processes do not share memory",
    "CCL5": "Async/await correctness",
}


def render() -> Dict[str, str]:
    """File name -> content of every generated page."""
    pages = {f"{code}.md": rule.docs() for code, rule in ALL_RULES.items()}
    lines = ["# Rules", "", "Generated from the rule classes by `python -m conclint.docs`; do not edit.", ""]
    family = None
    for code, rule in ALL_RULES.items():
        if code[:4] != family:
            family = code[:4]
            lines += ["", f"## {FAMILIES.get(family, family)}", "", "| code | name | summary |", "|---|---|---|"]
        lines.append(f"| [{code}]({code}.md) | {rule.name} | {rule.summary} |")
    pages["README.md"] = "\n".join(lines) + "\n"
    return pages


def main(argv=None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    args = [a for a in args if a != "--check"]
    target = Path(args[0] if args else "docs/rules")
    pages = render()
    stale = [name for name, text in pages.items() if not (target / name).is_file() or (target / name).read_text(encoding="utf-8") != text]
    extra = [p.name for p in target.glob("*.md") if p.name not in pages] if target.is_dir() else []
    if check:
        for name in stale + extra:
            print(f"stale: {target / name}", file=sys.stderr)
        return 1 if stale or extra else 0
    target.mkdir(parents=True, exist_ok=True)
    for name in extra:
        (target / name).unlink()
    for name in stale:
        (target / name).write_text(pages[name], encoding="utf-8")
    print(f"wrote {len(stale)} page(s), removed {len(extra)} in {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
