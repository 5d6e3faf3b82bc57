"""The words of the knowledge base: what people type and what the articles say.

Abbreviations, synonyms and colloquial phrasing are held as groups of equivalent phrases.
A query that contains any phrase of a group is expanded with every phrase of it, so
"DVPO" finds "Domestic Violence Protection Order" and the other way round.
Phrases are lower case, words separated by single spaces, apostrophes dropped.
"""

from __future__ import annotations

from typing import Final

SYNONYM_GROUPS: Final[tuple[tuple[str, ...], ...]] = (
    # Orders, schemes and meetings (abbreviations both ways).
    ("dvpo", "dvpn", "domestic violence protection order", "domestic violence protection notice",
     "dapo", "dapn", "domestic abuse protection order", "domestic abuse protection notice",
     "protection order", "protection notice", "kicked out for 28 days", "barred from home"),
    ("marac", "multi agency risk assessment conference", "risk conference"),
    ("idva", "independent domestic violence adviser", "independent domestic violence advocate",
     "victim advocate", "victim support worker", "victim worker"),
    ("dash", "dash ric", "risk identification checklist", "risk checklist", "ric",
     "safelives checklist", "14 ticks", "fourteen ticks", "dara"),
    ("mappa", "multi agency public protection arrangements"),
    ("ccb", "coercive control", "controlling or coercive behaviour", "controlling behaviour",
     "coercive and controlling behaviour", "s76", "section 76",
     # Abuse that is not physical, and the everyday question whether it counts.
     "psychological abuse", "emotional abuse", "verbal abuse", "mental abuse", "gaslighting",
     "mind games", "not physical", "non physical", "isnt physical", "be physical",
     "no violence", "without violence"),
    ("dvds", "clares law", "clare", "domestic violence disclosure scheme", "right to ask",
     "right to know",
     # Telling a (new) partner about someone's past.
     "his past", "his history", "his record", "criminal record", "previous convictions",
     "past convictions", "violent past", "abusive past", "history of violence",
     "history of abuse", "new partner", "new girlfriend", "new boyfriend", "new relationship",
     "warn her", "warn his partner"),
    ("nfs", "non fatal strangulation", "strangulation", "strangled", "strangle", "strangling",
     "choking", "choked", "choke", "chokes", "suffocation", "suffocate", "hands round her neck",
     "hands around her neck", "grabbed her throat", "s75a", "section 75a"),
    ("spo", "stalking protection order", "stalking", "stalker", "stalks", "stalked",
     "following her", "followed her", "turning up", "turns up", "keeps turning up",
     "fixated", "obsessed", "obsessive"),
    ("harassment", "harassing", "harasses", "bombarding", "keeps texting", "keeps messaging",
     "keeps calling", "won't leave her alone"),
    ("drive", "drive project", "drive programme", "serial perpetrator", "high harm perpetrator",
     "high harm"),
    ("weapon", "weapons", "knife", "knives", "gun", "guns", "firearm", "firearms", "armed",
     "blade", "machete"),
    ("dvpp", "perpetrator programme", "behaviour change programme", "domestic violence programme",
     "course", "programme", "bbr", "building better relationships", "respect accredited",
     "anger management",
     # Whether a person can change, and behaviour change work.
     "behaviour change", "change his behaviour", "changing his behaviour", "going to change",
     "will he change", "can he change", "wont change", "cant change", "ever change",
     "people change"),
    ("couples counselling", "couples therapy", "relationship counselling", "mediation"),
    ("apva", "cpv", "child to parent violence", "adolescent to parent violence",
     "teen hitting parent", "son hitting mum", "son hits mum", "teenager", "teenage", "teen",
     "young person", "young people", "adolescent", "under 16", "16 year old", "17 year old",
     "mum and dad", "his parents", "at his mum", "hitting his mum",
     "hits his mum", "towards his parents"),
    ("hba", "honour based abuse", "honour", "izzat", "shame", "forced marriage", "fmu",
     "forced marriage unit", "fgm", "female genital mutilation", "karma nirvana",
     "to marry", "marry abroad", "married abroad", "taken abroad", "arranged marriage",
     "married off", "forced to marry"),
    ("lgbt", "lgbtq", "lgbtq+", "gay", "lesbian", "bisexual", "same sex", "trans",
     "transgender", "non binary", "galop", "outing"),
    ("female perpetrator", "female perpetrators", "woman who uses abuse", "women who use abuse",
     "abusive woman", "abusive women", "she hits him", "male victim", "male victims"),
    ("economic abuse", "financial abuse", "financial control", "money", "coerced debt", "debt",
     "benefits", "universal credit", "bank account", "controls the money", "takes her wages"),
    ("tech abuse", "technology facilitated abuse", "spyware", "stalkerware", "tracker",
     "tracking", "gps", "airtag", "tracking device", "location sharing", "find my",
     "reading her phone", "checks her phone", "checking her phone", "intimate image",
     "intimate images", "revenge porn", "nudes", "sharing images", "hacking", "passwords",
     "smart doorbell"),
    ("suicide", "suicidal", "kill himself", "kill herself", "top himself", "end his life",
     "end it all", "self harm", "self-harm", "overdose", "threatens suicide"),
    ("substance misuse", "alcohol", "drinking", "drunk", "booze", "drugs", "drug use", "cocaine",
     "coke", "cannabis", "weed", "addiction", "off his head",
     # Slang for drugs and drink.
     "gear", "on the gear", "heroin", "smack", "crack", "spice", "pills", "stoned", "pissed",
     "on the drink", "on drugs", "using drugs"),
    ("mental health", "mental illness", "depression", "anxiety", "psychosis", "bipolar",
     "ptsd", "sectioned", "crisis team"),
    ("children", "child", "kids", "kid", "son", "daughter", "baby", "unborn", "pregnant",
     "pregnancy"),
    ("child contact", "contact with the kids", "contact with the children", "access to the kids",
     "seeing the kids", "see his kids", "visitation", "child arrangements", "family court",
     "cafcass", "pd12j", "custody"),
    ("childrens social care", "social services", "social worker", "child protection",
     "section 47", "section 17", "safeguarding referral"),
    ("information sharing", "share information", "sharing information", "share info",
     "tell someone", "pass on", "gdpr", "uk gdpr", "data protection", "confidentiality",
     "confidential", "consent", "caldicott", "section 115", "breach confidentiality"),
    ("denial", "denies", "denying", "deny", "minimisation", "minimise", "minimising",
     "minimizes", "minimizing", "playing it down", "plays it down", "blame", "blames",
     "blaming", "victim blaming", "her fault", "made him do it", "wound him up", "provoked",
     "it was mutual", "not that bad", "only pushed", "just a push", "excuses",
     # Running the victim down, calling her a liar.
     "psycho", "nutter", "hysterical", "crazy", "shes crazy", "she is crazy", "shes mad",
     "she is mad", "shes lying", "she is lying", "making it up", "made it up"),
    ("collusion", "colluding", "collude", "colluded", "taking his side", "taking sides",
     "on his side", "sympathise", "manipulated", "manipulation", "charming", "won me over",
     "drawn in"),
    ("disclosure", "disclosed", "discloses", "admitted", "admits", "admission", "confessed",
     "told me he hit", "opened up", "owned up"),
    ("risk assessment", "risk identification", "risk factors", "red flags", "warning signs",
     "high risk", "risk of homicide", "homicide", "kill her", "murder", "dangerous",
     "escalating", "escalation"),
    ("safety planning", "safety plan", "victim safety", "keep her safe", "protect her",
     "partner support", "partner contact", "her safety", "partner safety"),
    ("immediate danger", "emergency", "999", "urgent", "right now", "in danger", "danger now",
     "silent solution", "press 55", "55", "call the police", "police now",
     "on his way", "on his way round", "going round", "going to her house", "at her door",
     "banging on the door", "breaking in"),
    ("professional safety", "staff safety", "worker safety", "my safety", "my own safety",
     "lone working", "lone worker", "home visit", "home visits", "threatened me",
     "threatening me", "intimidating me", "intimidation", "scared of him", "afraid of him",
     "vicarious trauma", "burnout"),
    ("domestic abuse", "domestic violence", "dv", "da", "ipv", "intimate partner violence"),
    ("partner", "ex partner", "ex", "girlfriend", "boyfriend", "gf", "bf", "wife", "husband",
     "missus", "spouse", "former partner"),
    ("hit", "hits", "hitting", "punched", "punch", "slap", "slapped", "slapping", "kicked",
     "beat", "beats",
     "beating", "battered", "assault", "assaulted", "physical violence", "violent",
     "kicking off", "kicks off", "kicked off", "kick off", "lashing out", "lashes out",
     "lashed out", "gets nasty", "gets violent", "aggressive", "aggression"),
    ("police", "cops", "arrested", "bail", "bail conditions", "charged"),
    ("non molestation order", "non mol", "nonmol", "restraining order", "occupation order",
     "injunction"),
    ("isolation", "isolating", "isolates", "cut off", "won't let her see", "wont let her see",
     "jealous", "jealousy", "possessive", "checks up on her", "monitoring"),
    ("probation", "probation officer", "licence conditions", "licence", "offender manager"),
)  # fmt: skip

# Query words that carry no meaning for search. Kept short: domain words are never here.
STOPWORDS: Final[frozenset[str]] = frozenset(
    """
    a about above after again against all am an and any are arent as at be because been
    before being below between both but by can cant could couldnt did didnt do does doesnt
    doing dont down during each few for from further get gets getting got had hadnt has hasnt
    have havent having he hed hell hes her here heres hers herself him himself his how hows i
    id ill im ive if in into is isnt it its itself lets me more most mustnt my myself no nor
    not of off on once only or other ought our ours ourselves out over own same shant she
    shed shell shes should shouldnt so some such than that thats the their theirs them
    themselves then there theres these they theyd theyll theyre theyve this those through to
    too under until up very was wasnt we wed well were weve werent what whats when whens where
    wheres which while who whos whom why whys with wont would wouldnt you youd youll youre
    youve your yours yourself yourselves s t just also really keep keeps still want wants
    might may will shall must gonna wanna tbh lol
    need needs know say says said tell told think ok okay please help advice question
    someone somebody anyone guy man bloke woman lady person people client clients service
    user worker working work job thing things something way ask asking do does
    """.split()
)

# Terms for each pre-chat topic (options.TOPICS), used to suggest articles while a
# professional waits.
TOPIC_TERMS: Final[dict[str, str]] = {
    "risk": "risk identification dash high risk",
    "referral": "drive marac referral perpetrator programme",
    "denial": "denial minimisation blame",
    "coercive-control": "coercive control",
    "children": "children child contact safeguarding",
    "information-sharing": "information sharing consent",
    "engagement": "perpetrator programme denial engagement",
    "other": "",
}
