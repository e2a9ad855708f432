"""The axe-core check of a page in the browser journeys: no serious or critical violation."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

BLOCKING = {"serious", "critical"}


def assert_accessible(page) -> None:
    """Run axe-core (WCAG 2 A/AA rules and best practices) on the page as it is now."""
    results = Axe().run(page)
    blocking = [v for v in results.response["violations"] if v.get("impact") in BLOCKING]
    details = [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(node["target"][0] if node["target"] else "?" for node in v["nodes"][:5])
        for v in blocking
    ]
    assert not blocking, f"{page.url}:\n" + "\n".join(details)
