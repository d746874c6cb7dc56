"""URLs with passwords (stores, brokers) never show them."""

from __future__ import annotations

import pytest

from jupyter_workflows._core import UsageError
from jupyter_workflows._core._secret_url import SecretURL, amqp_url, redact_url, scrub_secrets


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("amqp://guest:guest@127.0.0.1:5672/", "amqp://guest:***@127.0.0.1:5672/"),
        (
            "amqps://jw:p%40ss@broker.example:5671/vhost?heartbeat=30",
            "amqps://jw:***@broker.example:5671/vhost?heartbeat=30",
        ),
        ("amqp://jw@broker.example/", "amqp://jw@broker.example/"),
        ("amqp://host/?password=pw&x=1", "amqp://host/?password=***&x=1"),
        ("amqp://guest:Zebra/Pw9917@127.0.0.1:5672/", "amqp://guest:***@127.0.0.1:5672/"),  # "/" not encoded
        ("amqp://guest:p@ss@host/", "amqp://guest:***@host/"),
        ("postgresql+psycopg://postgres@127.0.0.1:5432/db", "postgresql+psycopg://postgres@127.0.0.1:5432/db"),
    ],
)
def test_redact_url(url, shown):
    assert redact_url(url) == shown
    assert str(SecretURL(url)) == shown and repr(SecretURL(url)) == f"SecretURL({shown!r})"


def test_secret_url_reveals_only_on_request():
    url = SecretURL("amqp://jw:s3cret@host/")
    assert url.reveal() == "amqp://jw:s3cret@host/"
    assert SecretURL(url) == url and "s3cret" not in f"{url} {url!r}"


def test_scrub_secrets_masks_the_password_raw_and_encoded():
    url = "amqp://jw:p%40ss@host/"
    assert scrub_secrets("login p@ss / p%40ss refused", url) == "login *** / *** refused"


def test_a_password_with_a_slash_not_encoded_is_masked_in_what_a_failure_says():
    url = "amqp://guest:Zebra/Pw9917@127.0.0.1:5672/"
    said = f"Cannot reach the message broker at {url}: ValueError: Invalid URL"
    assert "Pw9917" not in scrub_secrets(said, url) and "Zebra" not in scrub_secrets(said, url)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("amqp://guest:Zebra/Pw9917@127.0.0.1:5672/", "cannot be read as amqp://user:password@host:port/vhost"),
        ("amqp://127.0.0.1:port/", "cannot be read as amqp://user:password@host:port/vhost"),
        ("http://guest:guest@127.0.0.1:5672/", "is not an AMQP URL"),
    ],
)
def test_a_broker_url_that_cannot_be_read_is_refused_saying_how_to_write_it(url, expected):
    with pytest.raises(UsageError, match=expected) as caught:
        amqp_url(url)
    assert "Pw9917" not in str(caught.value)
    assert amqp_url("amqp://guest:Zebra%2FPw9917@127.0.0.1:5672/").reveal().endswith("@127.0.0.1:5672/")
