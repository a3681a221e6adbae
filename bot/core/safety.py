"""The safety layer: consent note, claim guard, research note on growth, crisis and disclosure checks.

The bot quotes; it never advises, diagnoses or endorses (see SAFETY.md in the project's shared
notes). Every question passes ``assess`` before retrieval:

- ``crisis``: a clear crisis (suicidal intent or method seeking, a recent sexual assault, ongoing
  violence, a child being abused, immediate danger). Nothing is quoted; a crisis card is sent.
- ``check_in``: an ambiguous message or a disclosure (a past assault, hopelessness, a supporter
  writing about someone else). The normal answer is sent with a one-line check-in.
- ``none``: an ordinary question, including ones that use alarming words to ask about them.

Detection reads first-person statements, recency, method and means seeking, and third-person
(supporter) framing, with patterns that are measured on a labelled set (``python -m bot eval
safety``). An optional semantic layer compares the question with first-person crisis statements
using the embedding model the bot already loads; it can raise a check-in, never a crisis card.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources as _pkg_resources
from pathlib import Path
from typing import Callable, Iterable, Sequence

import yaml

# ----------------------------------------------------------------------------------------------
# Notes shown with answers

CONSENT_NOTE = (
    "Quotes from unreviewed web articles, not medical or therapeutic advice. "
    "Nobody has to be intimate in order to heal. Consent is freely given, reversible, informed, "
    "enthusiastic and specific: anyone can say no or stop at any time."
)
UNREVIEWED_LABEL = "unreviewed web article, not medical advice"
CLAIM_NOTE = (
    "This passage prescribes or overstates: nobody is obliged to be intimate in order to heal; growth "
    "after trauma is possible, not required, and not universal."
)
GROWTH_NOTE = (
    "On growth after trauma, research finds it possible but not to be expected of every survivor "
    "(Calhoun & Tedeschi 2004); distress often coexists with it; sexual assault was linked with the "
    "lowest growth (Nurses' Health Study II); and self-reported growth is often illusory (Boals 2023)."
)
BOT_DISCLAIMER = "I'm a bot and can't help the way a person can. The lines below are staffed by trained people, free and confidential."

CATEGORIES = ("suicide", "sexual_assault", "partner_violence", "child_abuse", "immediate_danger")
CATEGORY_LABELS = {
    "suicide": "suicide or self-harm",
    "sexual_assault": "sexual assault",
    "partner_violence": "partner or family violence",
    "child_abuse": "a child being abused",
    "immediate_danger": "immediate danger",
}
_PRIORITY = {c: i for i, c in enumerate(("immediate_danger", "child_abuse", "suicide", "sexual_assault", "partner_violence"))}

NONE, CHECK_IN, CRISIS = "none", "check_in", "crisis"


# ----------------------------------------------------------------------------------------------
# Claim guard and growth questions

_ACT = (r"(?:have\s+sex|having\s+sex|be\s+intimate|being\s+intimate|sleep\s+with|(?:engage\s+in|seek\s+out|pursue|"
        r"initiate|give\s+in\s+to)\b[^.!?]{0,40}?\b(?:sex|sexual|intima\w*|intercourse))")
_PRESCRIBE = re.compile(
    # "it is crucial for survivors to engage in sexual intimacy", "survivors must have sex", "you should be intimate"
    r"\b(?:crucial|essential|vital|necessary|imperative|required|obliged|obligatory|key|important)\s+"
    r"(?:for\s+[^.!?]{1,60}?\s+)?to\s+(?:\w+\s+)?" + _ACT + r"|"
    r"\b(?:must|should|need(?:s)?\s+to|have\s+to|has\s+to|ought\s+to)(?!\s+(?:not|never)\b)\s+(?:\w+\s+){0,2}?" + _ACT + r"|"
    r"\bthe\s+only\s+way\b[^.!?]{0,60}\b(?:sex|sexual|intima\w*)",
    re.I,
)
_ABSOLUTE = re.compile(
    r"\b(cures?|cured|curing|guarantee[sd]?|guaranteed to|always (?:heals?|leads? to|results? in)|"
    r"will (?:heal|cure|fix)|proven to (?:heal|cure)|the only (?:way|path|cure)|never fails)\b",
    re.I,
)


@functools.lru_cache(maxsize=8192)  # the same passages are quoted again and again
def claim_guard(text: str) -> bool:
    """True if a passage prescribes intimacy or promises healing: it gets the counter-note."""
    return bool(_PRESCRIBE.search(text) or _ABSOLUTE.search(text))


_GROWTH = re.compile(r"\b(grow|grows|growing|growth|heal|heals|healing|recover\w*|thrive|thriving|resilien\w*|"
                     r"post[- ]?traumatic|ptg|self[- ]?reconstruction|transform\w*|rebuild\w*)\b", re.I)


def is_growth_question(question: str) -> bool:
    return bool(_GROWTH.search(question))


# ----------------------------------------------------------------------------------------------
# Resources


@dataclass(frozen=True)
class Resource:
    name: str
    contact: str
    url: str | None = None

    def line(self) -> str:
        tail = f" ({self.url.removeprefix('https://').removeprefix('www.')})" if self.url else ""
        return f"{self.name}: {self.contact}{tail}"

    def as_dict(self) -> dict:
        return {"name": self.name, "contact": self.contact, "url": self.url}


@dataclass(frozen=True)
class ResourceBook:
    """Helplines by locale and category, from the packaged YAML plus a deployment's own file."""

    always: tuple[Resource, ...]
    locales: dict[str, dict]

    @classmethod
    def load(cls, override: Path | str | None = None) -> "ResourceBook":
        text = _pkg_resources.files("bot.data").joinpath("resources.yaml").read_text(encoding="utf-8")
        data = yaml.safe_load(text)
        if override:
            extra = yaml.safe_load(Path(override).read_text(encoding="utf-8")) or {}
            if not isinstance(extra, dict):
                raise ValueError(f"{override}: expected a mapping with 'locales' and/or 'always'")
            if "always" in extra:
                data["always"] = extra["always"]
            for loc, cats in (extra.get("locales") or {}).items():
                data["locales"].setdefault(loc, {}).update(cats or {})
        always = tuple(Resource(**r) for r in data.get("always") or ())
        return cls(always, data.get("locales") or {})

    def _locale(self, locale: str | None) -> dict:
        locale = (locale or "").strip()
        if locale in self.locales:
            return self.locales[locale]
        base = locale.split("-")[0]
        for name in self.locales:  # 'en' -> none; 'es-419' -> 'es-ES' only if nothing closer
            if name == base:
                return self.locales[name]
        return self.locales.get("default", {})

    def emergency(self, locale: str | None) -> str:
        return str(self._locale(locale).get("emergency") or self.locales.get("default", {}).get("emergency")
                   or "your local emergency number")

    def for_categories(self, categories: Iterable[str], locale: str | None) -> list[Resource]:
        loc = self._locale(locale)
        out: list[Resource] = []
        for cat in categories:
            for r in loc.get(cat) or ():
                res = Resource(**r)
                if res not in out:
                    out.append(res)
        for res in self.always:
            if res not in out:
                out.append(res)
        return out


# ----------------------------------------------------------------------------------------------
# Crisis detection

_I_AM = r"(?:i'm|im|i am|i feel|i'm feeling|i am feeling|i've been|ive been|i have been|i was|i keep)"
_REL = (r"(?:husband|wife|partner|boyfriend|girlfriend|bf|gf|fianc[eé]e?|spouse|ex|ex[- ]?(?:boyfriend|girlfriend|husband|wife|partner)|"
        r"dad|father|mom|mum|mother|step[- ]?(?:dad|father|mom|mum|mother|brother|sister)|brother|sister|parents?|uncle|aunt|"
        r"grandpa|grandfather|cousin|family|roommate|flatmate|son|daughter|guardian|foster (?:dad|mom|parent))")
_ELDER = (r"(?:uncle|step[- ]?(?:dad|father|brother)|stepfather|dad|father|mom'?s\s+boyfriend|mum'?s\s+boyfriend|cousin|"
          r"grandpa|grandfather|teacher|coach|babysitter|brother|neighbou?r|pastor|priest|tutor|youth\s+leader)")
_OTHER = (r"(?:friend|best friend|bestie|sister|brother|partner|girlfriend|boyfriend|wife|husband|mom|mum|mother|"
          r"dad|father|son|daughter|kid|child|niece|nephew|cousin|roommate|flatmate|coworker|co-worker|colleague|student|"
          r"classmate|teammate|client|patient|neighbou?r|aunt|uncle|grandma|grandpa|fianc[eé]e?|ex|girl|boy|guy|woman|man)")
_CHILD = (r"(?:(?:\d+[- ]?(?:year|yr)[- ]?old\s+)?(?:daughter|son|kid|child|children|niece|nephew|little (?:brother|sister)|"
          r"baby (?:brother|sister)|stepdaughter|stepson|student|grandchild|granddaughter|grandson))")
_RECENT = re.compile(
    r"\b(?:last night|yesterday|today|tonight|this (?:morning|afternoon|evening|weekend|week)|earlier today|just now|"
    r"right now|(?:an?|one|two|three|few|couple(?: of)?|\d+) (?:hours?|days?) ago|an hour ago|the other night|"
    r"last weekend|on (?:friday|saturday|sunday|monday|tuesday|wednesday|thursday)(?: night)?|"
    r"just (?:happened|got|been|was)|still happening|keeps? happening|is happening)\b", re.I)
_WHAT_NOW = re.compile(r"\bwhat\s+(?:do|should|can)\s+i\s+do\b", re.I)  # asking what to do now: urgent for oneself
_PAST = re.compile(
    r"\b(?:used to|(?:\d+|a few|few|several|many|some|two|three|ten) (?:years|months) ago|years ago|when i was|"
    r"as a (?:child|kid|teen|teenager|little girl|little boy)|in the past|long time ago|back then|growing up|childhood|"
    r"last year|months ago|in (?:19|20)\d\d|in (?:college|high school|university|my twenties|my teens)|before we met|"
    r"since (?:then|i was))\b", re.I)
_HYPERBOLE = re.compile(r"(\b(?:lol|lmao|lmfao|rofl|jk|j/k|haha\w*|hehe\w*|xd)\b|😂|🤣|💀|\bso (?:bad|boring|dumb|"
                        r"stupid|cringe|annoying|long|slow)\b|\b(?:this|that|the) (?:article|bot|answer|quote|passage|"
                        r"homework|exam|meeting|class|song|game|show|movie|traffic|queue|wifi|lecture|commute)\b)", re.I)
_DEFINITIONAL = re.compile(r"^\s*(?:what|how|why|when|where|is|are|does|do|can|should|could|which|who|explain|define|"
                           r"tell me)\b[^?]*\b(?:mean|means|meaning|definition|defined|signs? of|symptoms? of|"
                           r"articles?|research|studies|study|statistics|stats|say about|the difference|slang|stand for)\b", re.I)


def _p(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.I)


_SUICIDE_EXPLICIT = _p(
    r"\b(?:kill|killing|hang|hanging|shoot|shooting|drown|drowning|poison|poisoning|off|offing|unalive|unaliving)\s+myself\b",
    r"\b(?:end|ending|take|taking)\s+my\s+(?:own\s+)?life\b",
    r"\bend(?:ing)?\s+it\s+(?:all|tonight|today|now|for good)\b",
    r"\b(?:i|i'm|im|i am|i've been|ive been|i have been)\s+(?:going to|gonna|planning to|plan to|want to|wanna|ready to|"
    r"about to|thinking (?:of|about)|considering|trying (?:not )?to)\s+(?:commit(?:ting)?\s+)?suicide\b",
    r"\b(?:i|i've|ive)\s+(?:have|had)\s+(?:a|my)\s+(?:suicide\s+)?plan\s+(?:to|for)\s+(?:die|end|kill|suicide)\b",
    r"\bthinking\s+about\s+suicide\b[^.?!]{0,40}\b(?:plan|every day|all the time|constantly|again)\b",
    r"\b" + _I_AM + r"\s+(?:so\s+|really\s+|very\s+|kind of\s+|kinda\s+|a bit\s+|still\s+|actively\s+)?suicidal\b",
    r"\b(?:i|i've|ive)\s+(?:have|had|get|keep having|am having|'m having|been having)\s+(?:suicidal|dark)\s+(?:thoughts|urges|ideation|feelings)\b",
    r"\b(?:i|i just|i really|i honestly|i kinda|i kind of|i still|part of me|honestly i just)\s+(?:want|wanna|wish|wants)\s+"
    r"(?:to\s+)?(?:die|be dead|disappear forever|not exist|stop existing|not wake up|never wake up)\b",
    r"\bi\s+wish\s+i\s+(?:was|were|could be)\s+dead\b",
    r"\bi\s+wish\s+i\s+(?:could\s+)?(?:never|wouldn't|would not|didn't)\s+wake\s+up\b",
    r"\b(?:i|i just|i really)\s+(?:don't|dont|do not)\s+want\s+to\s+(?:live|be alive|exist|be here|wake up|go on)\b",
    r"\b(?:no|there's no|there is no|don't see (?:a|any)|dont see (?:a|any))\s+(?:reason|point)\s+(?:to|in)\s+"
    r"(?:live|living|going on|being alive|staying alive)\b",
    r"\b(?:everyone|everybody|they|my family|people)\s+(?:would be|'d be|are|will be)\s+better\s+off\s+without\s+me\b",
    r"\bi'?d\s+be\s+better\s+off\s+dead\b",
    r"\b(?:wrote|written|writing|left)\s+(?:a|my)\s+(?:suicide|goodbye)\s+(?:note|letter)s?\b",
    r"\bgiving\s+away\s+(?:all\s+)?my\s+(?:stuff|things|belongings|possessions|pets?)\b",
    r"\b(?:this is|these are)\s+my\s+(?:last|final)\s+(?:message|words|night|day|post)\b",
    r"\bi\s*(?:'ll|will)?\s*(?:won't|wont|will not|not)\s+be\s+(?:here|around|alive)\s+(?:tomorrow|much longer|anymore|by morning)\b",
    r"\b(?:i|i've|ive)\s+(?:have|got|bought|saved|been saving|collected|stockpiled|been stockpiling)\s+(?:up\s+)?"
    r"(?:a|the|enough|some|all my)?\s*(?:pills|rope|gun|razor|razors|blades?)\b[^.?!]{0,40}\b(?:end|die|kill|do it|enough|tonight|ready)\b",
    r"\b(?:going|want|wanna|plan|planning|ready|thinking\s+(?:of|about))\s+(?:to\s+)?(?:jump|jumping|throw myself|throwing myself)\s+"
    r"(?:off|from|in front of)\b",
    r"\bi\s+(?:took|swallowed|just took|have taken|'ve taken)\s+(?:a lot of|all (?:my|the)|too many|a bunch of|a handful of|\d+)\s+"
    r"(?:pills|tablets|meds|medication|sleeping pills)\b",
    r"\b(?:i|i'm|im|i am)\s+(?:done|finished)\s+with\s+(?:life|living|it all|this life)\b",
    r"\bsay(?:ing)?\s+goodbye\s+(?:to\s+everyone|forever|for good)\b",
    r"\bgoodbye\s+(?:everyone|everybody|world|forever)\b",
    r"\b(?:thinking|thought|think|keep thinking)\s+(?:about|of)\s+(?:overdosing|an overdose|od'?ing|taking all my (?:pills|meds))\b",
    r"\boverdos(?:e|ing)\s+on\s+(?:my|all my|all of my)\b",
    r"\bend(?:ing)?\s+(?:things|everything|it)\b(?!\s+with\b)[^.?!]{0,20}\b(?:tonight|for good|forever|once and for all)\b",
    r"\b(?:tonight|today)\s+is\s+the\s+(?:night|day)\b[^.?!]{0,20}\bend\b",
)
_ENDING_VAGUE = re.compile(r"\b(?:want|wanna|going|decided|ready|planning|thinking about|thinking of)\b[^.?!]{0,20}\bend(?:ing)?\s+"
                           r"(?:things|everything|it all)\b(?!\s+with\b)", re.I)
_SELF_HARM = _p(
    r"\b(?:cut|cutting|burn|burning|hurt|hurting|harm|harming|punish|punishing|scratch|scratching|starve|starving)\s+myself\b",
    r"\b(?:i|i've|ive|i have|i'm|im|i am|i keep|been)\s+(?:been\s+)?(?:self[- ]?harm(?:ing|ed)?|sh'?ing)\b",
    r"\bi\s+used\s+to\s+(?:self[- ]?harm|cut\s+myself|cut|sh)\b",
    r"\b(?:relapsed|relapse)\b[^.?!]{0,30}\b(?:self[- ]?harm|cutting|sh)\b",
    r"\burge\s+to\s+(?:cut|self[- ]?harm|hurt myself)\b",
)
_METHOD = _p(
    r"\b(?:lethal|fatal|deadly|overdose|toxic)\s+(?:dose|amount|quantity|level)\b",
    r"\bhow\s+(?:many|much)\b[^.?!]{0,40}\b(?:pills|tablets|paracetamol|tylenol|acetaminophen|ibuprofen|aspirin|insulin|"
    r"sleeping pills|xanax|benadryl|antidepressants|meds)\b[^.?!]{0,40}\b(?:die|kill|fatal|lethal|deadly|overdose|od|to end|"
    r"not wake up|never wake up)\b",
    r"\b(?:painless|quick|quickest|easy|easiest|surest|best|fastest|peaceful|least painful)\s+(?:way|ways|method|methods)\s+to\s+"
    r"(?:die|kill (?:myself|yourself|oneself)|end (?:it|my life|your life|things)|commit suicide|suicide)\b",
    r"\bhow\s+(?:to|do i|can i|do you|would i|would you|does one)\s+(?:tie\s+a\s+noose|hang\s+(?:myself|yourself|oneself)|"
    r"overdose|kill\s+(?:myself|yourself|oneself)|slit\s+\w+|commit suicide|end (?:my|your) life|poison myself)\b",
    r"\bhow\s+(?:high|far|tall)\b[^.?!]{0,40}\b(?:fall|jump)\b[^.?!]{0,30}\b(?:die|kill|survive|fatal|lethal)\b",
    r"\bhow\s+(?:high|far|tall)\b[^.?!]{0,40}\b(?:die|kill|fatal|lethal)\b[^.?!]{0,30}\b(?:fall|jump)\b",
    r"\bwhat\s+(?:height|floor)\b[^.?!]{0,30}\b(?:fatal|lethal|to die|kill)\b",
    r"\bwhich\s+(?:pills|medications?|meds|drugs|chemicals|poisons?)\b[^.?!]{0,30}\b(?:kill|lethal|fatal|deadly|to die|overdose)\b",
)
_LOCAL = r"(?:near me|nearby|close to me|close by|around here|in my (?:area|town|city)|to jump|i could jump|without (?:a |any )?(?:fences?|railings?|barriers?|nets?))"
_MEANS_LOCATION = _p(
    r"\b(?:tallest|highest)\s+(?:bridges?|buildings?|cliffs?|rooftops?|towers?|parking (?:garages?|structures?)|balconies)\b[^.?!]{0,30}\b" + _LOCAL,
    r"\b(?:bridges?|cliffs?|rooftops?|train tracks|railway (?:tracks|lines?)|overpass(?:es)?|buildings?)\b[^.?!]{0,40}\b" + _LOCAL,
    r"\bwhere\s+(?:can|could)\s+i\s+(?:buy|get|find)\s+(?:a\s+)?(?:gun|rope|noose|pills|sleeping pills)\b",
    r"\bwhen\s+(?:does|do)\s+the\s+(?:next\s+)?(?:train|trains)\b[^.?!]{0,30}\b(?:pass|go by|come through)\b",
)
_WARNING_SIGNS = _p(  # check-in on their own, crisis with distress
    r"\bi\s+(?:just\s+)?(?:bought|got|ordered|picked up)\s+(?:a\s+|some\s+)?(?:rope|noose|gun|pills|sleeping pills|razor blades|charcoal)\b",
    r"\b(?:don't|dont|do not)\s+think\s+i'?(?:ll| will)\s+(?:make it|survive|last|be here)\b",
    r"\b(?:after|by|past)\s+(?:tonight|tomorrow|this week)\b[^.?!]{0,30}\b(?:won't|will not|wont|none of this|no longer|not be)\b",
    r"\b(?:imagining|picturing|planning|thinking about)\s+my\s+(?:own\s+)?funeral\b",
)
_DISTRESS = _p(
    r"\b(?:can't|cant|cannot|can not)\s+(?:go on|do this anymore|take (?:it|this|any ?more)|keep going|cope|handle (?:it|this) anymore)\b",
    r"\b(?:nothing|none of it|life)\s+(?:matters|has meaning|is worth it|is pointless)\b",
    r"\bwhat'?s\s+the\s+point\s+(?:anymore|of (?:living|anything|life|going on))\b",
    r"\b(?:hopeless|worthless|a burden|no way out|empty inside|numb all the time)\b",
    r"\b(?:want|need)\s+(?:the|this|my)\s+pain\s+to\s+(?:stop|end|go away)\b",
    r"\b(?:want|need)\s+(?:it|everything)\s+(?:all\s+)?to\s+(?:stop|end)\b",
    r"\b(?:nobody|no one|no-one)\s+(?:would|will)\s+(?:miss|notice|care)\b",
    r"\b(?:i|i just)\s+(?:give up|gave up|can't anymore)\b",
    r"\b(?:lost|losing)\s+(?:my\s+job|everything|my\s+home|my\s+house|custody|my\s+kids)\b",
    r"\b(?:tired|sick)\s+of\s+(?:living|being alive|life|everything|it all|waking up)\b",
    r"\b(?:so|completely|totally|utterly)\s+alone\b",
    r"\bi\s+(?:hate|can't stand|cannot stand)\s+(?:myself|my life|being alive)\b",
    r"\bwish\s+i\s+could\s+(?:disappear|vanish|sleep forever|just not exist|stop existing)\b",
    r"\bwish\s+i\s+(?:had never been|was never|wasn't)\s+born\b",
)
_SLANG = re.compile(r"\b(?:kms|kys|unalive(?:d)? myself|i(?:'m| am)? (?:literally )?(?:dead|dying)(?!\s+(?:to|for|of|laughing|inside lol))|kill me now|i want to die|"
                    r"i wanna die|end me)\b", re.I)

_ASSAULTED = (r"(?:raped|sexually\s+assaulted|assaulted|molested|drugged|roofied|spiked|groped|sexually\s+abused|"
              r"sexually\s+harassed)\b")
_ASSAULT_SELF = _p(
    r"\bi\s+(?:just\s+|recently\s+|think\s+i\s+|guess\s+i\s+)?(?:was|got|had\s+been|have\s+been|'ve\s+been)\s+(?:just\s+)?"
    r"(?:\w+\s+)?" + _ASSAULTED,
    r"\b(?:ive\s+been|i\s+was\s+just|i'm\s+being|im\s+being|i\s+am\s+being|i\s+keep\s+getting)\s+(?:\w+\s+)?" + _ASSAULTED,
    r"\b(?:raped|sexually\s+assaulted|molested|assaulted|groped|roofied|is\s+raping|keeps\s+raping)\s+me\b",
    r"\bforced\s+(?:himself|herself|themselves)\s+on\s+me\b",
    r"\b(?:forced|forces|forcing|made|makes|making|coerced|blackmailed|blackmails)\s+me\s+(?:(?:to|into)\s+)?(?:have\s+sex|having\s+sex|"
    r"sex|do\s+(?:sexual\s+)?(?:things|stuff)|sexual|perform|send\s+nudes|sleep\s+with)\b",
    r"\bhad\s+sex\s+with\s+me\s+(?:when|while|after)\s+i\s+(?:was|said|had)\s+(?:asleep|passed\s+out|drunk|unconscious|no|"
    r"blacked\s+out|too\s+drunk)\b",
    r"\b(?:touched|grabbed)\s+me\s+without\s+(?:my\s+)?(?:consent|permission|asking)\b",
    r"\bi\s+said\s+no\b[^.?!]{0,30}\b(?:he|she|they)\s+(?:kept\s+going|didn't\s+stop|did\s+not\s+stop|wouldn't\s+stop|"
    r"did\s+it\s+anyway|continued)\b",
    r"\bwoke\s+up\b[^.?!]{0,60}\b(?:on\s+top\s+of\s+me|inside\s+me|touching\s+me|my\s+clothes\s+(?:off|gone)|with\s+my\s+clothes\s+off|naked)\b",
)
_PRESSURE = _p(  # coercion without force: a disclosure that gets a check-in
    r"\b(?:pressures|pressured|pressuring|guilt[- ]?trips?|guilt[- ]?tripping|guilted)\s+me\s+(?:to|into|for)\s+(?:have\s+sex|"
    r"having\s+sex|sex|sexual|do\s+(?:sexual\s+)?things|send\s+nudes|sleep\s+with)\b",
)
_VIOLENCE_SELF = _p(
    r"\bmy\s+" + _REL + r"\b[^.?!]{0,30}?\b(?:hits|beats|punches|kicks|chokes|strangles|slaps|shoves|pushes|hurts|abuses|threatens|"
    r"bites|burns|hit|beat|punched|kicked|choked|strangled|slapped|shoved|pushed|hurt|abused|threatened|attacked)\s+me\b",
    r"\bmy\s+" + _REL + r"\s+(?:is|has been|keeps|started|kept)\s+(?:hitting|beating|choking|hurting|abusing|threatening|strangling|"
    r"punching|slapping|kicking)\s+me\b",
    r"\bmy\s+" + _REL + r"\s+(?:threatens|threatened|said\s+(?:he|she|they)\s*(?:'d|would|will))\s+(?:to\s+)?(?:kill|hurt|beat)\s+me\b",
    r"\b(?:i'm|im|i am)\s+(?:scared|afraid|terrified)\s+(?:of\s+my\s+" + _REL + r"|to\s+go\s+home|(?:he|she)\s*(?:'ll|will)\s+(?:kill|hurt)\s+me)\b",
    r"\bmy\s+" + _REL + r"\s+(?:won't|wont|will not|doesn't|does not)\s+let\s+me\s+(?:leave|go out|see (?:my|anyone)|have (?:money|my phone))\b",
    r"\b(?:locks|locked)\s+me\s+(?:in|up|out)\b",
    r"\b(?:i'm|im|i am|i'm being|im being|i am being)\s+(?:being\s+|getting\s+)?(?:abused|beaten|hit)\b",
    r"\b(?:i'm|im|i am)\s+(?:in|stuck in)\s+an?\s+(?:abusive|violent)\s+(?:relationship|marriage|home|household)\b",
    r"\b(?:i\s+was|i've\s+been|ive\s+been|i\s+have\s+been)\s+(?:\w+\s+)?(?:abused|beaten)\s+by\s+my\b",
)
_CHILD_ABUSE_SELF = _p(
    r"\bmy\s+" + _ELDER + r"\b[^.?!]{0,50}?\b(?:touches|touched|keeps\s+touching|is\s+touching|molests|molested|rapes|raped)\s+(?:me|my)\b",
    r"\bmy\s+" + _ELDER + r"\s+(?:makes\s+me|made\s+me|shows\s+me|showed\s+me|sends\s+me|asks\s+me\s+for|wants\s+me\s+to)\b"
    r"[^.?!]{0,40}\b(?:private|privates|down there|touch|pictures|photos|nudes|naked|secret|sex|body)\b",
    r"\b(?:an\s+adult|a\s+grown[- ]?up|an\s+older\s+(?:man|guy|woman|boy)|a\s+(?:man|guy|woman)\s+(?:online|from\s+\w+))\s+"
    r"(?:is|keeps|has\s+been|wants\s+me|asked\s+me|asks\s+me|told\s+me)\b[^.?!]{0,40}\b(?:touch|nudes|pictures|photos|meet|secret|naked)\b",
)
_CHILD_ABUSE_OTHER = _p(
    r"\bmy\s+" + _CHILD + r"\b[^.?!]{0,40}\b(?:is\s+being|was|has\s+been|being|got|is|were)\s+(?:sexually\s+)?(?:abused|molested|"
    r"touched|hit|beaten|groomed|raped|assaulted)\b",
    r"\b(?:abusing|molesting|touching|grooming|hitting|beating|raping)\s+my\s+" + _CHILD + r"\b",
    r"\bmy\s+" + _CHILD + r"\s+(?:told|tells|said|says)\b[^.?!]{0,60}\b(?:touches|touched|touching|hurts|hurt|hits|abuses|abused|molested)\b",
    r"\b(?:a|one\s+of\s+my)\s+(?:child|kid|student|camper)\b[^.?!]{0,30}\b(?:told|disclosed|said)\b[^.?!]{0,60}\b(?:touches|touched|"
    r"abus\w+|hits|hurts|molest\w*)\b",
)
_DANGER = _p(
    r"\b(?:he|she|they|someone|somebody|my\s+" + _REL + r")\s*(?:is|'s|are|'re)\s+(?:outside\s+(?:my|the)\s+(?:door|house|room|window|"
    r"apartment|flat)|at\s+(?:my|the)\s+(?:door|window)|breaking\s+in|trying\s+to\s+(?:get|break)\s+in|in\s+my\s+(?:house|room|apartment)|"
    r"following\s+me|coming\s+(?:for\s+me|to\s+(?:hurt|kill|get)\s+me|back\s+to\s+hurt\s+me))\b",
    r"\b(?:he|she|they|someone|somebody|my\s+" + _REL + r")\s*(?:has|'s\s+got|got|is\s+holding|is\s+waving|grabbed)\s+a\s+"
    r"(?:gun|knife|weapon|bat|machete)\b",
    r"\b(?:outside\s+my\s+door|at\s+my\s+door|in\s+my\s+house)\b[^.?!]{0,30}\b(?:gun|knife|weapon)\b",
    r"\b(?:he|she|they|someone)\s*(?:is|'s|are)\s+(?:going\s+to|gonna|about\s+to)\s+(?:kill|hurt|shoot|stab)\s+me\b",
    r"\b(?:i'm|im|i am)\s+not\s+safe\s+(?:right\s+now|here|tonight|at\s+home)\b",
    r"\b(?:i'm|im|i am)\s+in\s+(?:danger|immediate\s+danger)\b",
    r"\b(?:i'm|im|i am)\s+(?:hiding|locked)\s+in\s+(?:the|my|a)\s+(?:bathroom|room|closet|car|bedroom)\b",
)
_SUPPORTER_SUICIDE = _p(
    r"\b(?:my|a)\s+" + _OTHER + r"\b[^.?!]{0,40}\b(?:wants\s+to\s+(?:die|kill\s+(?:herself|himself|themselves|themself))|"
    r"is\s+(?:suicidal|going\s+to\s+kill|talking\s+about\s+(?:suicide|killing|ending))|has\s+been\s+suicidal|"
    r"(?:said|says)\s+(?:she|he|they)\s+(?:wants?|want)\s+to\s+die|attempted\s+suicide|tried\s+to\s+kill|self[- ]?harms|"
    r"cuts\s+(?:herself|himself|themselves)|(?:is|has\s+been)\s+(?:self[- ]?harming|cutting))",
    r"\b(?:she|he|they)\s*(?:'s|is|are|'re)\s+suicidal\b",
    r"\b(?:my|a)\s+" + _OTHER + r"\s+who\s+(?:is\s+suicidal|self[- ]?harms|cuts|wants\s+to\s+die|attempted\s+suicide|has\s+suicidal)",
    r"\bmy\s+" + _OTHER + r"'?s?\s+(?:suicide\s+note|goodbye\s+(?:note|letter|message))\b",
    r"\bfound\s+(?:a|the)\s+(?:suicide|goodbye)\s+(?:note|letter)\b",
)
_SUPPORTER_ASSAULT = _p(
    r"\b(?:my|a)\s+" + _OTHER + r"\b[^.?!]{0,30}\b(?:was|got|has\s+been|had\s+been|were|is\s+being)\s+(?:\w+\s+)?(?:raped|"
    r"sexually\s+assaulted|assaulted|molested|drugged|sexually\s+abused|roofied)\b",
    r"\b(?:raped|sexually\s+assaulted|molested|drugged)\s+my\s+" + _OTHER + r"\b",
    r"\b(?:she|he|they)\s+(?:was|were|got|has\s+been)\s+(?:raped|sexually\s+assaulted|molested)\b",
    r"\b(?:a|my)\s+" + _OTHER + r"\s+who\s+(?:was|has\s+been|got|is)\s+(?:\w+\s+)?(?:raped|assaulted|molested|abused)\b",
    r"\b(?:support|help)\s+(?:a\s+)?(?:survivor|victim)\b",
)
_SUPPORTER_VIOLENCE = _p(
    r"\bmy\s+" + _OTHER + r"'?s?\s+(?:husband|wife|partner|boyfriend|girlfriend|bf|gf|dad|father|mom|mother|parents?)\s+"
    r"(?:hits|beats|abuses|chokes|hurts|threatens|is\s+abusing|is\s+hitting)\s+(?:her|him|them)\b",
    r"\bmy\s+" + _OTHER + r"\b[^.?!]{0,40}\b(?:her|his|their)\s+(?:husband|wife|partner|boyfriend|girlfriend|dad|father|mom|mother|"
    r"parents?)\s+(?:hits|beats|abuses|chokes|hurts|threatens|is\s+abusing|is\s+hitting)\b",
    r"\bmy\s+" + _OTHER + r"\b[^.?!]{0,30}\b(?:is\s+in\s+an\s+abusive|is\s+being\s+(?:abused|beaten|hit))\b",
    r"\b(?:a|my)\s+" + _OTHER + r"\s+(?:who\s+is|in)\s+(?:in\s+)?an?\s+abusive\s+relationship\b",
)
_URGENT_OTHER = re.compile(r"\b(?:tonight|right now|now|today|going to|gonna|about to|is planning|has a plan|has pills|has a gun|"
                           r"is missing|won't answer|wont answer|isn't answering|not answering|said goodbye|is\s+being)\b", re.I)
_AGE = r"(?:1[0-7]|[89]|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen)"
_NOT_AGE = (r"(?!\s*(?:minutes?|mins?|hours?|hrs?|days?|weeks?|months?|%|percent|kg|kilos?|lbs?|pounds|stone|feet|ft|foot|"
            r"inches|in\b|cm|km|miles|times|x\b|out of|/|of\b|dollars|bucks|euros|points|pts|years? (?:into|in|sober|clean|married|together|of)|"
            r"and\s+(?:a\s+)?half\s+(?:hours|weeks|months)))")
_MINOR = _p(
    r"\b(?:i'm|im|i am)\s+(?:only\s+|just\s+|barely\s+)?" + _AGE + r"\b" + _NOT_AGE,
    r"\b(?:i'm|im|i am)\s+(?:a\s+)?(?:minor|teen|teenager|middle\s*schooler|high\s*schooler|freshman\s+in\s+high\s+school|"
    r"sophomore\s+in\s+high\s+school|underage)\b",
    r"\b(?:i'm|im|i am)\s+in\s+(?:(?:[6-9]|1[0-2])(?:th)?|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth)\s+grade\b",
    r"\b(?:i'm|im|i am)\s+in\s+(?:middle|junior\s+high)\s+school\b",
    r"\bi'm\s+still\s+in\s+high\s+school\b",
    r"\bmy\s+age\s+is\s+" + _AGE + r"\b",
    r"\bas\s+a\s+" + _AGE + r"[- ]?(?:year|yr)[- ]?old\b",
    r"\b" + _AGE + r"\s*(?:years?\s*old|yrs?\s*old|yo|y/o)\s+(?:here|girl|boy|and\s+(?:i|my))\b",
    r"\b(?:1[0-7])[fm]\b",
)

@dataclass(frozen=True)
class Assessment:
    """What the crisis check found. ``reasons`` names rules, never the question's words."""

    level: str = NONE
    category: str | None = None
    categories: tuple[str, ...] = ()
    supporter: bool = False
    minor: bool = False
    reasons: tuple[str, ...] = ()

    @property
    def crisis(self) -> bool:
        return self.level == CRISIS


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("’", "'").replace("‘", "'").replace("`", "'")
    text = re.sub(r"[\u200b-\u200f\u2060-\u2069\ufeff]", "", text)
    return " ".join(text.split())


@dataclass
class _Found:
    crisis: set[str] = field(default_factory=set)
    check_in: set[str] = field(default_factory=set)
    reasons: list[str] = field(default_factory=list)

    def add(self, level: str, category: str, reason: str) -> None:
        (self.crisis if level == CRISIS else self.check_in).add(category)
        self.reasons.append(reason)


class CrisisDetector:
    """Rule-based crisis and disclosure detection, with an optional semantic check-in layer."""

    def __init__(self, semantic: "SemanticLayer | None" = None) -> None:
        self.semantic = semantic

    def assess(self, question: str, query_vector=None) -> Assessment:
        text = _clean(question)
        found = _Found()
        hyperbole = bool(_HYPERBOLE.search(text))
        definitional = bool(_DEFINITIONAL.search(text))
        minor = bool(_MINOR.search(text))
        recent = bool(_RECENT.search(text))
        asking_now = bool(_WHAT_NOW.search(text))
        lasting = bool(_PAST.search(text)) and not recent  # something that happened before: a disclosure
        distress = bool(_DISTRESS.search(text))

        # The asker: suicide and self-harm, method seeking, means nearby.
        explicit = bool(_SUICIDE_EXPLICIT.search(text))
        if explicit:
            found.add(CHECK_IN if hyperbole and not distress else CRISIS, "suicide", "suicide_explicit")
        elif _SLANG.search(text) and not hyperbole and not definitional:
            found.add(CRISIS if distress else CHECK_IN, "suicide", "suicide_slang")
        elif _ENDING_VAGUE.search(text) and not hyperbole:  # "I want to end things": a breakup, or not
            found.add(CRISIS if distress else CHECK_IN, "suicide", "ending_vague")
        if _WARNING_SIGNS.search(text):
            found.add(CRISIS if distress else CHECK_IN, "suicide", "warning_sign")
        if _SELF_HARM.search(text):
            found.add(CHECK_IN if lasting else CRISIS, "suicide", "self_harm")
        if _METHOD.search(text):
            found.add(CRISIS, "suicide", "method_seeking")
        if _MEANS_LOCATION.search(text):
            found.add(CRISIS if (distress or explicit) else CHECK_IN, "suicide", "means_location")
        # The asker: sexual assault, violence at home, abuse as a child, danger now.
        if _ASSAULT_SELF.search(text):
            found.add(CHECK_IN if lasting and not asking_now else CRISIS, "sexual_assault", "assault_self")
        elif _PRESSURE.search(text):
            found.add(CHECK_IN, "sexual_assault", "pressure")
        if _VIOLENCE_SELF.search(text):
            found.add(CHECK_IN if lasting else CRISIS, "partner_violence", "violence_self")
        if _CHILD_ABUSE_SELF.search(text):
            if lasting and not minor:  # an adult remembering childhood abuse
                found.add(CHECK_IN, "sexual_assault", "child_abuse_past")
            else:
                found.add(CRISIS, "child_abuse", "child_abuse_self")
        if minor and found.crisis & {"sexual_assault", "partner_violence"}:
            found.add(CRISIS, "child_abuse", "minor_abused")
        if _DANGER.search(text):
            found.add(CRISIS, "immediate_danger", "immediate_danger")

        # Someone else: supporters get resources for supporters.
        supporter = False
        if _CHILD_ABUSE_OTHER.search(text):
            found.add(CRISIS, "child_abuse", "child_abuse_other")
            supporter = True
        if supporter or not (found.crisis or found.check_in):
            urgent = bool(_URGENT_OTHER.search(text) or recent) and not lasting
            for category, pattern in (("suicide", _SUPPORTER_SUICIDE), ("sexual_assault", _SUPPORTER_ASSAULT),
                                      ("partner_violence", _SUPPORTER_VIOLENCE)):
                if pattern.search(text):
                    supporter = True
                    found.add(CRISIS if urgent else CHECK_IN, category, f"supporter_{category}")

        if distress and not hyperbole and not (found.crisis or found.check_in):
            found.add(CHECK_IN, "suicide", "distress")
        if not (found.crisis or found.check_in) and self.semantic is not None and not hyperbole:
            category = self.semantic.check(text, query_vector)
            if category:
                found.add(CHECK_IN, category, "semantic")

        if found.crisis:
            level, cats = CRISIS, found.crisis
        elif found.check_in:
            level, cats = CHECK_IN, found.check_in
        else:
            level, cats = NONE, set()
        ordered = tuple(sorted(cats, key=_PRIORITY.__getitem__))
        return Assessment(level, ordered[0] if ordered else None, ordered, supporter, minor, tuple(found.reasons))


class SemanticLayer:
    """Check-in when a first-person question is close to a first-person crisis statement.

    Uses the embedding model the bot already loads; it never raises a crisis card by itself.
    """

    _FIRST_PERSON = re.compile(r"\b(?:i|i'm|im|me|my|myself|i've|ive)\b", re.I)

    def __init__(self, get_embedder: Callable[[], object], prototypes: dict[str, Sequence[str]] | None = None,
                 threshold: float = 0.62) -> None:
        self._get_embedder = get_embedder  # a function: the model loads when first needed
        self.threshold = threshold
        self._protos = prototypes or load_prototypes()
        self.categories = [c for c, texts in self._protos.items() for _ in texts]
        self._vectors = None

    @property
    def vectors(self):
        if self._vectors is None:
            self._vectors = self._get_embedder().encode([t for texts in self._protos.values() for t in texts])
        return self._vectors

    def check(self, text: str, query_vector=None) -> str | None:
        if not self._FIRST_PERSON.search(text) or _DEFINITIONAL.search(text):
            return None
        vec = query_vector if query_vector is not None else self._get_embedder().encode([text])[0]
        scores = self.vectors @ vec
        best = int(scores.argmax())
        return self.categories[best] if float(scores[best]) >= self.threshold else None


@lru_cache(maxsize=1)
def load_prototypes() -> dict[str, tuple[str, ...]]:
    text = _pkg_resources.files("bot.data").joinpath("crisis_prototypes.yaml").read_text(encoding="utf-8")
    return {k: tuple(v) for k, v in yaml.safe_load(text).items()}


# ----------------------------------------------------------------------------------------------
# What the answer carries


@dataclass(frozen=True)
class SafetyInfo:
    note: str = CONSENT_NOTE
    crisis: bool = False
    category: str | None = None
    categories: tuple[str, ...] = ()
    level: str = NONE
    supporter: bool = False
    minor: bool = False
    resources: tuple[Resource, ...] = ()
    emergency: str | None = None
    message: str | None = None  # the crisis card or the minor's message, when nothing is quoted
    check_in: str | None = None
    growth_note: str | None = None

    def as_dict(self) -> dict:
        return {
            "note": self.note, "crisis": self.crisis, "category": self.category, "level": self.level,
            "supporter": self.supporter, "minor": self.minor,
            "resources": [r.as_dict() for r in self.resources], "emergency": self.emergency,
            "message": self.message, "check_in": self.check_in, "growth_note": self.growth_note,
        }


_OPENINGS = {
    "suicide": "It sounds like you're carrying something really heavy right now. You deserve support, and talking "
               "to someone can help.",
    "sexual_assault": "I'm so sorry this happened. It is not your fault, and you deserve support.",
    "partner_violence": "You deserve to be safe. What is happening is not your fault.",
    "child_abuse": "No one is allowed to hurt you or touch you in a way that feels wrong. It is not your fault, and "
                   "telling a trusted adult or calling a helpline is the right thing to do.",
    "immediate_danger": "Your safety comes first.",
}
_SUPPORTER_OPENINGS = {
    "suicide": "It's good that you're looking out for them. If they might act on it now, call the emergency "
               "number and stay with them if it's safe.",
    "sexual_assault": "It's good that you're there for them. Believing them and letting them choose what happens "
                      "next helps most.",
    "partner_violence": "It's good that you're looking out for them. These lines advise friends and family too.",
    "child_abuse": "Thank you for taking this seriously. A child who is being hurt needs an adult to act: "
                   "these lines advise what to do next, and the emergency number is for immediate danger.",
    "immediate_danger": "If someone is in danger now, call the emergency number.",
}


class SafetyPolicy:
    """Turns an assessment into what the answer shows: card, check-in, notes and resources."""

    def __init__(self, book: ResourceBook | None = None, detector: CrisisDetector | None = None) -> None:
        self.book = book or ResourceBook.load()
        self.detector = detector or CrisisDetector()

    def assess(self, question: str, query_vector=None) -> Assessment:
        return self.detector.assess(question, query_vector)

    def crisis_card(self, a: Assessment, locale: str | None) -> str:
        cat = a.category or "suicide"
        emergency = self.book.emergency(locale)
        opening = (_SUPPORTER_OPENINGS if a.supporter else _OPENINGS)[cat]
        lines = [opening, "", BOT_DISCLAIMER]
        for r in self.resources_for(a, locale):
            lines.append(f"• {r.line()}")
        lines.append(f"If you or anyone is in immediate danger, call {emergency} now.")
        return "\n".join(lines)

    def resources_for(self, a: Assessment, locale: str | None) -> list[Resource]:
        cats = [c for c in a.categories if c != "immediate_danger"] or (["suicide"] if a.level != NONE else [])
        if a.minor:
            cats = ["youth", *cats]
        return self.book.for_categories(cats, locale)

    def info(self, question: str, a: Assessment, locale: str | None) -> SafetyInfo:
        emergency = self.book.emergency(locale)
        growth = GROWTH_NOTE if is_growth_question(question) else None
        if a.level == CRISIS:
            return SafetyInfo(crisis=True, category=a.category, categories=a.categories, level=CRISIS,
                              supporter=a.supporter, minor=a.minor,
                              resources=tuple(self.resources_for(a, locale)), emergency=emergency,
                              message=self.crisis_card(a, locale))
        if a.minor:
            res = tuple(self.book.for_categories(["youth", *a.categories], locale))
            msg = ("This library is written for adults, so I won't quote from it here. For questions about "
                   "relationships, your body or anything that has happened to you, a trusted adult (a parent, "
                   "school counsellor or doctor) or these free, confidential lines can help:\n"
                   + "\n".join(f"• {r.line()}" for r in res))
            return SafetyInfo(level=a.level, category=a.category, categories=a.categories, minor=True,
                              supporter=a.supporter, resources=res, emergency=emergency, message=msg)
        if a.level == CHECK_IN:
            res = tuple(self.resources_for(a, locale))
            first = res[0]
            who = "for you or for them" if a.supporter else "for you"
            check = (f"If this is close to home right now, talking to a person can help {who}: "
                     f"{first.line()}" + (", or findahelpline.com" if "findahelpline" not in first.line() else "")
                     + ".")
            return SafetyInfo(level=CHECK_IN, category=a.category, categories=a.categories, supporter=a.supporter,
                              resources=res, emergency=emergency, check_in=check, growth_note=growth)
        return SafetyInfo(growth_note=growth)
