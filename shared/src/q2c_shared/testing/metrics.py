"""Reading a service's `/metrics` in tests."""

import httpx
from prometheus_client.parser import text_string_to_metric_families


async def scrape(client: httpx.AsyncClient) -> str:
    """The service's metrics exposition, fetched as Prometheus would (no auth header)."""
    request = client.build_request("GET", "/metrics")
    request.headers.pop("Authorization", None)
    response = await client.send(request)
    assert response.status_code == 200, response.text
    return response.text


def sample(exposition: str, name: str, **labels: str) -> float | None:
    """The sum of the samples called `name` whose labels include `labels`; None when there is
    no such sample (a labelled series appears once it was first counted)."""
    values = [
        sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())
    ]
    return sum(values) if values else None
