"""Plant fake identifiers into a share of notes, recording exactly which kinds were planted (``planted_phi``).

Used to test the PHI guard: on synthetic notes it must find what was planted and nothing else. All values are
fabricated (reserved 555-01xx phone numbers, example.org/example.com domains, private IP ranges, area numbers that
look valid but come from a random generator); none belongs to a real person.
"""

from __future__ import annotations

import random
from typing import Literal

PhiKind = Literal["person", "phone", "email", "ssn", "mrn", "date", "address", "url", "ip"]
PHI_KINDS: tuple[PhiKind, ...] = ("person", "phone", "email", "ssn", "mrn", "date", "address", "url", "ip")

FAKE_FIRST_NAMES = (
    "Maria",
    "James",
    "Linda",
    "Robert",
    "Aisha",
    "Wei",
    "Carlos",
    "Olga",
    "Daniel",
    "Priya",
    "Tomasz",
    "Grace",
)
FAKE_LAST_NAMES = (
    "Kowalczyk",
    "Hernandez",
    "Okafor",
    "Lindqvist",
    "Nakamura",
    "Brennan",
    "Castellano",
    "Whitfield",
    "Moreau",
)
_AREA_CODES = ("212", "312", "415", "617", "713", "206", "303", "404", "503", "602")
_STREETS = ("Maple Avenue", "Birch Lane", "Harbor Road", "Cedar Court", "Mill Street", "Orchard Drive")
_CITIES = (("Springfield", "IL"), ("Riverton", "WY"), ("Fairview", "OR"), ("Greenville", "SC"), ("Clinton", "IA"))


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FAKE_FIRST_NAMES)} {rng.choice(FAKE_LAST_NAMES)}"


def _value(rng: random.Random, kind: PhiKind) -> str:
    if kind == "person":
        return _name(rng)
    if kind == "phone":
        # A real area code with the 555-0100..0199 block reserved for fiction: valid-looking, never anyone's line.
        return f"({rng.choice(_AREA_CODES)}) 555-01{rng.randint(0, 99):02d}"
    if kind == "email":
        first, last = rng.choice(FAKE_FIRST_NAMES).lower(), rng.choice(FAKE_LAST_NAMES).lower()
        return f"{first}.{last}{rng.randint(10, 99)}@example.com"
    if kind == "ssn":
        return f"{rng.randint(100, 665):03d}-{rng.randint(10, 99):02d}-{rng.randint(1000, 9999):04d}"
    if kind == "mrn":
        return f"{rng.randint(10_000_000, 99_999_999)}"
    if kind == "date":
        return f"{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/{rng.randint(1940, 2005)}"
    if kind == "address":
        city, state = rng.choice(_CITIES)
        return f"{rng.randint(100, 9899)} {rng.choice(_STREETS)}, {city}, {state} {rng.randint(10000, 99950)}"
    if kind == "url":
        return f"https://portal.example.org/chart/{rng.randint(100000, 999999)}"
    prefix = rng.choice(["10", "192.168", "172.16"])
    rest = ".".join(str(rng.randint(1, 254)) for _ in range(4 - prefix.count(".") - 1))
    return f"{prefix}.{rest}"


_SENTENCES: dict[PhiKind, tuple[str, ...]] = {
    "person": ("Patient name: {v}.", "Accompanied today by {v}."),
    "phone": ("Call back number {v}.", "Best contact phone: {v}."),
    "email": ("Prefers results by email at {v}.", "Email on file: {v}."),
    "ssn": ("SSN {v} verified at check-in.", "Social security number: {v}."),
    "mrn": ("MRN: {v}.", "Medical record number {v}."),
    "date": ("DOB {v}.", "Date of birth: {v}."),
    "address": ("Home address: {v}.", "Lives at {v}."),
    "url": ("Portal link sent: {v}", "Education handout at {v}"),
    "ip": ("Telehealth session logged from {v}.", "Device IP {v} recorded by the portal."),
}


def plant_phi(rng: random.Random, text: str) -> tuple[str, list[PhiKind]]:
    """Insert one to three fake identifiers of distinct kinds into the note; returns the text and their kinds."""
    kinds = sorted(rng.sample(PHI_KINDS, k=rng.choice([1, 1, 2, 3])), key=PHI_KINDS.index)
    paragraphs = text.split("\n\n")
    for kind in kinds:
        sentence = rng.choice(_SENTENCES[kind]).format(v=_value(rng, kind))
        position = rng.randrange(len(paragraphs) + 1)
        paragraphs.insert(position, sentence)
    return "\n\n".join(paragraphs), list(kinds)
