"""What conclint knows about the outside world, kept as data rather than logic.

Rules never hard-code names: they ask this package whether a qualified name blocks,
which category it belongs to and what to use instead.
"""

from conclint.knowledge.catalogue import Catalogue, CATEGORY_CODES, default_catalogue

__all__ = ["Catalogue", "CATEGORY_CODES", "default_catalogue"]
