"""The phrases prompt injections are made of, as rules for the ``PromptInjection`` filter.

Heuristics, not proof: they catch the common, copy-pasted attacks of the public red-team
suites cheaply. Each rule is tried only where one of its trigger words occurs; gaps are
bounded and stop at a sentence end. A rule needs the attack's shape, not one word of it:
"developer mode" alone is a TV setting, "developer mode ... ignore the content policy" is
a jailbreak; "new instructions:" alone is a delivery note.
"""

from __future__ import annotations

import re

from blastwall.sdk.filters.base import Rule

GAP = r"[^.\n]{0,40}?"
WIDE = r"[^\n]{0,80}?"
IGNORE = (
    "ignore", "disregard", "forget", "override", "bypass", "nevermind", "never mind",
    "stop following", "set aside", "abandon",
)  # fmt: skip
TARGETS = (
    r"(?:instructions?|prompts?|rules|directions|guidelines|guardrails|directives|"
    r"programming|constraints|safety (?:rules|filters|guidelines)|everything (?:you were|i) "
    r"told|what you were told)"
)
LEAK = ("reveal", "show", "print", "repeat", "output", "display", "leak", "tell me", "write")
MODES = ("developer mode", "god mode", "godmode", "dan mode", "jailbreak mode", "dude mode")
FREE = ("no", "without", "free of", "free from", "not bound by", "unbound by")
UNSAFE = ("unfiltered", "uncensored", "unrestricted", "amoral", "evil", "jailbroken")
AI = r"(?:ai|a\.i\.|chatbot|assistant|model|llm|gpt|version|persona|bot)s?"
DECODE = ("decode", "decrypt", "apply rot", "rot13", "rot-13", "read this backwards",
          "read it backwards", "reverse", "translate from", "convert from")  # fmt: skip
ADDRESSED = ("note", "message", "instruction", "text", "ai ", "ais ", "assistant", "llm",
             "language model")  # fmt: skip
EXFIL = ("![", "<img", "](")


def word_start(text: str, m: re.Match[str]) -> tuple[int, int] | None:
    """Reject a match that starts inside a word ("signore", "preview")."""
    start = m.start()
    if start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        return None
    return m.span()


def _any(words: tuple[str, ...]) -> str:
    return "(?:" + "|".join(re.escape(w) for w in words) + ")"


RULES = [
    Rule(
        "ignore_instructions",
        _any(IGNORE) + r"\b" + GAP + r"\b" + TARGETS + r"\b",
        word_start,
        IGNORE,
    ),
    Rule(
        "role_override",
        r"you are now\b" + GAP + r"(?:\bDAN\b|unfiltered|jailbroken|developer mode|in god ?mode|"
        r"unrestricted|without (?:any )?(?:restrictions|limits|filters|rules))",
        word_start,
        ("you are now",),
    ),
    Rule(
        "role_override",
        r"(?:act as|pretend|behave as|roleplay)\b"
        + GAP
        + r"\b(?:without|no) (?:restrictions|limits|filters|rules|guidelines)\b",
        word_start,
        ("act as", "pretend", "behave as", "roleplay"),
    ),
    # Persona modes. "developer mode" needs the model's rules nearby: on a TV it is a setting.
    Rule("role_override", r"(?:god ?|dan |jailbreak |dude )mode\b", word_start, MODES),
    Rule(
        "role_override",
        r"developer mode\b" + WIDE + r"\b(?:polic(?:y|ies)|restrictions|filters|censor\w*|"
        r"chatgpt|openai|uncensored|guidelines|ignore)",
        word_start,
        ("developer mode",),
    ),
    Rule(
        "role_override",
        r"(?:do anything now|stay in character|broken free of|never refuses?\b|\[jailbreak\])",
        word_start,
        ("do anything now", "stay in character", "broken free", "never refuse", "[jailbreak]"),
    ),
    Rule(
        "role_override",
        _any(FREE) + r"(?: any| all)?\s(?:(?:ethical|moral|content|safety)\s(?:restrictions|"
        r"filters|guidelines|polic(?:y|ies)|boundaries|limits|rules|principles)|filters|"
        r"censorship|guidelines|restrictions whatsoever)\b",
        word_start,
        ("no ", "without", "free of", "free from", "not bound", "unbound"),
    ),
    Rule(
        "role_override",
        _any(UNSAFE) + r"\b[^.\n]{0,24}?\b" + AI + r"\b",
        word_start,
        UNSAFE,
    ),
    Rule(
        "prompt_leak",
        _any(LEAK)
        + r"\b"
        + GAP
        + r"\b(?:your|the|its)\s+(?:system|hidden|initial|original|secret|developer|full)\s+"
        + r"(?:prompt|instructions)|(?:text|contents?|wording) of your (?:instructions|prompt)",
        word_start,
        (*LEAK, "text of", "contents of", "content of", "wording of"),
    ),
    Rule(
        "prompt_leak",
        r"your (?:system (?:prompt|message)|instructions verbatim)",
        word_start,
        ("your system", "your instructions"),
    ),
    Rule("special_tokens", r"<\|(?:im_start|im_end|system|endoftext|eot_id)\|>", None, ("<|",)),
    Rule("special_tokens", r"\[/?INST\]|<</?SYS>>", None, ("[inst]", "[/inst]", "<<sys>>")),
    Rule(
        "new_instructions",
        r"(?:new|updated|real|actual) (?:system )?(?:instructions|prompt|task)\s{0,4}:"
        + WIDE
        + r"\b(?:you|your|ignore|reveal|print|output|assistant|ai)\b",
        word_start,
        ("new ", "updated ", "real ", "actual "),
    ),
    # Injections hidden in documents address the model that will read them.
    Rule(
        "addressed_to_model",
        r"(?:(?:note|message|instructions?|text)s? (?:to|for) (?:the |any |all )?[\w ]{0,20}?"
        r"(?:ai|assistant|llm|language model|chatbot|gpt)s?\b|(?:ai|assistant|llm|language "
        r"model)s? (?:reading|summari[sz]ing|processing|parsing) (?:this|these|the))",
        word_start,
        ADDRESSED,
    ),
    Rule(
        "encoded_instructions",
        _any(DECODE) + r"[^\n]{0,60}?\b(?:and|then)\s+(?:do|follow|obey|execute|run|act on)\b"
        r"|(?:run|execute|follow|obey) the following (?:hex|base64|encoded|rot13)",
        word_start,
        (
            *DECODE,
            "run the following",
            "execute the following",
            "follow the following",
            "obey the following",
        ),
    ),
    # Links that would carry the conversation out when an answer renders them.
    Rule(
        "exfiltration_link",
        r"!\[[^\]\n]{0,100}\]\(\s*https?://[^)\s]{1,300}\?[^)\s]{1,300}\)"
        r"|<img\b[^>]{0,200}?src\s*=\s*[\"']?https?://[^\s\"'>]{1,300}\?"
        r"|\]\(\s*https?://[^)\s]{1,300}\?[^)\s]{0,300}=(?:[A-Z_]{3,}|\{)",
        None,
        EXFIL,
    ),
]
