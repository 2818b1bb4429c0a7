"""Facts about code, shared by every rule: scopes, resolved names, call sites, summaries.

Computed once per file, inside the single traversal, by :class:`ModuleAnalyzer`.
"""

from conclint.analysis.analyzer import ModuleAnalyzer
from conclint.analysis.module import CallSite, ModuleFacts
from conclint.analysis.scopes import Binding, Scope, Value
from conclint.analysis.summary import FunctionSummary, ModuleSummary

__all__ = [
    "Binding",
    "CallSite",
    "FunctionSummary",
    "ModuleAnalyzer",
    "ModuleFacts",
    "ModuleSummary",
    "Scope",
    "Value",
]
