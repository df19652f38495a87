"""Made-up people and made-up secrets for the simulator: an employee directory and synthetic PII.

Everything here is generated from a seeded ``random.Random``, so a seed reproduces the same
directory and the same secrets. The secrets are shaped like the real thing (card numbers pass
Luhn, IBANs pass mod-97, SSNs avoid the never-issued ranges) because the sanitizer's recognizers
check such details; a simulator that emitted obviously fake values would overstate recall.
"""

from __future__ import annotations

import csv
import random
import string
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

CORP_DOMAIN = "corp.example"
EXTERNAL_DOMAINS = ("example.com", "example.net", "mail.example.org", "customer.example")

FIRST_NAMES = (
    "Jane", "John", "Mei", "Rafael", "Aisha", "Lukas", "Sofia", "Omar", "Priya", "Tomasz",
    "Chloe", "Kenji", "Fatima", "Diego", "Ingrid", "Kwame", "Elena", "Arjun", "Nora", "Mateo",
    "Hana", "Victor", "Zainab", "Pierre", "Olga", "Samuel", "Leila", "Andrei", "Yuki", "Grace",
    "Ibrahim", "Marta", "Chen", "Amara", "Felix", "Rosa", "Dmitri", "Isabel", "Tariq", "Lena",
)  # fmt: skip
LAST_NAMES = (
    "Doe", "Novak", "Petrova", "Okafor", "Schmidt", "Rossi", "Haddad", "Sharma", "Kowalski",
    "Martin", "Tanaka", "Hussain", "Garcia", "Johansson", "Mensah", "Ivanova", "Patel", "Berg",
    "Fernandez", "Kim", "Moreau", "Volkov", "Nakamura", "Adeyemi", "Costa", "Lindqvist", "Wong",
    "Mbeki", "Dubois", "Silva", "Yilmaz", "Fischer", "Romano", "Kaur", "Nilsen", "Alvarez",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Employee:
    display_name: str
    email: str
    login: str

    @property
    def first(self) -> str:
        return self.display_name.split()[0]


def make_directory(rng: random.Random, size: int) -> list[Employee]:
    """``size`` distinct employees with corporate emails and short logins (``jdoe``, ``jdoe2``)."""
    people: list[Employee] = []
    emails: set[str] = set()
    logins: set[str] = set()
    while len(people) < size:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        local = f"{first}.{last}".lower()
        email, n = f"{local}@{CORP_DOMAIN}", 1
        while email in emails:
            n += 1
            email = f"{local}{n}@{CORP_DOMAIN}"
        login_base = (first[0] + last).lower()[:8]
        login, m = login_base, 1
        while login in logins:
            m += 1
            login = f"{login_base}{m}"
        emails.add(email)
        logins.add(login)
        people.append(Employee(f"{first} {last}", email, login))
    return people


def write_directory_csv(people: Sequence[Employee], path: Path) -> None:
    """The CSV ``transforms.directory.Directory.from_csv`` reads: display_name,email,login."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["display_name", "email", "login"])
        for person in people:
            writer.writerow([person.display_name, person.email, person.login])


def luhn_check_digit(digits: str) -> str:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:  # these positions are doubled once the check digit is appended
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    digits = [c for c in number if c.isdigit()]
    return bool(digits) and luhn_check_digit("".join(digits[:-1])) == digits[-1]


def card_number(rng: random.Random) -> str:
    """A Luhn-valid Visa, Mastercard or Amex number, grouped the way people paste them."""
    prefix, length = rng.choice((("4", 16), ("51", 16), ("55", 16), ("37", 15), ("34", 15)))
    body = prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    digits = body + luhn_check_digit(body)
    separator = rng.choice((" ", "-", ""))
    if length == 15:
        return separator.join((digits[:4], digits[4:10], digits[10:]))
    return separator.join(digits[i : i + 4] for i in range(0, 16, 4))


def ssn(rng: random.Random) -> str:
    """A US SSN of valid shape: no 000/666/9xx area, no 00 group, no 0000 serial."""
    area = rng.choice([a for a in range(1, 900) if a != 666])
    return f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


def iban(rng: random.Random) -> str:
    """A mod-97-valid German or British IBAN, printed in groups of four."""
    if rng.random() < 0.5:
        country, bban = "DE", "".join(rng.choice(string.digits) for _ in range(18))
    else:
        bank = "".join(rng.choice(string.ascii_uppercase) for _ in range(4))
        country, bban = "GB", bank + "".join(rng.choice(string.digits) for _ in range(14))
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    code = f"{country}{98 - int(numeric) % 97:02d}{bban}"
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


def phone(rng: random.Random) -> str:
    """US, UK or German numbers in the formats people type into chats and titles."""
    kind = rng.randrange(4)
    if kind == 0:
        return f"+1 ({rng.randint(201, 989)}) {rng.randint(200, 989)}-{rng.randint(0, 9999):04d}"
    if kind == 1:
        return f"{rng.randint(201, 989)}-{rng.randint(200, 989)}-{rng.randint(0, 9999):04d}"
    if kind == 2:
        return f"+44 20 {rng.randint(7000, 8999)} {rng.randint(0, 9999):04d}"
    return f"+49 30 {rng.randint(100000, 999999)}{rng.randint(10, 99)}"


def external_email(rng: random.Random) -> str:
    first, last = rng.choice(FIRST_NAMES).lower(), rng.choice(LAST_NAMES).lower()
    local = rng.choice((f"{first}.{last}", f"{first[0]}{last}{rng.randint(1, 99)}", first))
    return f"{local}@{rng.choice(EXTERNAL_DOMAINS)}"


SECRETS = {"email": external_email, "phone": phone, "card": card_number, "ssn": ssn, "iban": iban}


def secret(rng: random.Random) -> tuple[str, str]:
    """One piece of PII and its kind, for clipboards, text fields and sentences."""
    kind = rng.choice(tuple(SECRETS))
    return kind, SECRETS[kind](rng)


@dataclass(frozen=True, slots=True)
class Window:
    app: str
    title: str
    url: str | None = None
    field: str = "textarea"  # what a text_input in this window fills


def window(rng: random.Random, coworkers: Sequence[Employee], me: Employee) -> Window:
    """A focused window whose title or URL carries what real ones do: names, emails, numbers."""
    who = rng.choice(coworkers)
    ticket = f"{rng.choice(('PAY', 'HR', 'OPS', 'SEC'))}-{rng.randint(100, 9999)}"
    customer = external_email(rng)
    chrome, kind = "Google Chrome", rng.randrange(11)
    if kind == 0:
        title = f"RE: offer letter for {who.display_name} - {who.email} - Message (HTML)"
        return Window("Microsoft Outlook", title)
    if kind == 1:
        return Window("Slack", f"{who.display_name} (DM) - Slack")
    if kind == 2:
        title = f"{ticket} Refund for card {card_number(rng)} - Zendesk - {chrome}"
        url = f"https://support.{CORP_DOMAIN}/tickets/{ticket}?requester={customer}"
        return Window(chrome, title, url, field="text")
    if kind == 3:
        title = f"Call back {phone(rng)} ({who.first}) - Salesforce - {chrome}"
        url = f"https://crm.{CORP_DOMAIN}/contacts/{rng.randint(10**6, 10**7)}/edit#phone"
        return Window(chrome, title, url, field="text")
    if kind == 4:
        return Window("Microsoft Excel", f"salaries_2026_{who.login}.xlsx - Excel", field="text")
    if kind == 5:
        return Window("zoom.us", f"Zoom Meeting with {who.display_name}")
    if kind == 6:
        return Window("1Password", f"1Password - {me.email}", field="password")
    if kind == 7:
        url = f"https://login.{CORP_DOMAIN}/signin?login_hint={me.email}"
        return Window(chrome, f"Sign in - {me.email} - {chrome}", url, field="password")
    if kind == 8:
        return Window("Terminal", f"ssh {me.login}@build-{rng.randint(1, 40):02d} — zsh")
    if kind == 9:
        url = f"https://mail.{CORP_DOMAIN}/inbox?q=from:{customer}&token={rng.getrandbits(64):x}"
        title = f"Inbox ({rng.randint(1, 300)}) - {me.email} - Mail"
        return Window("Firefox", title, url, field="search")
    return Window("Visual Studio Code", "main.py - payments-service - Visual Studio Code")
