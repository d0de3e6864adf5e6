"""The runbooks: one for every issue of the seeds, user ones over built-in ones, never a crash."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from opstui.config import load_config_text
from opstui.runbooks import default_runbooks_dir, load_runbooks, slugify

SEEDS = Path(os.environ.get("OPSTUI_SEEDS_DIR") or Path(__file__).parents[1] / "seeds")

SEED_ISSUES = {
    # "Common Issues & Resolutions" (post-launch monitoring checklist)
    "high-error-rate": ["Check error logs for common patterns", "roll back immediately"],
    "payment-failures-spike": ["Check the Stripe dashboard", "allow COD"],
    "slow-response-times": ["Check APM for slow endpoints", "Add database indexes"],
    "email-delivery-failures": ["Verify sender domain authentication (SPF, DKIM)", "backup SMTP"],
    # "Runbooks" (post-deployment operations)
    "database-connection-errors": ["Check the network / IP whitelist", "Verify the connection string"],
    "payment-failures": ["Check the Stripe / M-Pesa dashboard", "Check the webhook logs"],
    "email-delivery-issues": ["Check spam / blacklist status", "Review the email logs"],
    "file-upload-failures": ["Check the MIME type validation", "Verify the file size limits"],
}


@pytest.fixture
def no_user_dir(tmp_path: Path) -> Path:
    return tmp_path / "nothing-here"


@pytest.mark.parametrize("slug", sorted(SEED_ISSUES))
def test_every_seed_issue_has_a_builtin_runbook_with_its_steps(slug: str, no_user_dir: Path) -> None:
    runbook = load_runbooks(no_user_dir).get(slug)
    assert runbook is not None
    assert runbook.origin == "built-in"
    for section in ("## Symptoms", "## Diagnosis", "## Resolution"):
        assert section in runbook.markdown
    for step in SEED_ISSUES[slug]:
        assert step.lower() in runbook.markdown.lower()
    assert not runbook.markdown.startswith("---"), "front matter is not shown"


@pytest.mark.skipif(not SEEDS.is_dir(), reason="seed documents not available here")
def test_every_heading_of_the_seed_sections_finds_a_runbook(no_user_dir: Path) -> None:
    library = load_runbooks(no_user_dir)
    checklist = next(SEEDS.glob("000_*.txt")).read_text()
    common = checklist.split("## Common Issues & Resolutions")[1].split("\n## ")[0]
    headings = [
        line.removeprefix("### Issue: ").split(" (")[0] for line in common.splitlines() if line.startswith("### ")
    ]
    operations = next(SEEDS.glob("004_*.txt")).read_text()
    runbooks = operations.split("## Runbooks")[1].split("\n## ")[0]
    headings += [line.removeprefix("#### ") for line in runbooks.splitlines() if line.startswith("#### ")]
    assert len(headings) == 8
    for heading in headings:
        assert library.get(heading) is not None, heading


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("payment-system-down", "payment-failures-spike"),
        ("Slow Response Time", "slow-response-times"),
        ("database-connection-issues", "database-connection-errors"),
        ("Database Connection Lost", "database-connection-errors"),
        ("Elevated Error Rate", "high-error-rate"),
        ("Service Down", "service-down"),
    ],
)
def test_alert_rule_names_find_their_runbook(name: str, slug: str, no_user_dir: Path) -> None:
    runbook = load_runbooks(no_user_dir).get(name)
    assert runbook is not None and runbook.slug == slug


def test_unknown_slug_is_a_clear_text_not_a_crash(no_user_dir: Path) -> None:
    library = load_runbooks(no_user_dir)
    assert library.get("x") is None
    text = library.markdown("x")
    assert "No runbook 'x'" in text
    assert "`high-error-rate`" in text
    assert "No runbook is linked" in library.markdown(None)


def test_free_text_runbook_is_shown_as_the_rules_guidance(no_user_dir: Path) -> None:
    text = load_runbooks(no_user_dir).markdown("Check error logs; rollback if a deploy is recent")
    assert text.startswith("Check error logs; rollback if a deploy is recent")


def test_fallback_to_the_rule_name(no_user_dir: Path) -> None:
    assert "Check APM" in load_runbooks(no_user_dir).markdown(None, "Slow Response Time")


def test_user_folder_adds_and_overrides_by_slug(tmp_path: Path) -> None:
    (tmp_path / "high-error-rate.md").write_text("# Our error rate runbook\n\nCall Dana.\n")
    (tmp_path / "Cache Stampede.md").write_text(
        "---\ntitle: Cache stampede\naliases: [thundering-herd]\n---\nWarm it.\n"
    )
    library = load_runbooks(tmp_path)
    ours = library.get("high-error-rate")
    assert ours is not None and ours.markdown == "# Our error rate runbook\n\nCall Dana.\n"
    assert ours.origin == str(tmp_path / "high-error-rate.md")
    assert library.get("elevated-error-rate") is ours, "the built-in aliases follow the override"
    added = library.get("thundering-herd")
    assert added is not None and added.slug == "cache-stampede" and added.title == "Cache stampede"
    assert library.get("payment-failures") is not None, "the other built-ins stay"


def test_unreadable_user_file_is_skipped_and_noted(tmp_path: Path) -> None:
    (tmp_path / "broken.md").write_bytes(b"\xff\xfe not utf-8 \xff")
    (tmp_path / "bad-front.md").write_text("---\ntitle: [unclosed\n---\nbody\n")
    library = load_runbooks(tmp_path)
    assert library.get("broken") is None and library.get("bad-front") is None
    assert len(library.problems) == 2
    assert all("\n" not in problem for problem in library.problems)


def test_config_names_the_user_folder(tmp_path: Path) -> None:
    config = load_config_text(f"runbooks_dir: {tmp_path}\n")
    assert config.runbooks_dir == str(tmp_path)
    assert load_config_text("{}\n").runbooks_dir is None
    assert default_runbooks_dir().name == "runbooks"


def test_slugify() -> None:
    assert slugify("High Error Rate (> 5%)") == "high-error-rate-5"
    assert slugify("  Payment System Down ") == "payment-system-down"


def test_every_seed_alert_rule_links_a_runbook(no_user_dir: Path) -> None:
    """The built-in rules name runbooks by slug; each must open a real runbook, not the fallback text."""
    from opstui.alerts.seeds import SEED_RULES

    library = load_runbooks(no_user_dir)
    for rule in SEED_RULES:
        assert library.find(rule.get("runbook"), rule["name"]) is not None, rule["name"]
