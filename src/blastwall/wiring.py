"""The top of the house: which domain subscribes to which changes (see ``changes.record``).

Each line connects a domain that owns some records to the changes that write them. The
change kernel imports this module on first use, so every entry point gets the same list.
"""

from __future__ import annotations
