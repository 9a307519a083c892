"""The tools and actions an app declared on its Guard, by name, with how each is gated."""

from __future__ import annotations

import re

from blastwall.sdk.errors import GuardConfigError
from blastwall.sdk.gate import Declaration, Validator

ACTION_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")


class Declarations(dict[str, Declaration]):
    """Declarations by name; an undeclared name is reversible and needs no approval."""

    def declare(
        self,
        name: str,
        reversible: bool,
        validator: Validator | None,
        approval: bool,
        description: str,
    ) -> Declaration:
        """Record (or replace) a declaration after checking its name and validator."""
        if not isinstance(name, str) or not ACTION_NAME.fullmatch(name):
            raise GuardConfigError(
                f"name={name!r}: name the tool or action with letters, digits, '.', '_', ':' "
                "or '-' (at most 100, starting with a letter or digit), e.g. 'issue_refund'"
            )
        if validator is not None and not callable(validator):
            raise GuardConfigError(
                f"validator for {name!r} must be a function arguments -> True | False | reason"
            )
        declaration = Declaration(name, reversible, validator, approval, description)
        self[name] = declaration
        return declaration

    def is_reversible(self, name: str) -> bool:
        declared = self.get(name)
        return True if declared is None else declared.reversible

    def needs_approval(self, name: str) -> bool:
        declared = self.get(name)
        return declared is not None and declared.needs_approval
