"""Check digits of the numbers the PII filter finds: they turn a digit run into evidence."""

from __future__ import annotations

DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def luhn_ok(candidate: str) -> bool:
    """Luhn check digit (ISO/IEC 7812; cards, Canadian SIN): rejects 9 in 10 random runs."""
    digits = [int(c) for c in candidate if c.isdigit()]
    if len(digits) < 2:
        return False
    total = 0
    for index, digit in enumerate(reversed(digits)):
        doubled = digit * 2 if index % 2 else digit
        total += doubled - 9 if doubled > 9 else doubled
    return total % 10 == 0


def iban_ok(candidate: str) -> bool:
    """IBAN mod-97 check (ISO 13616): move the first four characters to the end, mod 97 == 1."""
    compact = candidate.replace(" ", "")
    if not 15 <= len(compact) <= 34:
        return False
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(c, 36)) for c in rearranged)
    return int(number) % 97 == 1


def ssn_ok(digits: str) -> bool:
    """A US Social Security number the SSA could issue (no 000/666/9xx area, 00 group...)."""
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    return not (area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000")


def dni_letter(digits: str) -> str:
    """The check letter of a Spanish DNI number (eight digits)."""
    return DNI_LETTERS[int(digits) % 23]


def cpf_ok(candidate: str) -> bool:
    """Brazilian CPF (###.###.###-##): two mod-11 check digits; all-same digits are invalid."""
    digits = [int(c) for c in candidate if c.isdigit()]
    if len(digits) != 11 or len(set(digits)) == 1:
        return False
    for size in (9, 10):
        total = sum(d * w for d, w in zip(digits[:size], range(size + 1, 1, -1), strict=True))
        check = 0 if total % 11 < 2 else 11 - total % 11
        if digits[size] != check:
            return False
    return True
