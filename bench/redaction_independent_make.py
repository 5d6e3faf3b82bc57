# ruff: noqa: E501  (hand-written messages read better unwrapped)
"""Write the independent redaction test set (bench/data/redaction_independent.jsonl).

Written before reading the engine's code or word lists, from docs/redaction.md's placeholder
table and "What is kept" only. Messages are written by hand in the way professionals and
advisers type in chat (lower case, typos, abbreviations); identifiers are marked inline as
``[[value|TYPE]]`` and the offsets are computed when the markup is stripped, then every span is
checked (text[start:end] is the value, no overlaps). Structured values are drawn from a seeded
generator: Ofcom drama-range phone numbers, example.com/org/net emails, documentation IP ranges,
NHS numbers with a valid modulus-11 check digit, card numbers passing Luhn. Everything is
invented; the checksums are implemented here, independently of the engine.

The set is split by line parity for tuning: fixes were chosen by looking at the even lines
(0, 2, 4, ...) only; the odd lines are the untouched test.

Usage: python bench/redaction_independent_make.py
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

OUT = Path(__file__).resolve().parent / "data" / "redaction_independent.jsonl"
TYPES = {
    "NAME", "PHONE", "EMAIL", "POSTCODE", "ADDRESS", "DATE", "NHS", "NI", "REF", "PLATE",
    "CARD", "BANK", "IP", "URL", "HANDLE", "SCHOOL",
}  # fmt: skip
MARK = re.compile(r"\[\[(.+?)\|([A-Z]+)\]\]")

rng = random.Random(20240611)


def m(value: str, kind: str) -> str:
    return f"[[{value}|{kind}]]"


# ---------------------------------------------------------------- structured value generators


def nhs_digits() -> str:
    while True:
        digits = [rng.randrange(10) for _ in range(9)]
        total = sum(d * (10 - i) for i, d in enumerate(digits))
        check = 11 - total % 11
        if check == 11:
            check = 0
        if check == 10:
            continue
        return "".join(map(str, digits)) + str(check)


def nhs() -> str:
    d = nhs_digits()
    style = rng.randrange(3)
    if style == 0:
        v = d
    elif style == 1:
        v = f"{d[:3]} {d[3:6]} {d[6:]}"
    else:
        v = f"{d[:3]}-{d[3:6]}-{d[6:]}"
    return m(v, "NHS")


def luhn_complete(prefix: str, length: int) -> str:
    body = prefix + "".join(str(rng.randrange(10)) for _ in range(length - len(prefix) - 1))
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return body + str((10 - total % 10) % 10)


def card() -> str:
    kind = rng.randrange(3)
    if kind == 0:
        d = luhn_complete("4", 16)
    elif kind == 1:
        d = luhn_complete("5" + str(rng.randrange(1, 6)), 16)
    else:
        d = luhn_complete("3" + rng.choice("47"), 15)
    if len(d) == 16 and rng.random() < 0.6:
        sep = rng.choice([" ", "-"])
        d = sep.join(d[i : i + 4] for i in range(0, 16, 4))
    elif len(d) == 15 and rng.random() < 0.5:
        d = f"{d[:4]} {d[4:10]} {d[10:]}"
    return m(d, "CARD")


def mobile() -> str:
    tail = f"{rng.randrange(1000):03d}"
    v = rng.choice(
        [
            f"07700 900{tail}",
            f"07700900{tail}",
            f"+44 7700 900{tail}",
            f"+447700900{tail}",
            f"07700 900 {tail}",
            f"07700-900-{tail}",
            f"0 7700 900 {tail}",
            f"+44 (0)7700 900{tail}",
        ]
    )
    return m(v, "PHONE")


def landline() -> str:
    tail = f"{rng.randrange(1000):03d}"
    v = rng.choice(
        [
            f"(0113) 496 0{tail}",
            f"0113 496 0{tail}",
            f"0161 496 0{tail}",
            f"01614960{tail}",
            f"020 7946 0{tail}",
            f"0207 946 0{tail}",
            f"(020) 7946 0{tail}",
            f"029 2018 0{tail}",
            f"0121 496 0{tail}",
            f"0117 496 0{tail}",
            f"0151 496 0{tail}",
            f"0191 498 0{tail}",
            f"0115 496 0{tail}",
            f"+44 20 7946 0{tail}",
            f"+44 161 496 0{tail}",
        ]
    )
    return m(v, "PHONE")


def phone() -> str:
    return mobile() if rng.random() < 0.6 else landline()


NI_FIRST = "ABCEGHJKLMNOPRSTWXYZ"
NI_SECOND = "ABCEGHJKLMNPRSTWXYZ"


def ni() -> str:
    while True:
        pre = rng.choice(NI_FIRST) + rng.choice(NI_SECOND)
        if pre not in {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}:
            break
    digits = "".join(str(rng.randrange(10)) for _ in range(6))
    suf = rng.choice("ABCD")
    style = rng.randrange(4)
    if style == 0:
        v = pre + digits + suf
    elif style == 1:
        v = f"{pre} {digits[:2]} {digits[2:4]} {digits[4:]} {suf}"
    elif style == 2:
        v = (pre + digits + suf).lower()
    else:
        v = f"{pre}{digits} {suf}"
    return m(v, "NI")


def plate() -> str:
    letters = "ABCDEFGHJKLMNOPRSTUVWXYZ"
    area = rng.choice(["LS", "MA", "YX", "BD", "CA", "WR", "KM", "NG", "SA", "CF", "LR", "EF"])
    age = rng.choice(["15", "65", "17", "67", "19", "69", "21", "71", "23", "73"])
    tail = "".join(rng.choice(letters) for _ in range(3))
    v = rng.choice([f"{area}{age} {tail}", f"{area}{age}{tail}"])
    if rng.random() < 0.4:
        v = v.lower()
    return m(v, "PLATE")


def ip() -> str:
    v = rng.choice(
        [
            f"192.0.2.{rng.randrange(1, 255)}",
            f"198.51.100.{rng.randrange(1, 255)}",
            f"203.0.113.{rng.randrange(1, 255)}",
            f"2001:db8::{rng.randrange(1, 0xFFFF):x}",
            f"2001:db8:{rng.randrange(1, 0xFFF):x}:1::{rng.randrange(1, 0xFF):x}",
        ]
    )
    return m(v, "IP")


def sort_code() -> str:
    a, b, c = (rng.randrange(100) for _ in range(3))
    v = rng.choice(
        [f"{a:02d}-{b:02d}-{c:02d}", f"{a:02d}{b:02d}{c:02d}", f"{a:02d} {b:02d} {c:02d}"]
    )
    return m(v, "BANK")


def account() -> str:
    return m("".join(str(rng.randrange(10)) for _ in range(8)), "BANK")


def nhs_raw_check() -> None:
    # guard: the generator's digits must pass the standard check
    d = nhs_digits()
    total = sum(int(c) * (10 - i) for i, c in enumerate(d[:9]))
    assert (11 - total % 11) % 11 == int(d[9])


# ---------------------------------------------------------------- the messages

N = "NAME"
A = "ADDRESS"
S = "SCHOOL"
D = "DATE"
P = "POSTCODE"
R = "REF"
E = "EMAIL"
U = "URL"
H = "HANDLE"
Q = "'"


def positives() -> list[str]:
    return [
        # names after relationship words, lower case, nicknames
        f"hi, probation officer here. my PoP's ex {m('shannon', N)} has rung the office twice today",
        f"her lad {m('kyle', N)} is 15 and has been staying at his nan's since the incident",
        f"his new partner is {m('Agnieszka Nowak', N)}, she has a 2 yr old with him",
        f"hi im a sw in wrexham, mum is {m('Bethan', N)} and dad is {m('Rhys Pritchard', N)}, dash done yesterday",
        f"client is {m('Mohammed Iqbal', N)} dob {m('14/02/1987', D)}, on licence til next year",
        f"victim {m('Chidinma Okafor', N)} has moved to a refuge, pls dont share the area",
        f"she says {m('tomasz', N)} keeps turning up outside work",
        f"dad {m('Florin Popescu', N)} has a DVPO in place but has breached it",
        f"the IDVA {m('Siobhan', N)} is going to ring her later",
        f"{m('Hodan', N)} told the health visitor that he took her passport",
        f"mr {m('Abdi', N)} is currently remanded",
        f"his ex {m('grace', N)} has a non mol against him",
        f"her partner {m('Will', N)} has been drinking heavily again",
        f"the child is {m('Summer', N)}, she's 6",
        f"he keeps texting {m('Rose', N)} even tho there are bail conditions",
        f"{m('Jack', N)} was arrested on friday for breach",
        f"ex partner {m('Dawn Hughes', N)} reported it to police",
        f"perp is {m('Mark', N)}, he's 34 and unemployed",
        f"she calls him {m('Bill', N)} but his real name is {m('William Ashworth', N)}",
        f"i spoke to {m('Pat', N)} from the refuge this morning",
        f"victims name is {m('Faith Adeyemi', N)}, 29",
        f"her daughter {m('Sky', N)} was in the room when it happened",
        f"son {m('Rich', N)} ({m('richard', N)}) has been aggressive to mum too",
        f"the baby is called {m('Hope', N)}, 4 months",
        f"hi this is {m('Ciaran', N)} from the probation office in Newport",
        f"his sister {m('Aoife Byrne', N)} says he's been sleeping in the car",
        f"partner {m('Mei Ling Chen', N)} doesnt speak much english, interpreter booked",
        f"{m('Wei', N)} said he smashed her phone",
        f"my service user {m('Delroy Campbell', N)} has been referred to a DAPP",
        f"she has a new bf called {m('jermaine', N)}, he's not known to us",
        f"her mum {m('Marcia Thompson', N)} is looking after the kids",
        f"the alleged perp is {m('Gheorghe', N)}, romanian, no fixed abode",
        f"{m('Ionut Dumitru', N)} was bailed to his brother's address",
        f"spoke to {m('kasia', N)} on the phone, she's scared",
        f"his ex wife {m('Wiktoria', N)} has moved back to poland with the kids",
        f"victim's friend {m('Nkechi', N)} called 999",
        f"mum {m('Fatima Begum', N)} doesnt want police involvement",
        f"dad is {m('Imran', N)}, his brother {m('Kamran', N)} also threatening her",
        f"{m('Priya', N)} (victim) has 3 kids, the youngest is 18 months",
        f"ok so {m('Harpreet Kaur', N)} rang me back and she wants to go ahead with Clare's Law",
        f"hi, {m('Gurpreet', N)} here, duty sw",
        f"perp {m('Callum', N)} is 22 and lives with his mum",
        f"{m('Mcgregor', N)} has a history of dv against previous partners",
        f"{m('Kowalczyk', N)} is due at court next week",
        f"mr {m('Okonkwo', N)} failed to attend his appointment",
        f"ms {m('Evans', N)} has given a statement",
        f"DC {m('Lloyd', N)} is the OIC",
        f"PC {m('Sarah Malik', N)} attended the scene",
        f"her ex {m('dylan', N)} has been posting about her online",
        f"she's with {m('ahmed', N)} now but he doesnt know about the history",
        f"his partner {m('tayo', N)} rang the helpline last night",
        f"{m('Sian', N)}'s dad is in prison",
        f"I met {m('Leon', N)} on monday at the probation office",
        f"{m('Olumide', N)}, the perp, has a 2 year supervision order",
        f"kids are {m('Amara', N)} (8) and {m('Tobi', N)} (5)",
        f"her stepson {m('Jordan', N)} is also at risk",
        f"she is called {m('Xiao Hong', N)} and works at the takeaway",
        f"{m('Jamal', N)} smashed the door in last tuesday",
        f"{m('Niamh', N)} and {m('Connor', N)} have a baby together",
        f"i'm worried about {m('Ayesha', N)}, she hasnt been seen since the weekend",
        f"{m('Andrzej', N)} has a previous for assault on an ex partner",
        f"referral is for {m('Maryam Abdullahi', N)}, somali, 3 children",
        f"{m('Bogdan', N)} works nights at the warehouse",
        f"the social worker {m('Tracey', N)} said it's going to strategy",
        f"perp {m('Lewis Jones', N)} is known to MAPPA",
        f"{m('Gwen', N)} says he checks her phone every night",
        f"alleged victim {m('Raheem', N)} (male victim, partner is female)",
        f"{m('Precious', N)} said she's been hit before",
        f"mum is {m('Chantelle', N)}, 19, care leaver",
        f"{m('Reece', N)} has been threatening to kill himself if she leaves",
        # phones
        f"her mob is {mobile()} if you need to ring her, safe to call after 6",
        f"call me back on {landline()} pls",
        f"perp's number {mobile()}, he's been ringing her 50 times a day",
        f"can you ring the office on {landline()}? ask for {m('Bronwen', N)}",
        f"she's got a new number {mobile()}",
        f"his mobile: {mobile()} - DO NOT share with victim",
        f"ring {m('Zainab', N)} on {mobile()} but only between 10 and 12",
        f"work landline {landline()} ext 214",
        f"safe number for her is {phone()}",
        f"he rang from {mobile()} and {mobile()}",
        f"contact no {landline()}",
        f"tel {mobile()}",
        f"number is {mobile()} (his)",
        f"she rang from a withheld number then from {phone()}",
        # emails
        f"my email is {m('j.morgan@example.org', E)} if easier",
        f"he emails her from {m('bigdazza88@example.com', E)}",
        f"send the referral to {m('referrals.team4@example.net', E)}",
        f"her email {m('ola.adebayo_92@example.com', E)}, she checks it at work only",
        f"his work email is {m('p.nowak@example.co.uk', E)}",
        f"can u email me at {m('KPatel@example.org', E)}",
        f"he made a new email {m('imsorrybabe2023@example.net', E)} to contact her",
        # postcodes + addresses
        f"he lives at {m('14 Linden Road', A)}, Leeds {m('LS6 2AB', P)}",
        f"address is {m('flat 3, 12 Carlton Court', A)}, Bolton {m('BL1 4QT', P)}",
        f"she's moved to {m('27 Heol y Parc', A)}, Pontypridd",
        f"perp living at {m('9a chapel street', A)} in Preston",
        f"his bail address is {m('56 Ferncliffe Avenue', A)}, postcode {m('bd9 5hh', P)}",
        f"postcode {m('M14 6LT', P)}",
        f"she's in {m('B11 3DP', P)} now, not sure of the house number",
        f"{m('flat 7, Wentworth House', A)}, {m('S3 8GG', P)}",
        f"last known address {m('112 St Helens Road', A)}, Swansea {m('SA1 4BE', P)}",
        f"he's been seen hanging round {m('Oakdale Crescent', A)}",
        f"victim lives on {m('Brunswick Street', A)} near the park",
        f"his mums house is {m('3 Maes y Coed', A)}, Bangor {m('LL57 2RF', P)}",
        f"they were at {m('40 Cromwell Terrace', A)} when police arrived",
        f"address: {m('Flat 2b, 88 Moss Lane', A)}, Manchester {m('M16 7BP', P)}",
        f"he gave his address as {m('17 kingsway', A)} but that's his brother's",
        f"she's staying at {m('221 Whitechapel Road', A)}, London {m('E1 1BY', P)}",
        f"new address {m('5 Rowan Close', A)}, {m('CF14 2RT', P)}",
        f"pc is {m('NG7 1FZ', P)}",
        f"lives at {m('no. 19 Beech Grove', A)} with his mum",
        f"the incident was at {m('6 Ivy Mews', A)}",
        f"he's been ordered not to go to {m('Alma Street', A)}",
        f"postcode {m('le2 0qz', P)} i think",
        f"she lives {m('flat 11 Harrow Court', A)}, Stevenage {m('SG1 3PL', P)}",
        # schools
        f"kids go to {m('St Joseph' + Q + 's RC Primary', S)} in Wigan",
        f"her son is at {m('Ysgol Gymraeg Bro Morgannwg', S)}",
        f"daughter goes to {m('Hillcrest Academy', S)}, DSL is aware",
        f"he turned up at {m('Northfield High School', S)} at pick up",
        f"the youngest is at {m('Little Acorns Nursery', S)}",
        f"{m('kings park primary', S)} have been told not to release the kids to dad",
        f"eldest is in year 9 at {m('Ysgol Glan Morfa', S)}",
        f"school is {m('Parkside Community Primary School', S)}",
        f"she works as a TA at {m('St Anne' + Q + 's C of E Primary', S)}",
        f"both kids at {m('Oak Tree Infant School', S)}",
        f"{m('Moorlands Junior School', S)} made the referral",
        f"the son goes to {m('Highfield Academy', S)} in Ashton",
        f"he's at {m('Ysgol Uwchradd Bryn Celyn', S)}, welsh medium",
        f"{m('Bright Beginnings Day Nursery', S)} flagged bruising",
        # dates
        f"dob {m('03/11/1992', D)}",
        f"DOB: {m('1.2.85', D)}",
        f"she was born {m('3rd june 1988', D)}",
        f"the assault was on {m('12th march', D)}, he was arrested the next day",
        f"incident on {m('14/09/23', D)} at the family home",
        f"his dob is {m('22 Feb 1979', D)}",
        f"court date is {m('18th October', D)}",
        f"he was released on {m('2/4/24', D)}",
        f"victim dob {m('30-07-1996', D)}",
        f"d.o.b {m('5/5/01', D)}",
        f"strangulation on {m('sunday 7th april', D)}, non fatal",
        f"born {m('1990-08-17', D)}",
        f"the MARAC is on the {m('21st of november', D)}",
        # NHS, NI
        f"nhs no {nhs()}",
        f"NHS number {nhs()}, GP has been informed",
        f"her nhs number is {nhs()}",
        f"he gave {nhs()} as his NHS num",
        f"ni number {ni()}",
        f"NI no: {ni()}",
        f"his national insurance is {ni()}, DWP have been told",
        f"nino {ni()}",
        f"NINO {ni()} and nhs {nhs()}",
        # references
        f"crime ref {m('13240123456', R)} (west yorks)",
        f"met crime ref {m('5012345/24', R)}",
        f"CAD {m('4567', R)} of {m('12/03', D)}",
        f"log {m('1234', R)} of {m('12/03', D)} refers",
        f"incident number {m('0412', R)} of {m('23/01/2024', D)}",
        f"occurrence no {m('GMP-23-0098765', R)}",
        f"crime no {m('23/45678/24', R)}",
        f"ref {m('WMP/20BE/123456C/24', R)}",
        f"PNC id {m('98/123456K', R)}",
        f"his pnc is {m('05/678901Z', R)}",
        f"CRN {m('X123456', R)}, nDelius has the oasys",
        f"prison number {m('A1234BC', R)}",
        f"case no {m('LV24P00567', R)} at the family court",
        f"family court case number {m('MA23P01234', R)}",
        f"crown court case {m('T20237045', R)}",
        f"CRO {m('123456/07H', R)}",
        f"our ref {m('DA-2024-00871', R)}",
        f"cafcass case no {m('CA-24-0012345', R)}",
        f"his delius crn is {m('e654321', R)}",
        f"the log number is {m('0765', R)} from {m('3rd feb', D)}",
        f"occurence ref {m('2400567890', R)}",
        f"thames valley URN {m('43EE1234524', R)}",
        f"crime ref is {m('NY-20240312-0456', R)}",
        # plates
        f"he drives a black golf reg {plate()}",
        f"car is a white transit {plate()}",
        f"vrm {plate()}",
        f"he was seen in {plate()} outside her house",
        f"her car reg is {plate()}, he put a tracker on it",
        f"reg {m('R123 ABC', 'PLATE')}, old blue astra",
        f"he has a grey corsa, reg no {plate()}",
        # cards, bank
        f"he took her card {card()} and used it online",
        f"card number {card()}",
        f"the card ending in 4 digits is on file, full no {card()}",
        f"sort code {sort_code()} account {account()}",
        f"acc no {account()}, sc {sort_code()}",
        f"he opened an account in her name, sort code {sort_code()}, a/c {account()}",
        f"his bank details {sort_code()} {account()}",
        # IP, URL, handle
        f"the messages came from ip {ip()}",
        f"IP address {ip()} was logged",
        f"ip {ip()} and {ip()}",
        f"he set up a page about her {m('https://www.example.com/expose/jess', U)}",
        f"his profile {m('www.example.org/u/dazza_m', U)}",
        f"he posted it on {m('http://example.net/blog/2024/03/her-lies', U)}",
        f"link: {m('example.com/p/8812', U)}",
        f"his fb is {m('facebook.com/daniel.kowalski.52', U)}",
        f"his insta is {m('@dazzam_88', H)}",
        f"snap: {m('kyle_b2009', H)}",
        f"he messages her on tiktok {m('@lilmo.official', H)}",
        f"her insta {m('ayesha.k_x', H)} has been hacked",
        f"twitter {m('@RealDaveH', H)}",
        f"fake account {m('@justice4dads_uk', H)}",
        f"his snapchat is {m('jay.dee.99', H)}",
        # mixed, longer messages
        f"hi, {m('Olena', N)} is 28 dob {m('11/06/1996', D)}, lives {m('4 Granby Row', A)} {m('M1 7AR', P)}, "
        f"her mob {mobile()}, ukrainian, kids at {m('St Mary' + Q + 's Catholic Primary', S)}",
        f"perp {m('Dariusz Zielinski', N)} dob {m('07/01/1984', D)} pnc {m('02/334455T', R)} "
        f"address {m('31 Hawthorn Drive', A)} Wakefield {m('WF1 3PQ', P)}",
        f"victim {m('Aaliyah', N)} ({m('aaliyah.b@example.com', E)}) wants a call back on {phone()}",
        f"{m('Marek', N)} drives {plate()}, he was seen outside {m('Greenfield Primary', S)} on monday",
        f"she said {m('Dwayne', N)} took her bank card {card()} and changed the pin",
        f"ok so the dash was 17, {m('Tanisha', N)} is high risk, MARAC ref {m('MRC/24/0781', R)}",
        f"Mr {m('Singh', N)} nhs {nhs()} is under the CMHT",
        f"{m('Lucy', N)} rang from {m('lucy.m.1994@example.org', E)}, she is at {m('flat 5, 2 Queen St', A)}",
        f"the ex is {m('Ruairi Doherty', N)}, irish traveller, last seen at {m('Heath Lane', A)} site",
        f"please update: {m('Adaeze', N)} has a new number {mobile()} and new address {m('8 Larch Way', A)}",
        f"{m('Jon', N)} told the CRC officer he'd kill her",
        f"dad {m('Karl', N)}'s new gf {m('Stacey', N)} has a 3 year old",
        f"{m('Yusuf', N)} has been sending threats from {m('@yusuf.x7', H)}",
        f"he made a fake profile at {m('https://example.org/profiles/amina-h', U)} using {m('Amina', N)}'s photos",
        f"crime ref {m('14/55231/23', R)}, OIC is DC {m('Pryce', N)}",
        f"child {m('Keisha', N)} dob {m('19.08.2015', D)} attends {m('Beacon Hill Academy', S)}",
    ]


def structured_extra() -> list[str]:
    """More structured identifiers in varied frames (each frame used once)."""
    frames: list[tuple[str, object]] = [
        ("the number he uses now is {}", phone),
        ("pls ring her on {} after 5, he's at work then", mobile),
        ("office: {} (mon-fri)", landline),
        ("hes got 2 phones, one is {}", mobile),
        ("{} is the number on the DASH", phone),
        ("mum's landline {} but he answers it sometimes", landline),
        ("whatsapp {}", mobile),
        ("nhs {} - registered with the practice in Leigh", nhs),
        ("baby's NHS no. {} pls add to the referral", nhs),
        ("i have his nhs number: {}", nhs),
        ("{} is her nhs number", nhs),
        ("National Insurance number {}, claiming UC", ni),
        ("her NI is {} and he's been using it", ni),
        ("ni no. {}", ni),
        ("he used her ni number ({}) to get a loan", ni),
        ("plate {} - clocked by ANPR near the refuge", plate),
        ("he's got a new car, {}", plate),
        ("registration {}, a red fiesta", plate),
        ("seen driving {} on the M62", plate),
        ("her visa debit {} has been maxed out", card),
        ("he ordered stuff online with {}", card),
        ("credit card no {}", card),
        ("login from {} at 2am", ip),
        ("the router ip was {}", ip),
        ("snapchat traced to {}", ip),
        ("sort code {}, he moved her wages out", sort_code),
        ("a/c number {}", account),
        ("acct {} in joint names", account),
    ]
    out = []
    for frame, gen in frames:
        assert callable(gen)
        out.append(frame.format(gen()))
    return out


def negatives() -> list[str]:
    return [
        "hi im a probation officer in Preston, can i get some advice about a DVPO",
        "he's been referred to the IDVA service in Lincoln and the MASH are aware",
        "can you explain how Clare's Law works? the police in Chester said to ask",
        "DASH score 17, so high risk, going to MARAC next month",
        "he's 34 and has 2 previous convictions for common assault",
        "we're in Newport, is there a perpetrator programme locally?",
        "my colleague in Wells said the DAPP has a 6 month waiting list",
        "Will the DVPO still apply if he moves to another area?",
        "May I ask what the threshold is for a MARAC referral?",
        "Mark the date in your diary, the review is in march",
        "referrals rose by 20% since 2019 according to the report",
        "I hope she engages with the IDVA this time",
        "the police did a dawn raid last tuesday",
        "he's on a 12 month community order with 30 RAR days",
        "is coercive control under s.76 Serious Crime Act 2015 still the right charge?",
        "the Domestic Abuse Act 2021 says children are victims in their own right",
        "CAFCASS have asked for a section 7 report",
        "children's services are doing a section 47",
        "she rang at 3pm and said he'd been drinking since the morning",
        "the summer holidays are a risk point, contact is every weekend",
        "he pays the bills so she feels trapped",
        "she doesn't want to go to the refuge in Bath",
        "He was sentenced in 2022 and released in June 2023",
        "MAPPA level 2, managed by probation and police jointly",
        "Can you send me the Respect toolkit?",
        "what are the signs of stalking i should ask about",
        "the DVPN was served on friday and the DVPO hearing is within 48 hours",
        "ok thanks, that's really helpful",
        "she's 22, he's 41, big age gap and he controls the money",
        "we had 4 incidents in the last 6 months",
        "Probation in Stoke have the lead",
        "is the Drive project available in Wales?",
        "he's grace and favour staying with a mate in Reading",
        "hope that helps, let me know if you need anything else",
        "Rich families also experience domestic abuse, it's not just about money",
        "the sky was dark when he left, she said about 9pm",
        "Will he be told about the disclosure?",
        "yes we will do a joint visit with the police on thursday",
        "may be worth doing a Clare's Law right to ask",
        "she said she'd pat the dog to calm it down when he shouted",
        "He has a faith based support worker from the mosque",
        "the Chief Constable announced a new DA unit in Lancashire",
        "I'm a health visitor in Cardiff, first time using this service",
        "has anyone used the DRIVE model with someone who has a personality disorder?",
        "we've had a MASH strategy meeting and agreed a plan",
        "is a non-molestation order better than a DVPO here?",
        "he's going to court next wednesday for sentencing",
        "the GP practice in Bolton are aware of the risk",
        "last year he did the Building Better Relationships programme",
        "she has 3 kids aged 2, 5 and 9",
        "IDVA referral done, SafeLives DASH completed",
        "the risk is escalating, he's started strangulation",
        "we need to do a MARAC referral within 24 hours",
        "probation officer, Hull, query about licence conditions",
        "She says the abuse started in 2017 when she was pregnant",
        "he got 18 months suspended for 2 years",
        "My manager says we should escalate to the DSL",
        "Police in Durham are dealing",
        "can i refer a male victim to the same IDVA service?",
        "Honour based abuse concerns, family from abroad",
        "she's been to A&E twice this month",
        "He's on a tag with a curfew from 7pm to 7am",
        "is stalking under the Protection from Harassment Act 1997 s.2A or s.4A?",
        "a Stalking Protection Order was applied for in January",
        "Thank you, I'll mark this as resolved",
        "the perp has autism and adhd, how do i adapt the work",
        "the Family Court in Manchester listed it for a fact finding",
        "Local Authority Designated Officer has been informed",
        "Housing in Walsall have offered a move",
        "he drinks about 20 units a day, AUDIT score 28",
        "Tuesday's session was cancelled because of the snow",
        "the Jewish Women's Aid helpline might be better",
        "Welsh Women's Aid have a live fear free line",
        "i'm at the probation office on the high street till 5",
        "will check with my SPO and come back to you",
        "She's had 6 DASH assessments since 2020, all high risk",
        "the Early Help team in Sheffield are involved",
        "CPS charged him with ABH and criminal damage",
        "Bail conditions: not to contact her directly or indirectly",
        "he's Polish, needs an interpreter for the sessions",
        "His PSR recommends a community order with a DA programme",
        "next MARAC is 2 weeks on monday",
        "Social worker, Swansea. Children on CP plans under neglect and emotional harm",
        "he's asked whether his ex can see the OASys",
        "it's the 3rd time this year police have been called",
        "the judge in Lincoln gave him a restraining order for 5 years",
        "he works at a garage in Chester on weekdays",
        "the Police Scotland guidance is different but we're in England",
        "He said the kids are better off with him, she said he's lying",
        "food prices rose so much that he uses money to control her",
        "We are based in Wakefield and cover the whole of West Yorkshire",
        "Perpetrator is in the Armed Forces, posted abroad in summer",
        "Is there any point doing DASH again after 3 weeks?",
        "MARAC chair in Preston says the case is too complex",
        "NHS safeguarding lead has asked for the minutes",
        "Hi, quick one, does the DVDS apply to ex partners?",
        "Probation Service, Kent, Surrey and Sussex region",
        "She is 8 weeks pregnant and he doesn't know yet",
        "Dawn to dusk he's at the pub according to her",
        "Jack up the risk level? I'd say medium to high",
    ]


def parse(marked: str) -> dict[str, object]:
    text_parts: list[str] = []
    spans: list[dict[str, object]] = []
    pos = 0
    length = 0
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
    assert "[[" not in text and "]]" not in text, marked
    return {"text": text, "spans": spans}


def validate(row: dict[str, object], source: str) -> None:
    text = row["text"]
    assert isinstance(text, str)
    spans = row["spans"]
    assert isinstance(spans, list)
    last = -1
    for span in sorted(spans, key=lambda s: s["start"]):
        start, end = span["start"], span["end"]
        assert 0 <= start < end <= len(text), source
        assert start >= last, f"overlap in {source}"
        value = text[start:end]
        assert value == value.strip() and value, (source, value)
        last = end
    for hit in MARK.finditer(source):
        assert hit.group(1) in text


def main() -> None:
    nhs_raw_check()
    pos = positives() + structured_extra()
    neg = negatives()
    rows = []
    for src in pos + neg:
        row = parse(src)
        validate(row, src)
        rows.append(row)
    # interleave deterministically so both halves get positives and negatives
    order = list(range(len(rows)))
    random.Random(7).shuffle(order)
    rows = [rows[i] for i in order]
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    n_neg = sum(1 for r in rows if not r["spans"])
    print(f"wrote {len(rows)} messages ({n_neg} with no identifiers) to {OUT}")


if __name__ == "__main__":
    main()
