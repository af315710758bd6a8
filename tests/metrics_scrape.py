"""Reading a real /metrics scrape in tests."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families


class Scrape:
    def __init__(self, text: str) -> None:
        self.text = text
        self.samples: list[tuple[str, dict[str, str], float]] = [
            (s.name, dict(s.labels), s.value)
            for family in text_string_to_metric_families(text)
            for s in family.samples
        ]

    @property
    def names(self) -> set[str]:
        return {name for name, _, _ in self.samples}

    def value(self, name: str, **labels: str) -> float:
        """The sum of `name`'s samples whose labels include `labels`."""
        return sum(v for n, ls, v in self.samples if n == name and labels.items() <= ls.items())

    def labelled(self, name: str, label: str) -> dict[str, float]:
        return {ls[label]: v for n, ls, v in self.samples if n == name and label in ls}


async def scrape(url: str, **headers: str) -> Scrape:
    async with httpx.AsyncClient() as http:
        response = await http.get(url, headers=headers)
    assert response.status_code == 200, response.text
    return Scrape(response.text)
