"""Write tests/sdk/data/pii.jsonl: a labelled PII set built from public formats.

Values come from the public rules of each format (Luhn cards by issuer prefix, IBAN
mod-97 per country length, national id check digits) and from Google's phone-number
metadata (the ``phonenumbers`` package, dev extra) for national and international
formats of many countries. Sentences come from templates; the ``test`` split uses its own
templates and its own random stream, and is never looked at while tuning the filter.

Run: PYTHONPATH=src .venv/bin/python scripts/make_pii_set.py
"""

from __future__ import annotations

import json
import random
import string
from collections.abc import Callable
from pathlib import Path

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

OUT = Path(__file__).resolve().parent.parent / "tests" / "sdk" / "data" / "pii.jsonl"

FIRST = ["jane", "omar", "li", "maria", "kwame", "sven", "aiko", "priya", "lucas", "fatima"]
LAST = ["doe", "haddad", "wei", "garcia", "mensah", "berg", "tanaka", "patel", "silva", "khan"]
DOMAINS = ["example.com", "mail.example.co.uk", "corp.example.org", "example.de", "ex.io"]
REGIONS = [
    "GB", "FR", "DE", "JP", "AU", "US", "CA", "IT", "ES", "NL", "BE", "CH", "AT", "SE", "NO",
    "DK", "FI", "IE", "PT", "PL", "CZ", "BR", "MX", "AR", "IN", "CN", "KR", "SG", "ZA", "NG",
    "KE", "EG", "TR", "IL", "AE", "SA", "NZ", "RU", "UA", "GR", "HU", "RO", "PH", "ID", "TH",
]  # fmt: skip


def luhn_digit(partial: str) -> str:
    total = 0
    for index, char in enumerate(reversed(partial)):
        digit = int(char) * 2 if index % 2 == 0 else int(char)
        total += digit - 9 if digit > 9 else digit
    return str((10 - total % 10) % 10)


def luhn_number(rng: random.Random, prefix: str, length: int) -> str:
    body = prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    return body + luhn_digit(body)


CARD_BRANDS = [
    (("4",), (16, 13, 19)),
    (("51", "52", "53", "54", "55", "2221", "2720"), (16,)),
    (("34", "37"), (15,)),
    (("6011", "65", "644"), (16,)),
    (("3528", "3589"), (16,)),
    (("36", "300", "305", "38"), (14,)),
    (("62",), (16, 19)),
    (("5018", "5020", "5038", "6304", "6759", "6761", "6763"), (12, 16, 19)),
]


def card(rng: random.Random) -> str:
    prefixes, lengths = rng.choice(CARD_BRANDS)
    number = luhn_number(rng, rng.choice(prefixes), rng.choice(lengths))
    style = rng.random()
    if len(number) == 15 and style < 0.6:
        return f"{number[:4]} {number[4:10]} {number[10:]}"
    if len(number) in (12, 16, 19) and style < 0.5:
        return " ".join(number[i : i + 4] for i in range(0, len(number), 4))
    if len(number) == 16 and style < 0.7:
        return "-".join(number[i : i + 4] for i in range(0, 16, 4))
    return number


IBAN_BBAN = {  # country: BBAN shape (a = letter, n = digit, c = either)
    "DE": "n" * 18, "GB": "aaaa" + "n" * 14, "FR": "n" * 10 + "c" * 11 + "nn",
    "ES": "n" * 20, "IT": "a" + "n" * 10 + "c" * 12, "NL": "aaaa" + "n" * 10,
    "BE": "n" * 12, "CH": "n" * 5 + "c" * 12, "AT": "n" * 16, "PL": "n" * 24,
    "SE": "n" * 20, "IE": "aaaa" + "n" * 14, "PT": "n" * 21, "DK": "n" * 14, "NO": "n" * 11,
}  # fmt: skip


def iban(rng: random.Random) -> str:
    country = rng.choice(sorted(IBAN_BBAN))
    pools = {"a": string.ascii_uppercase, "n": string.digits, "c": string.digits + "ABCDEF"}
    bban = "".join(rng.choice(pools[kind]) for kind in IBAN_BBAN[country])
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    value = f"{country}{98 - int(numeric) % 97:02d}{bban}"
    if rng.random() < 0.6:
        return " ".join(value[i : i + 4] for i in range(0, len(value), 4))
    return value


def phone(rng: random.Random) -> str:
    region = rng.choice(REGIONS)
    kind = rng.choice([PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE])
    example = phonenumbers.example_number_for_type(region, kind)
    if example is None:
        example = phonenumbers.example_number(region)
    assert example is not None
    digits = str(example.national_number)
    for _ in range(50):  # vary the subscriber digits while the number stays valid
        tail = "".join(rng.choice(string.digits) for _ in range(4))
        candidate = phonenumbers.parse(f"+{example.country_code}{digits[:-4]}{tail}")
        if phonenumbers.is_valid_number(candidate):
            example = candidate
            break
    style = rng.random()
    if style < 0.4:
        return phonenumbers.format_number(example, PhoneNumberFormat.NATIONAL)
    if style < 0.5:  # as people also write them: dots or dashes between the groups
        national = phonenumbers.format_number(example, PhoneNumberFormat.NATIONAL)
        if " " in national and "(" not in national:
            return national.replace(" ", rng.choice(".-"))
        return national
    international = phonenumbers.format_number(example, PhoneNumberFormat.INTERNATIONAL)
    national = phonenumbers.format_number(example, PhoneNumberFormat.NATIONAL)
    if style < 0.6 and national.startswith("0") and region not in ("IT", "RU", "UA"):
        code = f"+{example.country_code} "
        return international.replace(code, code + "(0)", 1)  # the "+33 (0)2 ..." trunk form
    if style < 0.85:
        return international
    return phonenumbers.format_number(example, PhoneNumberFormat.E164)


def ssn(rng: random.Random) -> str:
    area = rng.choice([n for n in range(1, 900) if n != 666])
    value = f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"
    return value if rng.random() < 0.6 else value.replace("-", " ")


def nino(rng: random.Random) -> str:
    first = rng.choice("ABCEGHJKLMNOPRSTWXYZ")
    second = rng.choice("ABCEGHJKLMNPRSTWXYZ")
    while first + second in ("BG", "GB", "NK", "KN", "TN", "NT", "ZZ"):
        second = rng.choice("ABCEHJLMPRSWXY")
    digits = "".join(rng.choice(string.digits) for _ in range(6))
    tail = rng.choice("ABCD")
    if rng.random() < 0.5:
        return f"{first}{second} {digits[:2]} {digits[2:4]} {digits[4:]} {tail}"
    return f"{first}{second}{digits}{tail}"


def sin(rng: random.Random) -> str:
    number = luhn_number(rng, rng.choice("1234567"), 9)
    return f"{number[:3]} {number[3:6]} {number[6:]}"


def dni(rng: random.Random) -> str:
    letters = "TRWAGMYFPDXBNJZSQVHLCKE"
    if rng.random() < 0.7:
        number = rng.randint(10_000_000, 99_999_999)
        return f"{number}{letters[number % 23]}"
    prefix = rng.choice("XYZ")
    number = rng.randint(0, 9_999_999)
    return f"{prefix}{number:07d}{letters[int(str('XYZ'.index(prefix)) + f'{number:07d}') % 23]}"


def cpf(rng: random.Random) -> str:
    digits = [rng.randint(0, 9) for _ in range(9)]
    for size in (9, 10):
        total = sum(d * w for d, w in zip(digits, range(size + 1, 1, -1), strict=True))
        digits.append(0 if total % 11 < 2 else 11 - total % 11)
    text = "".join(map(str, digits))
    return f"{text[:3]}.{text[3:6]}.{text[6:9]}-{text[9:]}"


def national_id(rng: random.Random) -> str:
    return rng.choice([ssn, ssn, nino, sin, dni, cpf])(rng)


def ipv4(rng: random.Random) -> str:
    first = rng.choice([10, 172, 192, 203, 198, 81, 145, 52, 8, 1])
    top = rng.choice([9, 99, 255])  # short addresses too ("10.0.0.1", "8.8.4.4")
    return ".".join([str(first)] + [str(rng.randint(0, top)) for _ in range(3)])


def ipv6(rng: random.Random) -> str:
    groups = [f"{rng.randint(0, 0xFFFF):x}" for _ in range(8)]
    if rng.random() < 0.5:
        return ":".join(["2001", "db8", *groups[2:]])
    return f"2001:db8:{groups[2]}::{groups[6]}:{groups[7]}"


def ip(rng: random.Random) -> str:
    return ipv4(rng) if rng.random() < 0.7 else ipv6(rng)


def email(rng: random.Random) -> str:
    sep = rng.choice([".", "_", "", "+support."])
    return f"{rng.choice(FIRST)}{sep}{rng.choice(LAST)}@{rng.choice(DOMAINS)}"


MAKERS: dict[str, Callable[[random.Random], str]] = {
    "email": email,
    "phone": phone,
    "card": card,
    "iban": iban,
    "national_id": national_id,
    "ip": ip,
}

DEV_TEMPLATES = [
    "Hi, please update my details: {x}. Thanks!",
    "You can reach me on {x} after 5pm.",
    "contact={x}",
    '{{"customer": {{"id": 4412, "value": "{x}"}}}}',
    "Customer wrote: my {cue} is {x}, can you check?",
    "[2025-03-02 10:14:07] INFO lookup value={x} status=ok",
    "Forwarding the ticket, the {cue} on file is {x}.",
    "{cue}: {x}",
    "I typed {x} in the form and it failed",
]
TEST_TEMPLATES = [
    "Could you change it to {x} please",
    "Details below\n{cue} - {x}\nRegards",
    "user_{cue_key}={x}&lang=en",
    "{{'{cue_key}': '{x}', 'verified': True}}",
    "Note from agent: caller gave {x} as their {cue}.",
    "{x} is the one I use now.",
    "2025-04-11T09:12:44Z WARN retry {cue_key}:{x}",
    "Hello, my {cue} is {x} and I need help with my account",
]
CUES = {
    "email": ["email", "e-mail address", "mail"],
    "phone": ["phone", "mobile number", "tel", "landline", "phone number"],
    "card": ["card", "credit card", "card number", "debit card"],
    "iban": ["IBAN", "bank account", "account"],
    "national_id": ["ID number", "SSN", "national insurance number", "tax id", "id"],
    "ip": ["IP", "ip address", "address", "server"],
}

NEGATIVES_DEV = [
    "build {ver} passed all checks",
    "upgraded the firmware to version {ver} yesterday",
    "object identifier {oid} is the common name attribute",
    "order number {luhn} has shipped",
    "Your order #{luhn} is on its way",
    "git remote add origin git@{host}:{org}/{repo}.git",
    "cloned ssh://git@{host}/{org}/{repo}.git",
    "invoice {date} total ${amount}",
    "meeting at {time} on {date}, room {room}",
    "ISBN 978-{i1}-{i2}-{i3}-{i4}",
    "ticket {jira} closed, see commit {sha}",
    "tracking number {luhn} via courier",
    "section {ver} of the contract applies",
    "timestamp {epoch} ms since epoch",
    "the part number is {part}",
    "coordinates {lat}, {lon}",
    "page {room} of {room}, figure {ver}",
    "device MAC {mac} rebooted",
    "request id {uuid} failed",
    "the total was 1 234 567,{i2} EUR",
    "pi is about 3.{epoch}",
]
NEGATIVES_TEST = [
    "release {ver} is now on the update channel",
    "snmpget -v2c -c public host {oid}",
    "reference {luhn} refers to your return",
    "pushed to git@{host}:{org}/{repo}.git and opened a PR",
    "the shipment id {luhn} was delayed",
    "paid ${amount} on {date} at {time}",
    "driver {ver} fixes the audio glitch",
    "see clause {ver} and invoice INV-{room}{room}",
    "serial {part} under warranty until {date}",
    "batch {epoch} processed, {jira} updated",
    "OID {oid} is set in the certificate policy",
    "call reference {part}, estimated at {time}",
    "HTTP 503 at {date}T{time}:00Z for trace {uuid}",
    "interface {mac} is down since {time}",
    "population 12 345 678 in {date}",
    "ratio 0.{epoch} after tuning",
]


def negative(rng: random.Random, template: str) -> str:
    fill = {
        "ver": ".".join(str(rng.randint(1, 30)) for _ in range(3)) + f".{rng.randint(1, 250)}",
        "oid": rng.choice(["2.5.4.", "1.2.840.", "1.3.6.1.", "2.16.840.1."])
        + ".".join(str(rng.randint(1, 200)) for _ in range(rng.randint(1, 3))),
        "luhn": luhn_number(rng, rng.choice("123456789"), rng.choice([13, 14, 15, 16])),
        "host": rng.choice(["github.com", "gitlab.com", "bitbucket.org"]),
        "org": rng.choice(["acme", "blastwall", "team-x"]),
        "repo": rng.choice(["api", "web", "infra"]),
        "date": f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "time": f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}",
        "amount": f"{rng.randint(1, 9)},{rng.randint(100, 999)}.{rng.randint(10, 99)}",
        "room": str(rng.randint(100, 999)),
        "i1": str(rng.randint(0, 9)),
        "i2": str(rng.randint(10, 99)),
        "i3": str(rng.randint(100000, 999999)),
        "i4": str(rng.randint(0, 9)),
        "jira": f"OPS-{rng.randint(100, 9999)}",
        "sha": "".join(rng.choice("0123456789abcdef") for _ in range(12)),
        "epoch": str(rng.randint(1_600_000_000_000, 1_800_000_000_000)),
        "part": f"{rng.randint(100, 999)}-{rng.randint(1000, 9999)}-{rng.randint(10, 99)}",
        "mac": ":".join(f"{rng.randint(0, 255):02X}" for _ in range(6)),
        "uuid": "-".join(
            "".join(rng.choice("0123456789abcdef") for _ in range(n)) for n in (8, 4, 4, 4, 12)
        ),
        "lat": f"{rng.uniform(-80, 80):.4f}",
        "lon": f"{rng.uniform(-170, 170):.4f}",
    }
    return template.format(**fill)


def build(split: str, templates: list[str], negatives: list[str], seed: int, n: int) -> list[dict]:
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    rows: list[dict] = []
    kinds = sorted(MAKERS)
    for index in range(n):
        kind = kinds[index % len(kinds)]
        value = MAKERS[kind](rng)
        cue = rng.choice(CUES[kind])
        text = rng.choice(templates).format(x=value, cue=cue, cue_key=cue.replace(" ", "_"))
        rows.append({"split": split, "text": text, "entities": [{"type": kind, "value": value}]})
    for index in range(n // 4):
        rows.append(
            {
                "split": split,
                "text": negative(rng, negatives[index % len(negatives)]),
                "entities": [],
            }
        )
    return rows


def main() -> None:
    rows = build("dev", DEV_TEMPLATES, NEGATIVES_DEV, seed=1, n=900)
    rows += build("test", TEST_TEMPLATES, NEGATIVES_TEST, seed=2, n=600)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} rows to {OUT}")


if __name__ == "__main__":
    main()
