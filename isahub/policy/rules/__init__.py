"""Importing this package registers every rule."""

from . import accounts, children, consent, feeds  # noqa: F401
from .registry import RULES, rule

__all__ = ["RULES", "rule"]
