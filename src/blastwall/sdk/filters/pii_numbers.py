"""One pass over the numbers in a text: which run of digits is a card, a phone, an id or an IP.

A single regex finds runs of digits joined by single separators (one pass over the text,
however many formats there are; per-format regexes each re-scanned every digit and cost
more than twice as much on digit-heavy text). Each run is then classified by its shape,
its check digits and the words just before it, as a person reading it would: "order",
"build" or "OID" before a number say it is not personal data, "phone" or "SSN" say it is.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from blastwall.sdk.filters.base import Match
from blastwall.sdk.filters.checksums import cpf_ok, dni_letter, luhn_ok, ssn_ok

# Runs of digits joined by one separator each: spaces, dashes, dots, slashes, brackets
# ("+33 (0)2 48 10 09 96", "(03) 2948 8659", "4.13.8.238"). Led by a character class and
# bounded, so the engine skips ahead between numbers and hostile input stays linear.
NUMBER = (
    # Each look-behind tests one kind of first character and passes the others: a chain
    # of them rejects a digit inside a number in one step (an alternation took three).
    r"[+(\d](?<![\w.+/-]\d)(?<![\w+]\+)(?<![\w(]\()(?!(?<=[12])\d{3}[-/.][01]\d[-/.][0-3]\d)"
    r"(?:\d|[ .\-/]\d|\) ?\d| ?\(\d){5,40}+"
)
"""Led by '+', '(' or a digit that starts a number (look-behinds after the first character
keep the engine's skip to it), six units or more; an ISO date ("2025-03-02 12:30") is not
a candidate. Short dotted quads ("8.8.8.8") are found by DOTTED_QUAD from their dots."""

DOTTED_QUAD = r"\.(?<=\d\.)\d{1,3}+\.\d{1,3}+\.\d{1,3}+(?!\d|\.\d)"
"""An IPv4 address from its first dot (dots are rarer than digits); the check walks back
to the first octet."""

CONTEXT = 28
"""How many characters before a number are read for cue words (about four words)."""

# Words that, just before a number, say what it is not: identifiers of things, versions.
NOT_PERSONAL = frozenset((
    "order", "invoice", "tracking", "shipment", "parcel", "reference", "ref", "booking",
    "confirmation", "transaction", "receipt", "serial", "part", "sku", "batch", "ticket",
    "case", "item", "isbn", "version", "build", "release", "firmware", "driver", "kernel",
    "patch", "clause", "section", "chapter", "oid", "snmpget", "snmp", "identifier",
    "timestamp", "epoch", "coordinates", "total", "amount", "price", "paid", "v", "ver",
    "page", "figure", "fig", "table", "step", "paragraph", "appendix", "article",
    # Logistics and commerce: what a Luhn-valid number in a support message most often is.
    "package", "consignment", "waybill", "awb", "delivery", "dispatch", "container", "lot",
    "manifest", "po", "purchase", "rma", "voucher", "coupon", "claim", "policy",
    "subscription", "contract", "quotation", "shipping", "freight",
))  # fmt: skip
PHONE_CUES = frozenset((
    "phone", "tel", "telephone", "mobile", "cell", "call", "fax", "whatsapp", "sms",
    "landline", "reach", "contact", "ring", "text",
))  # fmt: skip
SSN_CUES = frozenset(("ssn", "security", "tin", "id", "itin"))
# Cue words that only say "an identifier": the word before them says whose.
GENERIC_IDS = frozenset(("id",))
# Words that name some other kind of personal data: the nearest cue decides.
OTHER_CUES = frozenset(("card", "ip", "address", "server", "host", "iban", "account", "email"))
_CUES = (
    dict.fromkeys(SSN_CUES, "ssn")
    | dict.fromkeys(PHONE_CUES, "phone")
    | dict.fromkeys(NOT_PERSONAL, "not")
    | dict.fromkeys(OTHER_CUES, "other")
)
"""Each cue word's meaning; where a word is in two lists the later one wins, as before."""
_EDGES = "0123456789" + "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
CUE_WORDS = 4
"""Only the last few words before a number are its cue ("the order of the day: call...")."""
_WORDS = re.compile(r"[a-z]+")
MAESTRO = ("5018", "5020", "5038", "5893", "6304", "6759", "6761", "6762", "6763")
CARD_PREFIXES = (
    "4", "51", "52", "53", "54", "55", "22", "23", "24", "25", "26", "27", "34", "37",
    "6011", "65", "644", "645", "646",
    "647", "648", "649", "35", "36", "30", "38", "39", "62", "50", "56", "57", "58", "6",
)  # fmt: skip
_SEPARATORS = re.compile(r"[ .\-/]+|\) ?| ?\(")
_US_PHONE = re.compile(r"(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}")
_DOTTED_QUAD = re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}")
_SSN_SHAPE = re.compile(r"\d{3}([- ]?)\d\d\1\d{4}")
_NOT_DIGIT = re.compile(r"\D+")
_DATE = re.compile(r"(?:19|20)\d\d[-/.](?:0[1-9]|1[0-2])[-/.](?:[0-2]\d|3[01])\b")


def classify_number(text: str, m: re.Match[str], chosen: Collection[str]) -> Match | None:
    """The personal-data category of the number run at ``m``, or None for any other number."""
    start, end = m.span()
    # The regex's look-behinds keep ASCII words, dots and dashes off the left edge; a
    # letter of another script glued on is tested here.
    if start > 0 and not text[start - 1].isascii() and text[start - 1].isalnum():
        return None
    run = m.group()
    if run.isdigit() and len(run) < 12 and (end == len(text) or not text[end].isalpha()):
        # The commonest run in logs (order numbers, counters): decided by the cue alone.
        cue = _nearest_cue(text[max(0, start - CONTEXT) : start].lower())
        if cue == "ssn":
            category = "national_id" if len(run) == 9 and ssn_ok(run) else None
        else:
            category = "phone" if cue == "phone" and len(run) >= 9 else None
        return Match(category, start, end) if category and category in chosen else None
    if run[4:5] in ("-", "/", ".") and _DATE.match(run):
        return None  # an ISO date, perhaps with the hour after it: the commonest number run
    before = text[max(0, start - CONTEXT) : start].lower()
    category = _classify(run, text, end, before)
    if category is None and 0 < run.find(" ") <= 2 and run[0].isdigit():
        # A small stray number before ("qty 2 4111 1111 1111 1111"): try from the next group.
        cut = run.index(" ") + 1
        category = _classify(run[cut:], text, end, before + run[:cut])
        start += cut
    if category is None or category not in chosen:
        return None
    if category == "national_id" and end < len(text) and text[end].isalpha():
        end += 1  # the check letter of a Spanish DNI
    return Match(category, start, end)


def _clean_left(previous: str, first: str) -> bool:
    """A number glued to a word, a decimal point or a dash belongs to something else."""
    if previous.isalnum() or previous in "_.+-/":
        return False
    return not (first == "(" and previous == "(")


def _classify(  # noqa: PLR0911 - one return per format, in the order they are tried
    run: str, text: str, end: int, before: str
) -> str | None:
    digits = run if run.isdigit() else _NOT_DIGIT.sub("", run)
    if len(digits) < 7 and run.count(".") != 3:  # too short for anything but an IPv4 address
        return None
    after = text[end] if end < len(text) else " "
    if after.isalpha():
        if len(digits) == 8 and run.isdigit() and dni_letter(digits) == after.upper():
            return "national_id" if _ends_word(text, end + 1) else None
        return None
    if run.isdigit() and len(digits) < 12 and not after.isalpha():
        return _bare(digits, before)
    if _DOTTED_QUAD.fullmatch(run) and _ipv4(run, before):
        return "ip"  # else perhaps a phone written with dots ("078.123.91.73")
    if "." in run and len(digits) == 11 and cpf_ok(run):
        return "national_id"
    cue = _nearest_cue(before)
    if cue == "not":
        return None
    if _is_ssn(run, digits, cue):
        return "national_id"
    if cue == "ssn" and _SSN_SHAPE.fullmatch(run):  # announced as an SSN, but not a valid one
        return None
    if 12 <= len(digits) <= 19 and run[0] != "+" and _is_card(run, digits):
        return "card"
    if _is_sin(run, digits):
        return "national_id"
    if _is_phone(run, digits, cue=cue == "phone"):
        return "phone"
    return None


def _bare(digits: str, before: str) -> str | None:
    """A bare run too short for a card: personal data only after a phone or SSN word."""
    cue = _nearest_cue(before)
    if cue == "ssn":
        return "national_id" if len(digits) == 9 and ssn_ok(digits) else None
    return "phone" if cue == "phone" and len(digits) >= 9 else None


def _ends_word(text: str, at: int) -> bool:
    return at >= len(text) or not text[at].isalnum()


def _nearest_cue(before: str) -> str | None:
    """The cue word nearest before a number: "not" (personal), "phone", "ssn" or None.

    Split on spaces, then a token's edges stripped: most tokens are then a bare word
    ("order"); only glued ones ("user_phone=") need the regex. This runs for most numbers,
    so it avoids a regex call per number.
    """
    pending: str | None = None  # a generic "id" seen: whose id decides
    for token in reversed(before.split()[-CUE_WORDS:]):
        word = token.strip(_EDGES)
        if not word:
            continue
        for part in reversed((word,) if word.isalpha() else _WORDS.findall(word)):
            if pending is not None:
                # "shipment id", "order_id": the id of a thing, not a person's.
                return "not" if part in NOT_PERSONAL else pending
            cue = _CUES.get(part)
            if cue is None:
                continue
            if part not in GENERIC_IDS:
                return cue
            pending = cue
    return pending


def classify_dotted_quad(text: str, m: re.Match[str], chosen: Collection[str]) -> Match | None:
    """An IPv4 address found from its first dot (``DOTTED_QUAD``), or None."""
    start = m.start()
    while start > 0 and m.start() - start < 3 and text[start - 1].isdigit():
        start -= 1
    if start > 0 and not _clean_left(text[start - 1], text[start]):
        return None
    run = text[start : m.end()]
    if "ip" not in chosen or not _DOTTED_QUAD.fullmatch(run):
        return None
    if _ipv4(run, text[max(0, start - CONTEXT) : start].lower()) is None:
        return None
    return Match("ip", start, m.end())


def _ipv4(run: str, before: str) -> str | None:
    octets = run.split(".")
    if any(int(o) > 255 or (len(o) > 1 and o[0] == "0") for o in octets):
        return None
    return None if _nearest_cue(before) == "not" else "ip"


def _is_ssn(run: str, digits: str, cue: str | None) -> bool:
    if len(digits) != 9 or not ssn_ok(digits):
        return False
    if len(run) == 11 and run[3] == run[6] and run[3] in "- " and run[:3].isdigit():
        return run[4:6].isdigit() and run[7:].isdigit()
    return run.isdigit() and cue == "ssn"


def _is_card(run: str, digits: str) -> bool:
    if not digits.startswith(CARD_PREFIXES):
        return False
    if len(digits) == 12 and not digits.startswith(MAESTRO):
        return False
    if not luhn_ok(digits):
        return False
    groups = _SEPARATORS.split(run)
    if len(groups) == 1:
        return True
    if len({s for s in run if not s.isdigit()}) != 1:
        return False
    sizes = [len(g) for g in groups]
    return sizes[:-1] == [4] * (len(sizes) - 1) or sizes in ([4, 6, 5], [4, 6, 4])


def _is_sin(run: str, digits: str) -> bool:
    """Canadian SIN: three groups of three, Luhn-valid, never starting with 0 or 8."""
    if len(run) != 11 or run[3] != run[7] or run[3] not in " -" or digits[0] in "08":
        return False
    return len(digits) == 9 and luhn_ok(digits)


def _is_phone(run: str, digits: str, *, cue: bool) -> bool:  # noqa: PLR0911 - a return per shape
    if run[0] == "+":
        return 8 <= len(digits) <= 15
    if "/" in run:
        return False  # a fraction or a date
    if not cue and run.count(".") == 1 and run.replace(".", "").isdigit():
        return False  # a decimal number
    if _US_PHONE.fullmatch(run) and run.lstrip("(")[0] in "23456789":
        return True
    groups = [g for g in _SEPARATORS.split(run) if g]
    if len(groups) == 1:  # no separators: a bare run is a phone only after a phone word
        return cue and 9 <= len(digits) <= 13
    if "(" in run:  # an area code in brackets: "(03) 2948 8659", "8 (301) 123-05-57"
        return 8 <= len(digits) <= 13
    if run[0] == "0":  # a trunk prefix: national format ("020 7496 0854", "090-5643-1253")
        return 9 <= len(digits) <= 13 or (cue and len(digits) >= 7)
    separators = {c for c in run if not c.isdigit()}
    sizes = [len(g) for g in groups]
    if len(separators) > 1 or sizes in ([4, 2, 2], [2, 2, 4]):  # mixed, or a date
        return False
    if not 8 <= len(digits) <= 11 or min(sizes[1:]) < 2 or max(sizes) > 4:
        return False
    # Thousands ("12 345 678") look like this too: only with a phone word before.
    return cue or any(size != 3 for size in sizes[1:])
