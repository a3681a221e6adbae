"""The high-precision layer beside the learned detector.

Only rules that are precise on their own stay here (the learned model does the rest):
- seeking a method or the means of suicide ("how many of my pills would it take");
- explicit first-person intent, especially with a time ("I'm going to kill myself tonight",
  "he forced me last night");
- a plain statement of being in danger now ("I'm not safe at home tonight", "I am in danger"), or
  of a partner keeping one in ("my girlfriend won't let me leave the apartment");
- negation guards: a clause that denies risk ("I have no intention of hurting myself") is taken
  out before the model reads the sentence;
- idioms that are spelling slips ("die my hair" is "dye my hair"), rewritten before the model
  reads them; joke markers, which cap a model-only card at a check-in;
- statements of being under 18.
These run in well under a millisecond, so the Discord layer can use ``quick_crisis`` before it
acknowledges an interaction (crisis replies stay private).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


def _p(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.I)


_PILLS = (
    r"(?:pills|tablets|meds|medications?|paracetamol|tylenol|acetaminophen|ibuprofen|aspirin|insulin|"
    r"sleeping pills|xanax|benadryl|antidepressants|painkillers|opioids|oxy\w*)"
)
_DEATH = r"(?:die|dying|kill|fatal|lethal|deadly|overdose|od|to end (?:it|my life)|not wake up|never wake up)"

METHOD = _p(
    r"\b(?:lethal|fatal|deadly|overdose|toxic)\s+(?:dose|amount|quantity|level)\b",
    r"\bhow\s+(?:many|much)\b[^.?!]{0,40}\b"
    + _PILLS
    + r"\b[^.?!]{0,40}\b(?:"
    + _DEATH
    + r"|would it take|does it take|"
    r"will it take|would be enough|is enough|until i)\b",
    r"\b(?:painless|quick|quickest|easy|easiest|surest|best|fastest|peaceful|least painful)\s+(?:way|ways|method|methods)\s+"
    r"(?:to|of)\s+(?:die|dying|kill (?:myself|yourself|oneself)|end (?:it|my life|your life|things)|commit suicide|suicide)\b",
    r"\bhow\s+(?:to|do i|can i|do you|would i|would you|does one|long does it take to)\s+(?:tie\s+a\s+noose|"
    r"hang\s+(?:myself|yourself|oneself)|overdose|kill\s+(?:myself|yourself|oneself)|slit\s+\w+|commit suicide|"
    r"end (?:my|your) life|poison myself|bleed out|suffocate)\b",
    r"\bhow\s+(?:high|far|tall)\b[^.?!]{0,40}\b(?:fall|jump)\b[^.?!]{0,30}\b(?:die|kill|survive|fatal|lethal)\b",
    r"\bwhat\s+(?:height|floor)\b[^.?!]{0,30}\b(?:fatal|lethal|to die|kill)\b",
    r"\bwhich\s+(?:pills|medications?|meds|drugs|chemicals|poisons?)\b[^.?!]{0,30}\b(?:kill|lethal|fatal|deadly|to die|overdose)\b",
)
_NEAR = (
    r"(?:near me|nearby|close to me|close by|around here|in my (?:area|town|city)|to jump|i could jump|"
    r"without (?:a |any )?(?:fences?|railings?|barriers?|nets?))"
)
MEANS_LOCATION = _p(
    r"\b(?:tallest|highest)\s+(?:bridges?|buildings?|cliffs?|rooftops?|towers?|parking (?:garages?|structures?)|balconies)\b"
    r"(?:[^.?!]{0,30}\b" + _NEAR + r")?",
    r"\b(?:bridges?|cliffs?|rooftops?|train tracks|railway (?:tracks|lines?)|overpass(?:es)?|buildings?)\b[^.?!]{0,40}\b"
    + _NEAR,
    r"\bwhere\s+(?:can|could|do)\s+i\s+(?:buy|get|find)\s+(?:a\s+)?(?:gun|rope|noose|pills|sleeping pills|a lot of pills)\b",
    r"\bwhen\s+(?:does|do|is)\s+the\s+(?:next\s+|last\s+)?(?:train|trains|express)\b[^.?!]{0,30}\b(?:pass|go by|come through|come)\b",
)
_ME = r"(?:i|i'm|im|i am|i've|ive|i'll|ill)"
_SELF_KILL = (
    r"(?:kill(?:ing)? myself|end(?:ing)? my (?:own )?life|end(?:ing)? it all|tak(?:e|ing) my (?:own )?life|"
    r"commit(?:ting)? suicide|unaliv(?:e|ing) myself|kms|off(?:ing)? myself|not be (?:here|alive) (?:tomorrow|much longer))"
)
_WHEN = (
    r"(?:tonight|today|tomorrow|this (?:weekend|week|morning|evening|afternoon)|right now|now|soon|after "
    r"(?:work|school|this)|when everyone(?:'s| is) asleep|on (?:friday|saturday|sunday|monday|tuesday|wednesday|thursday))"
)
INTENT = _p(
    # intent, plan or wish, in the first person
    r"\b"
    + _ME
    + r"\s+(?:\w+\s+){0,2}?(?:going to|gonna|will|'ll|am going to|plan(?:ning)? (?:to|on)|ready to|about to|"
    r"decided to|want to|wanna|wish i could|need to|have to|should just|might)\s+(?:just\s+)?" + _SELF_KILL + r"\b",
    r"\b" + _SELF_KILL + r"\b[^.?!]{0,30}\b" + _WHEN + r"\b",
    r"\b" + _ME + r"\s+(?:am\s+|'m\s+|m\s+)?(?:actively\s+|really\s+|so\s+|very\s+)?suicidal\b",
    r"\b(?:i|and|but|just|really|honestly|still|only|of me|kinda|kind of)\s+(?:just\s+|really\s+|honestly\s+|still\s+|"
    r"kinda\s+|kind of\s+|only\s+)?(?:want|wants|wanna|wish)\s+(?:to\s+)?(?:die|be dead|not exist|stop existing|"
    r"not be alive|not wake up|never wake up)\b(?!\s+(?:my|your|his|her|their|the)\s)",
    r"\bi\s+(?:don'?t|do not)\s+(?:want to|wanna)\s+(?:live|be alive|exist|wake up|be here)\s+(?:anymore|any more|now|tomorrow)\b",
    r"\b(?:don'?t|do not|can'?t|cannot)\s+see\s+(?:the|a|any)\s+point\s+(?:of|in|to)\s+(?:waking up|wake up|living|"
    r"being alive|staying alive|going on)\b",
    r"\bi\s+wish\s+i\s+(?:was|were|could be)\s+dead\b",
    r"\bi\s+(?:took|swallowed|just took|have taken|'ve taken|ve taken)\s+(?:a lot of|all (?:my|the|of my)|too many|a bunch of|"
    r"a handful of|\d+|loads of|the whole (?:bottle|pack))\s+" + _PILLS + r"\b",
    # self-harm again or just now
    r"\b(?:been|started|am|'m|im|keep)\s+(?:cutting|burning|self[- ]?harming|sh'?ing|hurting myself)\s+(?:myself\s+)?"
    r"(?:again|every (?:day|night)|lately)\b",
    r"\b(?:cut|burned|burnt|hurt)\s+myself\s+(?:again|last night|today|tonight|this morning|yesterday|an hour ago)\b",
    r"\brelapsed\b[^.?!]{0,30}\b(?:cutting|self[- ]?harm|sh)\b",
    # self-harm going on, in the first person: "I've been self harming since…", "I keep hurting myself"
    r"\b(?:i'?ve been|i have been|i keep|i kept|i'?ve started|i started|i'?m|im|i am)\s+(?:self[- ]?harming|"
    r"(?:cutting|burning|hurting|scratching|hitting)\s+(?:myself|my\s+(?:arms?|legs?|wrists?|thighs?|skin|stomach))\b)",
)
# A recent assault, stated plainly, with a time: "he forced me last night", "I was raped yesterday".
_RECENTLY = (
    r"(?:last night|yesterday|today|tonight|this (?:morning|afternoon|evening|weekend|week)|earlier|just now|"
    r"(?:an?|one|two|three|few|couple(?: of)?|\d+) (?:hours?|days?) ago|on (?:friday|saturday|sunday|monday|"
    r"tuesday|wednesday|thursday)(?: night)?|at (?:a|the) party)"
)
ASSAULT_RECENT = _p(
    r"\b(?:raped|forced (?:himself |herself )?(?:on )?me|sexually assaulted|assaulted|molested|drugged|roofied|spiked my drink|"
    r"groped)\b[^.?!]{0,40}\b" + _RECENTLY + r"\b",
    r"\b"
    + _RECENTLY
    + r"\b[^.?!]{0,40}\b(?:(?:he|she|they|someone|a guy|a man)\s+(?:raped|forced|assaulted|molested|drugged|"
    r"groped)\s+me|i was (?:raped|sexually assaulted|assaulted|drugged|roofied))\b",
)
# Being in danger now, said plainly in the first person: "not safe" with a place or a person (not
# "not safe to drive"), or "in danger" (not "in danger of failing").
DANGER_NOW = _p(
    r"\b(?:i'?m|im|i am)\s+(?:really\s+|just\s+)?not\s+safe\s+(?:at home|here|in (?:my|this|the|our) "
    r"(?:house|home|flat|apartment|room|car)|with (?:him|her|them|my \w+))\b",
    r"\b(?:i'?m|im|i am)\s+in\s+(?:immediate\s+)?danger\b(?!\s+of\b)",
)

# A partner keeping one in (a parent who will not let a teenager out is not this).
_PARTNER = r"(?:girlfriend|boyfriend|husband|wife|partner|fianc[eé]e?|gf|bf|ex)"
CONFINED = _p(
    r"\bmy\s+" + _PARTNER + r"\s+(?:won'?t|will not|doesn'?t|does not|never)\s+let(?:s)?\s+me\s+leave\b",
    r"\bmy\s+" + _PARTNER + r"\s+(?:locks|locked|keeps|kept)\s+me\s+(?:in|inside|locked in)\b",
)

# Clauses that deny risk. Removed before the model reads the sentence; the rest still counts.
NEGATION = _p(
    r"\b(?:i\s+have\s+|i've\s+|ive\s+|i\s+had\s+)?(?:no|not any|zero)\s+(?:intention|intentions|plans?|desire|urge|wish|"
    r"thoughts?)\s+(?:of|to|about|on)\s+(?:\w+\s+){0,2}?(?:hurting|harming|killing|ending|hurt|harm|kill|end|dying|die|"
    r"suicide|self[- ]?harm\w*)\b[^.?!,;]*",
    r"\b(?:i'?m|i am|im)\s+not\s+(?:suicidal|going to (?:hurt|kill|harm) myself|in (?:danger|crisis)|planning (?:to|anything))\b",
    r"\b(?:i'?m|i am|im)\s+not\s+(?:thinking|planning|considering|trying)\s+(?:(?:of|about|on|to)\s+)?"
    r"(?:hurt|kill|harm|end)(?:ing)?\s+(?:myself|my life)\b",
    r"\bi\s+(?:would|will|'d|'ll)\s+never\s+(?:hurt|kill|harm)\s+myself\b",
    r"\bnot\s+(?:that\s+)?i\s+(?:want|wanna)\s+to\s+(?:die|hurt myself|kill myself)\b",
    r"\b(?:i've|ive|i have)\s+never\s+(?:been|felt)\s+suicidal\b",
    r"\b(?:i|i've|ive)\s+(?:don'?t|do not|never)\s+(?:want|wanted)\s+to\s+(?:die|kill myself|hurt myself)\b",
)
# Spelling slips that read as risk: the model reads what the member meant.
IDIOM_REWRITES = (
    (
        re.compile(
            r"\bdie(?=\s+(?:my|your|his|her|their|our|the|it|them)\s+(?:hair|beard|roots|eyebrows|clothes|shirt|"
            r"jeans|dress|shoes|fabric|wool|tips|ends|\w+\s+hair)\b)",
            re.I,
        ),
        "dye",
    ),
    (
        re.compile(
            r"\bdying(?=\s+(?:my|your|his|her|their|the)\s+(?:hair|beard|roots|clothes|shirt|jeans|dress|fabric)\b)",
            re.I,
        ),
        "dyeing",
    ),
)
JOKE = re.compile(r"(?:\b(?:lol|lmao|lmfao|rofl|jk|j/k|haha\w*|hehe\w*|xd)\b|😂|🤣|💀|☠️)", re.I)

_AGE = r"(?:1[0-7]|[89]|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen)"
_NOT_AGE = (
    r"(?!\s*(?:minutes?|mins?|hours?|hrs?|days?|weeks?|months?|%|percent|kg|kilos?|lbs?|pounds|stone|feet|ft|"
    r"foot|inches|in\b|cm|km|miles|times|x\b|out of|/|of\b|dollars|bucks|euros|points|pts|years? (?:into|in|sober|"
    r"clean|married|together|of)|and\s+(?:a\s+)?half\s+(?:hours|weeks|months)|(?:'?s|am|pm|o'?clock)\b))"
)
MINOR = _p(
    r"\b(?:i'm|im|i am)\s+(?:only\s+|just\s+|barely\s+)?" + _AGE + r"\b" + _NOT_AGE,
    r"\b(?:i'm|im|i am)\s+(?:a\s+)?(?:minor|teen|teenager|middle\s*schooler|high\s*schooler|freshman\s+in\s+high\s+school|"
    r"sophomore\s+in\s+high\s+school|underage)\b",
    r"\b(?:i'm|im|i am)\s+in\s+(?:(?:[6-9]|1[0-2])(?:th)?|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth)\s+grade\b",
    r"\b(?:i'm|im|i am)\s+(?:in|at)\s+(?:middle|junior\s+high|high)\s+school\b",
    r"\bmy\s+age\s+is\s+" + _AGE + r"\b",
    r"\bas\s+a\s+" + _AGE + r"[- ]?(?:year|yr)[- ]?old\b",
    r"\b" + _AGE + r"\s*(?:years?\s*old|yrs?\s*old|yo|y/o)\s+(?:here|girl|boy|and\s+(?:i|my))\b",
    r"(?:^|\s)(?:1[0-7])\s?[fm]\b",
)


@dataclass(frozen=True)
class RuleHits:
    """What the precise rules found in a message; ``reasons`` names rules, never the message's words."""

    crisis: tuple[str, ...] = ()  # categories the rules alone call a crisis
    means: bool = False  # asked about heights, train times or where to buy means: a crisis with other risk
    joke: bool = False
    minor: bool = False
    reasons: tuple[str, ...] = ()


def rewrite_idioms(text: str) -> str:
    for pattern, replacement in IDIOM_REWRITES:
        text = pattern.sub(replacement, text)
    return text


def remove_negations(sentence: str) -> str:
    """The sentence without the clauses that deny risk ('' if nothing else is left)."""
    rest = NEGATION.sub(" ", sentence)
    rest = re.sub(r"^[\s,;:]*(?:but|and|so|though|although)?\b[\s,;:]*", "", rest.strip(), flags=re.I)
    return rest if len(re.findall(r"\w+", rest)) >= 2 else ""


def check(text: str) -> RuleHits:
    """The precise rules over a (normalized, idiom-rewritten, negation-free) message."""
    reasons: list[str] = []
    crisis: list[str] = []
    if METHOD.search(text):
        crisis.append("suicide")
        reasons.append("method_seeking")
    if INTENT.search(text):
        if "suicide" not in crisis:
            crisis.append("suicide")
        reasons.append("explicit_intent")
    if ASSAULT_RECENT.search(text):
        crisis.append("sexual_assault")
        reasons.append("assault_recent")
    if DANGER_NOW.search(text):
        crisis.append("immediate_danger")
        reasons.append("danger_now")
    if CONFINED.search(text):
        crisis.append("partner_violence")
        reasons.append("confined_by_partner")
    means = bool(MEANS_LOCATION.search(text))
    if means:
        reasons.append("means_location")
    joke = bool(JOKE.search(text))
    minor = bool(MINOR.search(text))
    if minor:
        reasons.append("age_statement")
    return RuleHits(tuple(crisis), means, joke, minor, tuple(reasons))
