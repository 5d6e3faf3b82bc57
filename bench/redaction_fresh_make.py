# ruff: noqa: E501  (hand-written messages read better unwrapped)
"""Write the fresh redaction test set (bench/data/redaction_fresh.jsonl).

Written before reading the engine's code or word lists (only docs/redaction.md and the
benchmark script were read), to measure the engine on text unlike the earlier sets: Welsh
addresses and schools, flats and named blocks ("flat 4 Kingsley Court"), CRO/PNC numbers,
nurseries, towns across England and Wales (many small ones, several that look like names or
words), names from many backgrounds, names that are ordinary words, and many hard negatives
(agencies, legal terms, plural acronyms, ages, scores, times, towns, months, article-style text
with capitalised instructions at line starts).

Identifiers are marked inline as ``[[value|TYPE]]``; offsets are computed when the markup is
stripped and every span is checked (text[start:end] is the value, trimmed, no overlaps).
Conventions, as in the independent set: titles ("Mr", "DC") and a possessive "'s" are outside the
span; a weekday written before a date is inside the DATE; the town after a street is outside the
ADDRESS; "flat N, …" is inside it.

Structured values come from a seeded generator with its own check-digit code: Ofcom drama-range
phone numbers, example.com/org/net emails, documentation IP ranges, modulus-11-valid NHS numbers,
Luhn-valid card numbers, NI numbers with valid prefixes. Everything is invented.

The set is shuffled (fixed seed) and split by line parity: fixes may be chosen by looking at the
even lines (0-based) only; the odd lines are the untouched test.

Usage: python bench/redaction_fresh_make.py
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

OUT = Path(__file__).resolve().parent / "data" / "redaction_fresh.jsonl"
TYPES = {
    "NAME", "PHONE", "EMAIL", "POSTCODE", "ADDRESS", "DATE", "NHS", "NI", "REF", "PLATE",
    "CARD", "BANK", "IP", "URL", "HANDLE", "SCHOOL",
}  # fmt: skip
MARK = re.compile(r"\[\[(.+?)\|([A-Z]+)\]\]")

rng = random.Random(20261124)


def m(value: str, kind: str) -> str:
    return f"[[{value}|{kind}]]"


# ---------------------------------------------------------------- structured values


def nhs_number() -> str:
    while True:
        digits = [rng.randrange(10) for _ in range(9)]
        rest = 11 - sum(d * (10 - i) for i, d in enumerate(digits)) % 11
        check = 0 if rest == 11 else rest
        if check != 10:
            return "".join(map(str, digits)) + str(check)


def nhs_valid(number: str) -> bool:
    d = [int(c) for c in number if c.isdigit()]
    rest = 11 - sum(x * (10 - i) for i, x in enumerate(d[:9])) % 11
    return len(d) == 10 and rest != 10 and (0 if rest == 11 else rest) == d[9]


def nhs() -> str:
    d = nhs_number()
    assert nhs_valid(d)
    return m(rng.choice([d, f"{d[:3]} {d[3:6]} {d[6:]}"]), "NHS")


def luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed([c for c in number if c.isdigit()])):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def card() -> str:
    while True:
        prefix = rng.choice(["4", "51", "53", "55", "2221"])
        body = prefix + "".join(str(rng.randrange(10)) for _ in range(15 - len(prefix)))
        for last in "0123456789":
            if luhn_ok(body + last):
                d = body + last
                break
        if rng.random() < 0.5:
            d = " ".join(d[i : i + 4] for i in range(0, 16, 4))
        assert luhn_ok(d)
        return m(d, "CARD")


def mobile() -> str:
    t = f"{rng.randrange(1000):03d}"
    return m(
        rng.choice([f"07700 900{t}", f"07700900{t}", f"+44 7700 900{t}", f"07700 900 {t}"]), "PHONE"
    )


def landline() -> str:
    t = f"{rng.randrange(1000):03d}"
    v = rng.choice(
        [
            f"029 2018 0{t}",
            f"01632 960{t}",
            f"0118 496 0{t}",
            f"0116 496 0{t}",
            f"0191 498 0{t}",
            f"0114 496 0{t}",
            f"01632960{t}",
            f"0151 496 0{t}",
        ]
    )
    return m(v, "PHONE")


def ni() -> str:
    while True:
        pre = rng.choice("ABCEGHJKLMNOPRSTWXYZ") + rng.choice("ABCEGHJKLMNPRSTWXYZ")
        if pre not in {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}:
            break
    digits = "".join(str(rng.randrange(10)) for _ in range(6))
    suf = rng.choice("ABCD")
    return m(
        rng.choice([pre + digits + suf, f"{pre} {digits[:2]} {digits[2:4]} {digits[4:]} {suf}"]),
        "NI",
    )


def ip() -> str:
    return m(
        rng.choice(
            [
                f"192.0.2.{rng.randrange(1, 255)}",
                f"203.0.113.{rng.randrange(1, 255)}",
                f"2001:db8::{rng.randrange(1, 4096):x}",
            ]
        ),
        "IP",
    )


def cro() -> str:
    serial = rng.randrange(1, 999999)
    yy = rng.randrange(0, 100)
    letter = rng.choice("ABCDEFGHJKLMNPQRTUVWXY")
    return m(f"{serial:06d}/{yy:02d}{letter}", "REF")


def pnc() -> str:
    yy = rng.randrange(0, 100)
    letter = rng.choice("ABCDEFGHJKLMNPQRTUVWXY")
    serial = rng.randrange(1, 9999999)
    if rng.random() < 0.5:
        return m(f"{yy:02d}/{serial % 1000000:06d}{letter}", "REF")
    return m(f"{1990 + yy % 35}/{serial:07d}{letter}", "REF")


def positives() -> list[str]:
    P, L, N, C, IPA, CRO, PNC = mobile, landline, nhs, card, ip, cro, pnc
    return [
        # ---- probation officers
        f"PO here, my case {m('Gethin Pryce', 'NAME')} has moved to {m('27 Heol Llanishen Fach', 'ADDRESS')}, Rhiwbina. partner is {m('Carys', 'NAME')}",
        f"his CRO is {CRO()} and PNC {PNC()}, can you advise on the MAPPA level",
        f"released on licence to {m('flat 4 Kingsley Court', 'ADDRESS')} in Hyde, AP place fell through",
        f"{m('Oluwaseun', 'NAME')} is on an SSO with a BBR requirement, victim is {m('Folake Adeyemi', 'NAME')}",
        f"pop is {m('Dariusz Wójcik', 'NAME')} dob {m('12/03/1986', 'DATE')}, lives {m('3 Ffordd y Glowyr', 'ADDRESS')}, Ammanford",
        f"CRN {m('K482913', 'REF')}, OASys done last month. new partner called {m('Hope', 'NAME')} who has a 4 yr old",
        f"licence condition not to contact {m('Shabnam Akhtar', 'NAME')} or attend {m('12 Stryd Fawr', 'ADDRESS')}, Pwllheli",
        f"{m('Mr Kowalczyk', 'NAME').replace('[[Mr ', 'Mr [[')} says he moved out of {m('flat 2, Ashdown Court', 'ADDRESS')} on {m('tuesday 4th june', 'DATE')}",
        f"PSR due for {m('Leroy Campbell', 'NAME')}, he denies the strangulation, victim {m('Marcia', 'NAME')} says otherwise",
        f"the victim {m('Bethan', 'NAME')} rang me from {P()} - he was outside her mum's at {m('9 Lôn Goed', 'ADDRESS')}",
        f"can you check CRO {CRO()}? he gave a different name, says he is {m('Ciaran Doherty', 'NAME')}",
        f"hi it's {m('Faith', 'NAME')} from probation in Oswestry, quick one about a DVDS",
        f"he was recalled after going to {m('6 Maes Hyfryd', 'ADDRESS')}, Llangefni where {m('Eluned', 'NAME')} lives",
        f"my pop {m('Abdirahman Warsame', 'NAME')} wants to do Caring Dads, his son {m('Yusuf', 'NAME')} is 6",
        f"{m('Tendai', 'NAME')} is on tag at {m('14 Cilgant y Llan', 'ADDRESS')}, curfew 7pm to 7am",
        f"prison no {m('A4471KD', 'REF')}, due out {m('friday 19th july', 'DATE')}, going to an AP in Shildon",
        f"the victim's new address is {m('flat 11, Mercia Court', 'ADDRESS')} - please do NOT share with {m('Jermaine', 'NAME')}",
        f"{m('Krzysztof', 'NAME')} told me his ex {m('Agnieszka', 'NAME')} has a new bloke called {m('Mark', 'NAME')}",
        # ---- social workers
        f"SW from Wrexham CS. mum is {m('Kayleigh Roberts', 'NAME')}, kids {m('Alfie', 'NAME')} (7) and {m('Poppy', 'NAME')} (3), dad is {m('Rhys Vaughan', 'NAME')}",
        f"{m('Poppy', 'NAME')} attends {m('Little Explorers Day Nursery', 'SCHOOL')} in Mold",
        f"the children go to {m('Ysgol Gynradd Bryn Coch', 'SCHOOL')}, DSL is {m('Mrs Pritchard', 'NAME').replace('[[Mrs ', 'Mrs [[')}",
        f"ICPC on {m('Monday 9th September', 'DATE')} for {m('Amara', 'NAME')}, dad {m('Kwame Mensah', 'NAME')} not invited",
        f"family moved to {m('22 Rhodfa Glyndwr', 'ADDRESS')}, Aberystwyth without telling us",
        f"his son {m('Jaxon', 'NAME')} is at {m('Sunnyside Pre-School', 'SCHOOL')}, nursery raised concerns re bruising",
        f"mum's number is {P()}, she prefers texts, her name is {m('Precious Okafor', 'NAME')}",
        f"{m('Autumn', 'NAME')} (14) disclosed that {m('Darren', 'NAME')} hit her mum with a belt",
        f"new partner {m('Ray', 'NAME')} has a history, the girls {m('Daisy', 'NAME')} and {m('Ivy', 'NAME')} are 4 and 2",
        f"CP plan for {m('Zainab Hussain', 'NAME')}, school is {m('Eastbrook Academy', 'SCHOOL')}, SENCO very involved",
        f"child is {m('Mei Ling Chen', 'NAME')} dob {m('03.11.2016', 'DATE')}, attends {m('Hollybank Primary', 'SCHOOL')}",
        f"case number {m('CF24C00871', 'REF')}, final hearing {m('wed 3rd july', 'DATE')} at Cardiff family court",
        f"he kept turning up at {m('Bright Horizons Nursery', 'SCHOOL')} asking for {m('Ruby', 'NAME')}",
        f"mum {m('Giedre Kazlauskiene', 'NAME')} speaks some english, interpreter booked, dad {m('Andrius', 'NAME')} refuses",
        f"the kids are at {m('Ysgol y Wern', 'SCHOOL')} and {m('Ysgol Gyfun Cwm Rhymni', 'SCHOOL')}",
        f"strategy meeting {m('thursday 14th march', 'DATE')}, {m('Siobhan', 'NAME')} from the MASH will chair",
        f"{m('Holly', 'NAME')}'s dad is in prison and {m('Holly', 'NAME')} writes to him",
        f"{m('Nasreen', 'NAME')}'s brother {m('Tariq', 'NAME')} is making threats on behalf of the family",
        # ---- police
        f"DC {m('Okonkwo', 'NAME')} here, crime ref {m('13/77812/24', 'REF')}, suspect {m('Dale Hibbert', 'NAME')} arrested at {m('41 Heol y Felin', 'ADDRESS')}",
        f"DVPN served on {m('Florin Popescu', 'NAME')} at {m('flat 6 Lincoln Court', 'ADDRESS')}, DVPO hearing tomorrow",
        f"vehicle of interest {m('CF19 XKD', 'PLATE')}, registered keeper {m('Nathan Ellis', 'NAME')}",
        f"his car reg is {m('yk68 lme', 'PLATE')} and he has been parked outside {m('18 Clos Tawe', 'ADDRESS')}",
        f"log {m('0417', 'REF')} of {m('22/05', 'DATE')}, caller {m('Mihaela', 'NAME')} said he smashed the door",
        f"PC {m('Adeyemi', 'NAME')} attended {m('5 Llwyn Onn', 'ADDRESS')} after a 999 call from the neighbour",
        f"occurrence {m('2024-00981123', 'REF')}, IP {m('Skye Malone', 'NAME')}, suspect {m('Connor', 'NAME')} fled towards Bideford",
        f"PNC shows {PNC()} for {m('Vytautas', 'NAME')}, previous for ABH in 2019",
        f"the suspect {m('Kofi Asante', 'NAME')} used the email {m('k.asante77@example.net', 'EMAIL')} to message her",
        f"Thames Valley Police arrested {m('Guy Pemberton', 'NAME')} at his mum's in Thame",
        f"DS {m('Rhodri Price', 'NAME')} from North Wales Police is OIC, number {L()}",
        f"Dyfed-Powys have a marker on {m('2 Heol Dewi', 'ADDRESS')}, Carmarthen",
        f"he is wanted on warrant, last seen at {m('flat 9, Victoria Court', 'ADDRESS')}, Merthyr Tydfil",
        f"BWV shows {m('Sunny', 'NAME')} shouting at {m('Patience', 'NAME')} in the hallway",
        f"CAD {m('1123', 'REF')} {m('14/02', 'DATE')}, {m('Bartosz', 'NAME')} again, third call this month",
        f"suspect was driving a blue Corsa reg {m('LR71 TPA', 'PLATE')}, owner {m('Harjit Sandhu', 'NAME')}",
        # ---- health visitors
        f"HV in Louth. mum {m('Chantelle', 'NAME')} has new baby {m('Reign', 'NAME')}, dad {m('Delroy', 'NAME')} is controlling",
        f"baby NHS no {N()}, born {m('1st August 2024', 'DATE')}, 2 week check missed",
        f"mum {m('Aoife Brennan', 'NAME')} disclosed DA at the 6-8 week review, lives {m('7 Stryd y Castell', 'ADDRESS')}",
        f"family at {m('flat 3, Preston Court', 'ADDRESS')} in Leyland, dad answered the door and wouldn't let me in",
        f"{m('Gurpreet', 'NAME')} said her husband {m('Manpreet', 'NAME')} takes her child benefit",
        f"she attends {m('Tiny Toes Playgroup', 'SCHOOL')} on tuesdays, that's the only time she's out alone",
        f"the baby {m('Blessing', 'NAME')} is under the care of the HV team in Cwmbran, mum is {m('Chidinma', 'NAME')}",
        f"mum's NHS number {N()}, GP at Ebbw Vale, she has pnd",
        f"{m('Dawn', 'NAME')} the grandmother is protective but lives in Tredegar",
        f"toddler goes to {m('Cylch Meithrin Pen y Bryn', 'SCHOOL')} three mornings",
        # ---- GPs
        f"GP in Ludlow. patient {m('Pearl Hingston', 'NAME')}, NHS {N()}, presenting with injuries consistent with assault",
        f"patient {m('Deepak Sharma', 'NAME')} told me he 'loses it' with his wife {m('Priyanka', 'NAME')}",
        f"dob {m('14/09/1972', 'DATE')}, lives {m('30 Ffordd Pentre', 'ADDRESS')}, Ruthin. partner {m('Iolo', 'NAME')} attends with her",
        f"the practice email is {m('reception.glanymor@example.org', 'EMAIL')} if the IDVA needs to send anything",
        f"{m('Mrs Thi Lan Nguyen', 'NAME').replace('[[Mrs ', 'Mrs [[')} came in with a black eye, husband {m('Van Minh', 'NAME')} waited outside",
        f"patient {m('Robin Ashworth', 'NAME')} is the perp, victim {m('Heather', 'NAME')} is also registered with us",
        f"NHS {N()} - that is the victim, please use that on the MARAC referral not her name",
        f"referral from Dr {m('Onyekachi', 'NAME')} at the surgery in Skegness",
        f"he rang the surgery from {L()} pretending to be her brother {m('Imran', 'NAME')}",
        # ---- mental health nurses
        f"CPN here, {m('Padraig Byrne', 'NAME')} is on a CTO and has threatened his ex {m('Niamh', 'NAME')}",
        f"pt {m('Kareem Haddad', 'NAME')} admitted under s2 to the ward in Bridgend, ex partner {m('Lowri', 'NAME')}",
        f"care coordinator for {m('Drew', 'NAME')}, he is living at {m('flat 1, Hafod Court', 'ADDRESS')}, Neath",
        f"crisis team in Barrow saw {m('Amber Fell', 'NAME')}, she says {m('Lance', 'NAME')} took her meds",
        f"{m('Summer', 'NAME')} is 19 and under EIP, her step dad {m('Frank', 'NAME')} is the alleged perp",
        f"RC is Dr {m('Iyer', 'NAME')}, ward number {L()}",
        f"pt discharged to {m('Rhodfa Morgannwg', 'ADDRESS')} in Barry, sister {m('Cerys', 'NAME')} is worried",
        # ---- housing
        f"housing officer in Rhyl. tenant {m('Jade Parry', 'NAME')} at {m('4 Lon Isaf', 'ADDRESS')} wants a sanctuary scheme",
        f"tenancy ref {m('HSG-448712', 'REF')}, perp {m('Wayne', 'NAME')} is still on the joint tenancy",
        f"she is in temp accom at {m('flat 12, Harbour Court', 'ADDRESS')}, Milford Haven",
        f"the property is {m('19 Maes y Dderwen', 'ADDRESS')}, {m('SA31 2QP', 'POSTCODE')}",
        f"new address {m('88 Cemetery Road', 'ADDRESS')}, Ilkeston {m('DE7 8HX', 'POSTCODE')}, no forwarding to him please",
        f"ASB complaints from {m('16 Clos y Wern', 'ADDRESS')} about shouting, tenant is {m('Mercy Boateng', 'NAME')}",
        f"{m('Mr Hussein', 'NAME').replace('[[Mr ', 'Mr [[')} has asked to be rehoused away from {m('Flat 7 Sefton Court', 'ADDRESS')}",
        f"ring her on {P()} not the landline, {m('Crystal', 'NAME')} is scared he listens in",
        f"rent account {m('40887123', 'BANK')}, sort code {m('20-45-77', 'BANK')}, he's been taking her money",
        f"she's moved to {m('2 Llys Helyg', 'ADDRESS')}, Caernarfon, housing association flat",
        f"the perp {m('Rocky', 'NAME')} keeps coming to the block, flat is {m('flat 5 Tudor Court', 'ADDRESS')}",
        f"complainant {m('Honey', 'NAME')} in {m('23 Penrhyn Avenue', 'ADDRESS')}, Rhos on Sea",
        # ---- advisers and others
        f"IDVA in Penarth. my client {m('Rukhsana', 'NAME')} found a tracker, his insta is {m('@danny_k_1989', 'HANDLE')}",
        f"he posts about her on tiktok as {m('wrexhamlad_22', 'HANDLE')}",
        f"her snap is {m('poppyxx2008', 'HANDLE')}, he keeps adding her from new accounts",
        f"he set up {m('https://sites.example.com/truth-about-jess', 'URL')} with her photos",
        f"logins from {IPA()} and {IPA()}, she thinks it's him",
        f"he used her card {C()} to buy stuff online",
        f"NI number {ni()}, he claimed UC using her details",
        f"her NI is {ni()} and she wants to know if DWP will tell him her address",
        f"my client {m('Patience Mwangi', 'NAME')} wants to apply for a non-mol, solicitor is {m('Gareth Hughes', 'NAME')}",
        f"caller gave her name as {m('Will', 'NAME')} then changed it to {m('Wilhelmina', 'NAME')}",
        f"{m('Sian', 'NAME')}'s dad rang the office shouting",
        f"{m('Precious', 'NAME')}'s partner took her phone again",
        f"{m('Gareth', 'NAME')} and {m('Megan', 'NAME')} split in April but he still has keys",
        f"victim {m('Mared Llywelyn', 'NAME')}, lives {m('Bryn Eithin', 'ADDRESS')}, Llanrug",
        f"worried about {m('tomasz', 'NAME')}, he's been drinking since the baby came",
        f"his name is {m('rich', 'NAME')} and hers is {m('joy', 'NAME')}, they live in Goole",
        f"perp {m('chase', 'NAME')} is 23, she is 17",
        f"client {m('hunter', 'NAME')} is 31 and wants help to stop",
        f"her sister {m('violet', 'NAME')} has been letting him in",
        f"his partner {m('brook', 'NAME')} rang the police last night",
        f"{m('Mohammed Iqbal', 'NAME')} is the perp, victim is his wife {m('Parveen', 'NAME')}",
        f"perp is {m('Ionut Dumitru', 'NAME')}, 29, Romanian, works at the car wash in Spalding",
        f"victim {m('Hodan Farah', 'NAME')}, uncle {m('Abdi', 'NAME')} is pressuring her to go back",
        f"{m('Wei Zhang', 'NAME')} is the victim, her husband {m('Jun', 'NAME')} controls the restaurant money",
        f"the perp {m('Efua', 'NAME')} is female, partner {m('Grace Owusu', 'NAME')}",
        f"school is {m('St Teilo’s Church in Wales High School', 'SCHOOL')}, son in year 9",
        f"he waited outside {m('Ysgol Bro Teifi', 'SCHOOL')} at home time",
        f"both girls are at {m('Our Lady of Lourdes RC Primary', 'SCHOOL')} in Kettering",
        f"son goes to {m('Bramley Park Academy', 'SCHOOL')}, daughter to {m('Rainbow Corner Pre-School', 'SCHOOL')}",
        f"the nursery is {m('Acorn Tree Day Nursery', 'SCHOOL')} on {m('Station Road', 'ADDRESS')}",
        f"he picked her up from {m('Happy Days Nursery', 'SCHOOL')} without permission",
        f"email me at {m('idva.team@example.org.uk', 'EMAIL')} or ring {L()}",
        f"her address is {m('flat 2b, 14 Tan y Bryn', 'ADDRESS')}, Bangor {m('LL57 1AB', 'POSTCODE')}",
        f"she lives at {m('no 3 Heol Las', 'ADDRESS')}, Aberdare",
        f"moved to {m('58 Ffordd Las', 'ADDRESS')} in Prestatyn",
        f"his mum lives at {m('Ty Gwyn', 'ADDRESS')}, {m('Lon Bach', 'ADDRESS')}, Llanfairpwll",
        f"he's staying at {m('11 Harrow Court', 'ADDRESS')}, Stevenage with a friend",
        f"she's in {m('flat 20 Windsor Court', 'ADDRESS')}, Gorseinon",
        f"they're at {m('Flat 3, Chester House', 'ADDRESS')}, Barnstaple",
        f"client {m('Marcus Greenhalgh', 'NAME')}, 44, lives in Atherton",
        f"dob {m('07-06-1991', 'DATE')} and NHS {N()}",
        f"born {m('29.02.2000', 'DATE')}, she is now 24",
        f"incident was on {m('Saturday 2nd November', 'DATE')} at about 11pm",
        f"next contact {m('mon 13th jan', 'DATE')}, then {m('20/01/25', 'DATE')}",
        f"she was assaulted on {m('sunday 6th october', 'DATE')} in Tenby",
        f"MARAC ref {m('MRC-CDF-24-0193', 'REF')}, next MARAC is in March",
        f"court case no {m('WX24P00314', 'REF')} at Mold",
        f"nomis {m('G5521UH', 'REF')} he is at HMP Berwyn",
        f"his CRO number {CRO()} but PNC not matching",
        f"pnc id {PNC()}, cro {CRO()}",
        f"cro {CRO()}, previous for harassment",
        f"crime number {m('NWP/24/118274', 'REF')}, victim {m('Angharad', 'NAME')}",
        f"the PC was {m('Drew Holloway', 'NAME')}, collar number {m('4471', 'REF')}",
        f"teacher is {m('Miss Onuoha', 'NAME').replace('[[Miss ', 'Miss [[')}, TA is {m('Mrs Bevan', 'NAME').replace('[[Mrs ', 'Mrs [[')}",
        f"{m('Jack', 'NAME')} said he would kill her if she went to the police",
        f"{m('Nia', 'NAME')}, the eldest, is young carer for mum",
        f"{m('Adebayo', 'NAME')} (the perp) is 52 and lives in Rochdale",
        f"Spoke to {m('Carys Bowen', 'NAME')} today. {m('Bowen', 'NAME')} is the victim's sister",
        f"{m('Dafydd', 'NAME')} keeps messaging {m('Lowri', 'NAME')} via whatsapp on {P()}",
        f"perp's number is {P()}, victim's {P()}",
        f"victim's postcode {m('CF83 1JX', 'POSTCODE')} flagged on the system",
        f"postcode is {m('ll18 3aa', 'POSTCODE')}",
    ]


def negatives() -> list[str]:
    return [
        "PO in Thirsk, what are the options when a pop breaches a DVPO?",
        "how many DVPOs were granted in Gwent last year, do you know?",
        "are DAPNs and DAPOs in force across England and Wales yet?",
        "Read the guidance on DAPOs before the MARAC.\nCheck whether a DVPN was served.\nRecord the outcome on OASys.",
        "Read this first:\nDomestic Abuse Act 2021 s.1 defines domestic abuse.\nAsk the IDVA about Clare's Law.",
        "Note: the DASH is a risk checklist, not a diagnosis.\nConsider a referral to MARAC if the score is 14 or more.",
        "he scored 17 on the DASH, 3 on the SARA and OGRS is 62%",
        "he is 34, she is 29, the kids are 8, 5 and 18 months",
        "meeting at 9.30 on Tuesday then another at 14:00",
        "can we talk at half 3? I'm in court till then",
        "the case is at Swansea Crown Court next week",
        "listed at Cardiff Magistrates' Court in April",
        "hearing moved to Harrow Crown Court, then the county court in Bury",
        "Preston Crown Court gave him 18 months suspended",
        "he has been in Leigh since March and in Ashton before that",
        "she grew up in Neath, moved to Barry, now in Flint",
        "he works in Stanley and drinks in Consett",
        "referred by the CMHT in Crook to IAPT",
        "moved from March (the town in Cambs) to Ely",
        "she is Irish and he is Welsh, they met in Wrexham",
        "he is Polish, she is Lithuanian, the interpreter is booked",
        "Thames Valley Police and Dyfed-Powys are both involved",
        "the TA noticed bruising and told the DSL",
        "TAs and DSLs should all have had safeguarding training",
        "her car reg is on the police system already",
        "what's the reg number process for a vehicle marker?",
        "IDVAs in Powys are stretched, any advice?",
        "PSRs are taking 3 weeks in Hexham",
        "how do SSOs with RARs work for DA cases?",
        "can PCSOs serve DVPNs?",
        "EHCPs and CIN plans are separate processes",
        "GPs and HVs attend the MARAC in Kendal",
        "AMHPs in Cumbria are busy, he was assessed in Penrith",
        "MARACs in South Wales meet monthly",
        "is Live Fear Free the right helpline for Wales?",
        "Welsh Women's Aid or Refuge, who is better for a referral from Caerphilly?",
        "the Respect phoneline is for perps, the men's advice line for male victims",
        "Building Better Relationships is the accredited programme, not DAPP",
        "will he be eligible for Caring Dads if he is on licence?",
        "may I ask whether the DVDS right to know applies here?",
        "prices rose by 20% and he blames her for the bills",
        "the police did a dawn raid in Cleethorpes",
        "she hopes to go back to work in September",
        "he will march into the school and demand to see them",
        "the court will grant a non-mol if there is evidence",
        "he is on the sex offender register, ViSOR updated",
        "Clare's Law disclosure was made in June",
        "under s.76 Serious Crime Act 2015 coercive control is an offence",
        "Protection from Harassment Act 1997 s.4 and s.2A",
        "Children Act 1989 s.47 enquiry started in January",
        "s.17 assessment closed in February, reopened in May",
        "is Sarah's Law the same as the child sex offender disclosure scheme?",
        "he is in HMP Parc in Bridgend, release is end of August",
        "UC, PIP and ESA are all in his name",
        "the council tax is joint, so is the tenancy",
        "Shelter Cymru advised a sole tenancy application",
        "Citizens Advice in Llandudno said to call us",
        "ring 101 or 999 in an emergency",
        "NHS 111 told her to go to A&E in Wigan",
        "the SENCO, the DSL and the LADO all need to know",
        "Cafcass Cymru are doing the section 7 report",
        "CAMHS in Rotherham have a 9 month waiting list",
        "she is 16 weeks pregnant, booked at the hospital in Yeovil",
        "on the BBR waiting list in Redruth, 12 sessions",
        "he did 40 hours UPW in Bodmin",
        "the AP in Shrewsbury has a bed from next Monday",
        "MAPPA level 2, category 2, meeting in Northallerton",
        "Estyn and Ofsted both have guidance on this",
        "CIW inspected the children's home in Brecon",
        "Ask yourself whether the risk is imminent.\nShare information under the DA Act.\nSeek advice from your line manager.",
        "Remember: victims are experts in their own safety.\nSafety planning should be done with the victim, not for them.",
        "Support for perpetrators in Powys and Ceredigion is patchy",
        "Advice line hours: Mon to Fri 9 to 5, Wed till 8",
        "in 2019 he got a caution, in 2021 a conviction",
        "since March 2022 he has been on the programme",
        "by the end of June we should know",
        "from April to July he was in Spalding, then Wisbech",
        "a 3 on the scale, 7 out of 10 for anxiety",
        "the children are 11 and 9, in years 6 and 4",
        "she works nights at the hospital in Stockton",
        "he has been in Hartlepool, Redcar and Guisborough",
        "the family court in Newport is hearing the C100",
        "CPS charged ABH and criminal damage",
        "NFA by the police in Skelmersdale, we still have concerns",
        "the DRIVE project isn't running in Worksop any more",
        "IOM and the PPU in Scunthorpe share cases",
        "do OMs have to tell the victim liaison unit?",
        "POs in Kidderminster have asked for training",
        "his solicitor in Pontypridd says he will plead",
        "he wants to go to Tenby or Haverfordwest for work",
        "she was born in Kenya and came here aged 12",
        "Will the IDVA attend the MARAC or should I?",
        "Grace period for the tenancy is 28 days",
        "Mark the referral as urgent please",
        "Frank conversations with perps are part of the job",
        "Hope this helps, any questions let me know",
        "Reading and Bath both have perpetrator programmes",
        "Boston and Spalding are covered by the same team",
        "Stafford probation office is closed on Friday",
        "Flat rate fees apply for the course",
        "Court dates are listed on the portal",
    ]


def parse(marked: str) -> dict[str, object]:
    text_parts: list[str] = []
    spans: list[dict[str, object]] = []
    pos = length = 0
    for hit in MARK.finditer(marked):
        before = marked[pos : hit.start()]
        text_parts.append(before)
        length += len(before)
        value, kind = hit.group(1), hit.group(2)
        assert kind in TYPES, kind
        spans.append({"start": length, "end": length + len(value), "type": kind})
        text_parts.append(value)
        length += len(value)
        pos = hit.end()
    text_parts.append(marked[pos:])
    text = "".join(text_parts)
    assert "[[" not in text and "]]" not in text and "|" not in text, marked
    return {"text": text, "spans": spans}


def validate(row: dict[str, object], source: str) -> None:
    text = row["text"]
    spans = row["spans"]
    assert isinstance(text, str) and isinstance(spans, list)
    values = [h.group(1) for h in MARK.finditer(source)]
    assert len(values) == len(spans), source
    last = 0
    for span, value in zip(spans, values, strict=True):
        start, end = span["start"], span["end"]
        assert 0 <= last <= start < end <= len(text), source
        assert text[start:end] == value == value.strip(), (source, value)
        last = end
    if "NHS" in [s["type"] for s in spans]:
        for s in spans:
            if s["type"] == "NHS":
                assert nhs_valid(text[s["start"] : s["end"]])
    for s in spans:
        if s["type"] == "CARD":
            assert luhn_ok(text[s["start"] : s["end"]])


def main() -> None:
    rows = []
    sources = positives() + negatives()
    for src in sources:
        row = parse(src)
        validate(row, src)
        rows.append(row)
    texts = [r["text"] for r in rows]
    assert len(set(texts)) == len(texts), "duplicate message"
    order = list(range(len(rows)))
    random.Random(11).shuffle(order)
    rows = [rows[i] for i in order]
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    n_neg = sum(1 for r in rows if not r["spans"])
    n_spans = sum(len(r["spans"]) for r in rows)  # type: ignore[arg-type]
    print(f"wrote {len(rows)} messages, {n_spans} spans, {n_neg} with nothing to redact, to {OUT}")


if __name__ == "__main__":
    main()
