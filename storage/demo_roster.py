"""The demo roster: realistic staff in four cohorts (fictional names)."""

from __future__ import annotations

COHORT_NAMES = {
    "overnight-float": "Overnight float staff",
    "new-starters": "New starters (first 90 days)",
    "community-outreach": "Community outreach team",
    "elm-street": "Elm Street supported-living site",
}

_PEOPLE = [
    ("overnight-float", "Support worker", [
        "Amara Okafor", "Ben Kowalski", "Carmen Diaz", "Dev Patel", "Eilidh Ross", "Farid Haddad",
    ]),
    ("new-starters", "Care assistant", [
        "Grace Mensah", "Hugo Lindqvist", "Ines Moreau", "Jamal Wright", "Kasia Nowak", "Liam Byrne",
    ]),
    ("community-outreach", "Community support worker", [
        "Maya Thompson", "Nikhil Rao", "Olu Adeyemi", "Priya Shah", "Quinn Murphy", "Rosa Alvarez",
    ]),
    ("elm-street", "Senior support worker", [
        "Sam Fletcher", "Tariq Aziz", "Uma Bose", "Victor Hale", "Wen Li", "Yara Nasser",
    ]),
]


def demo_roster(size: int = 24) -> list[dict[str, str]]:
    """``size`` staff spread over the four cohorts; ids S001, S002, ..."""
    base = [(cohort, role, name) for cohort, role, names in _PEOPLE for name in names]
    rows = []
    for index in range(size):
        cohort, role, name = base[index % len(base)]
        if index >= len(base):
            name = f"{name} {index // len(base) + 1}"
        rows.append({"staff_id": f"S{index + 1:03d}", "name": name, "role": role, "cohort": cohort})
    return rows
