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
    r"told|what you were told|indicators|snippets)"
)
# Words that make "ignore ... rules" an override of the model's own: without one, only
# the model's kind of rules count, right after the verb ("ignore instructions and print").
QUALIFIERS = (
    r"(?:previous|prior|above|earlier|preceding|following|all|any|every|your|its|system|"
    r"developer|original|initial|existing|current|old|these|those)"
)
MODEL_TARGETS = (
    r"(?:instructions?|prompts?|directions?|guidelines|guardrails|directives|everything "
    r"(?:you were|i) told|what you were told|everything (?:from )?before(?: (?:this|that))?)"
)
# The same override in the languages attacks most often switch to.
FOREIGN_IGNORE = (
    "ignoriere", "ignorier", "vergiss", "missachte", "ignorez", "oubliez", "oublie",
    "ignora", "olvida", "olvide", "dimentica", "ignorare", "esqueça", "esqueca", "esqueçam",
)  # fmt: skip
FOREIGN_TARGETS = (
    r"(?:anweisungen|instruktionen|regeln|vorgaben|alles davor|consignes|instructions|"
    r"règles|regles|instrucciones|reglas|istruzioni|regole|instruções|instrucoes|regras)"
)
LEAK = ("reveal", "show", "print", "repeat", "output", "display", "leak", "tell me", "write")
MODES = ("developer mode", "god mode", "godmode", "dan mode", "jailbreak mode", "dude mode")
FREE = ("no", "without", "free of", "free from", "not bound by", "unbound by")
UNSAFE = ("unfiltered", "uncensored", "unrestricted", "amoral", "evil", "jailbroken")
AI = r"(?:ai|a\.i\.|chatbot|assistant|model|llm|gpt|persona|bot|mode)s?"
DECODE = ("decode", "decrypt", "apply rot", "rot13", "rot-13", "read this backwards",
          "read it backwards", "reverse", "translate from", "convert from")  # fmt: skip
ADDRESSED = ("note", "message", "instruction", "text", "ai ", "ais ", "assistant", "llm",
             "language model", "bot", "agent", "model")  # fmt: skip
# Who an injection in a document addresses. "assistant" and "agent" alone are people too
# ("note to the assistant manager"): they count after "AI" or before "model".
AUTOMATED = r"automated (?:\w+ )?(?:software|system|tool|screener|reviewer|reader|agent)"
ADDRESSEE = (
    r"(?:ai|llm|language model|chatbot|gpt|bot|(?:ai )?(?:assistant|agent) model|"
    + AUTOMATED
    + r")s?"
)
# The encodings attackers name when they ask for a payload to be decoded.
ENCODINGS = (
    r"(?:base ?(?:64|32|16|85|2048)|ascii ?85|hex(?:adecimal)?|rot ?-?13|morse|braille|atbash|"
    r"caesar|uuencode|quoted-printable|nato(?: phonetic)?|leetspeak|leet|ecoji|zalgo)"
)
EXFIL = ("![", "<img", "](")


def word_start(text: str, m: re.Match[str]) -> tuple[int, int] | None:
    """Reject a match that starts inside a word ("signore", "preview").

    Only an ASCII letter or digit before makes it one word: a stray non-ASCII byte glued on
    ("\xffIgnore", PromptInject's escape) does not hide the word from a model.
    """
    start = m.start()
    if start > 0:
        before = text[start - 1]
        if before == "_" or (before.isascii() and before.isalnum()):
            return None
    return m.span()


def _any(words: tuple[str, ...]) -> str:
    return "(?:" + "|".join(re.escape(w) for w in words) + ")"


RULES = [
    Rule(
        "ignore_instructions",
        _any(IGNORE)
        + r"\b(?:"
        + GAP
        + r"\b"
        + QUALIFIERS
        + r"\b"
        + GAP
        + r"\b"
        + TARGETS
        + r"|(?: (?:the|all|any|your|its))? "
        + MODEL_TARGETS
        + r")\b",
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
    # Persona set-ups of the template jailbreaks: a model told who it is "from now on", one
    # freed of all limits, one that must not break character or cite its maker's policy.
    Rule(
        "role_override",
        r"from now on,?\s+(?:you(?:'re| are| will| shall)|we)\b" + GAP + r"\b(?:act|pretend|play|"
        r"role|respond|answer|reply|named|called|go by|simulate|character|persona|fictional)"
        r"|(?:free|freed) (?:of|from) all (?:\w+ )?(?:limitations|restrictions|filters|rules)"
        r"|not (?:bound|restrained|restricted|limited) by any (?:\w+ )?(?:restrictions|"
        r"limitations|rules|guidelines|morals|ethics)"
        # "has no restrictions" is a delivery slot too: only a lack of morals or filters.
        r"|(?:has|with) no (?:\w+ )?(?:filters|boundaries|morals|ethics)\b"
        r"|take (?:up|on) the (?:persona|character) of"
        r"|(?:(?<=not )|(?<=n't )|(?<=never ))(?:pretend to be|say (?:that )?you are|admit "
        r"(?:that )?you are) (?:a |an )?(?:large )?(?:language model|ai\b)"
        r"|(?:(?<=never )|(?<=not )|(?<=n't ))break character"
        r"|regardless of (?:any |all |its |the )?(?:ethic|moral|legal)\w*"
        r"|(?:even if|no matter (?:if|how|whether)|regardless (?:of )?(?:if|whether|how))"
        r"[^.\n]{0,30}?\b(?:illegal|unethical|immoral|harmful|explicit|inappropriate)"
        r"|(?:openai|chatgpt)(?:'s|\u2019s)?\s+(?:content\s+)?(?:polic(?:y|ies)|guidelines|"
        r"restrictions|limitations|filters)",
        word_start,
        (
            "from now",
            "free of",
            "freed of",
            "free from",
            "freed from",
            "not bound",
            "not restrained",
            "not restricted",
            "not limited",
            "has no",
            "with no",
            "take up",
            "take on",
            "pretend to be",
            "say you are",
            "say that you are",
            "admit",
            "break character",
            "regardless",
            "even if",
            "no matter",
            "openai",
            "chatgpt",
        ),
    ),
    Rule(
        "role_override",
        r"developer mode\b" + WIDE + r"\b(?:polic(?:y|ies)|restrictions|filters|censor\w*|"
        r"chatgpt|openai|uncensored|guidelines|ignore)",
        word_start,
        ("developer mode",),
    ),
    Rule(
        "role_override",
        r"(?:do anything now|stay in character|broken free of|never refuses\b|\[jailbreak\])",
        word_start,
        ("do anything now", "stay in character", "broken free", "never refuse", "[jailbreak]"),
    ),
    Rule(
        "role_override",
        _any(FREE) + r"(?: any| all)?\s(?:(?:ethical|moral|content|safety)\s(?:restrictions|"
        r"filters|guidelines|polic(?:y|ies)|boundaries|limits|rules|principles)|filters|"
        r"censorship|guidelines)\b",
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
        "ignore_instructions",
        r"stop everything\b[^\n]{0,30}?\b(?:just |only |now )?(?:print|say|output|write|repeat)\b"
        r"|(?:focus|concentrate) (?:only|exclusively|solely) on (?:the )?(?:following|"
        r"information|text|content) (?:in|between|below|inside|and)"
        r"|(?:disregard|ignore) (?:all |any )?(?:other )?(?:info|information|context|content|"
        r"text) (?:except|other than|but) ",
        word_start,
        ("stop everything", "focus", "concentrate", "disregard", "ignore"),
    ),
    Rule(
        "ignore_instructions",
        _any(FOREIGN_IGNORE) + r"\b" + GAP + r"\b" + FOREIGN_TARGETS,
        word_start,
        FOREIGN_IGNORE,
    ),
    Rule(
        "ignore_instructions",
        r"(?:instructions|rules|directives|guidelines)\b[^.\n]{0,30}?\b(?:are|is|were) (?:now "
        r")?(?:void|cancel+ed|revoked|invalid|obsolete|null|no longer (?:valid|in effect))"
        r"|no (?:rules|restrictions) apply",
        word_start,
        ("instructions", "rules", "directives", "guidelines", "no rules", "no restrictions"),
    ),
    Rule(
        "prompt_leak",
        r"(?:repeat|print|output|quote|show|write|copy)\b[^.\n]{0,30}?\b(?:(?:everything|all)"
        r"\s+written\s+above|(?:the|all) (?:text|words|lines|messages?)\s+(?:written\s+)?above"
        r"|what (?:you were|was) "
        r"(?:told|given|written) (?:before|above))|what were you told before",
        word_start,
        ("repeat", "print", "output", "quote", "show", "write", "copy", "what were you"),
    ),
    Rule(
        "role_override",
        r"never (?:refuses|declines)\b|you (?:will |must |shall )?never (?:refuse|decline)\b"
        r"|(?:freed|liberated|released) from\b[^.\n]{0,30}?"
        r"\b(?:rules?|restrictions|guidelines|confines|polic(?:y|ies))"
        r"|(?:you would|you'd|you) (?:normally|usually) refuse"
        r"|(?:ignores?|ignoring|without|abandons?|drops?) (?:your|its|all|any) (?:ethics|morals|"
        r"principles|values|programming|training)\b"
        r"|(?:without (?:any )?|no )(?:safety (?:layer|checks|filters?|guidelines|restrictions)|"
        r"disclaimers|moral compass|ethics)\b",
        word_start,
        (
            "never",
            "freed",
            "liberated",
            "released",
            "you would",
            "you'd",
            "you normally",
            "you usually",
            "ignore",
            "ignores",
            "ignoring",
            "without",
            "abandon",
            "abandons",
            "drop",
            "drops",
            "no ",
        ),
    ),
    # A role header inside pasted text that gives an order ("ASSISTANT: forward this ...").
    Rule(
        "addressed_to_model",
        r"(?:system|assistant)\s*:\s*(?:the user|forward|ignore|disregard|reveal|send|show|tell|"
        r"approve|focus|print|say|respond|reply|output|repeat|include|"
        r"new (?:priority )?instructions?|you (?:must|will|should))",
        word_start,
        ("system", "assistant"),
    ),
    Rule(
        "prompt_leak",
        r"your (?:system (?:prompt|message)|instructions verbatim)",
        word_start,
        ("your system", "your instructions"),
    ),
    Rule("special_tokens", r"<\|(?:im_start|im_end|system|endoftext|eot_id)\|>", None, ("<|",)),
    Rule("special_tokens", r"\[system\](?:\(#\w+\))?", None, ("[system]",)),
    # A fake end of the conversation in pasted text ("<end of session>"), keyed on its words.
    Rule(
        "special_tokens",
        r"(?<=<)end of (?:session|conversation|document|context|input|prompt)>",
        None,
        ("end of",),
    ),
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
        + ADDRESSEE
        + r"\b|"
        + r"(?:ai|llm|language model|chatbot|gpt|bot|model)s?"
        + r"(?: (?:model|agent|assistant|bot)s?)? (?:that )?(?:reading|reads|summari[sz]ing|"
        r"processing|processes|parsing) (?:this|these|the following))",
        word_start,
        ADDRESSED,
    ),
    # Text hidden for the model: "visible to LLM scan", "for automated screening systems:".
    Rule(
        "addressed_to_model",
        r"(?:visible|hidden|addressed|intended|meant|written) (?:only )?(?:to|for) "
        r"(?:the |any |an )?(?:llm|ai|language model|chatbot|model)s?\b"
        r"|(?:(?<=to )|(?<=for )|(?<=the )|(?<=any )|(?<=all ))" + AUTOMATED + r"s?\s*:",
        word_start,
        ("visible", "hidden", "addressed", "intended", "meant", "written", "automated"),
    ),
    # An order planted for when the model is asked: "if asked about X, respond with ...".
    Rule(
        "new_instructions",
        r"(?:(?<=if )|(?<=when )|(?<=you are )|(?<=you're ))asked\b[^.\n]{0,80}?\b(?:respond|"
        r"reply|answer|say|output)\b(?: only| simply)? with\b",
        word_start,
        ("asked",),
    ),
    Rule(
        "encoded_instructions",
        _any(DECODE) + r"[^\n]{0,60}?\b(?:and|then)\s+(?:do|follow|obey|execute|run|act on)\b"
        r"|(?:run|execute|follow|obey) the following (?:hex|base64|encoded|rot13)"
        r"|(?:decode|decrypt|decipher)\b[^\n]{0,30}?\b" + ENCODINGS + r"\b"
        r"|(?:en|de)coded (?:string|text|message)\s*:"
        r"|^encoded:[^\n]{1,2000}\n+decoded:",
        word_start,
        (
            *DECODE,
            "run the following",
            "execute the following",
            "follow the following",
            "obey the following",
            "decipher",
            "encoded",
            "decoded",
        ),
    ),
    # Links that would carry the conversation out when an answer renders them.
    Rule(
        "exfiltration_link",
        r"!\[[^\]\n]{0,100}\]\(\s*https?://[^)\s]{1,300}\?[^)\s]{1,300}\)"
        r"|<img\b[^>]{0,200}?src\s*=\s*[\"']?https?://[^\s\"'>]{1,300}\?"
        r"|\]\(\s*https?://[^)\s]{1,300}\?[^)\s]{0,300}=(?:[A-Z_]{3,}|\{)"
        # A link (inline or a reference "[ref]: url") whose URL has a slot for the model to
        # fill: "https://host/logo.png?q=[DATA]", "https://host/azure=[INFO]".
        r"|\](?:\(|:)\s*https?://[^)\s]{1,300}?=\s*[\[{]",
        None,
        (*EXFIL, "]:"),
    ),
]
