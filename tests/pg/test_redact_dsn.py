"""A DSN's password is hidden in every form PostgreSQL accepts (no server needed)."""

from __future__ import annotations

import pytest

from opstui.redact import dsn_secrets, redact, redact_dsn


@pytest.mark.parametrize(
    ("dsn", "shown"),
    [
        (
            "postgresql://shop:s3cr%40t@db:5432/shop?sslmode=require",
            "postgresql://shop:***@db:5432/shop?sslmode=require",
        ),
        ("postgres://shop@db/shop", "postgres://shop@db/shop"),
        ("postgresql://db/shop?user=shop&password=abc", "postgresql://db/shop?user=shop&password=***"),
        ("host=db user=shop password=xyz dbname=shop", "host=db user=shop password=*** dbname=shop"),
        ("host=db password='a b c' dbname=shop", "host=db password=*** dbname=shop"),
    ],
)
def test_the_password_is_masked(dsn: str, shown: str) -> None:
    assert redact_dsn(dsn) == shown


def test_error_text_is_redacted_of_raw_and_decoded_passwords() -> None:
    dsn = "postgresql://shop:s3cr%40t@db:5432/shop"
    assert set(dsn_secrets(dsn)) == {"s3cr%40t", "s3cr@t"}
    assert redact("auth failed for s3cr@t and s3cr%40t", dsn_secrets(dsn)) == "auth failed for *** and ***"
