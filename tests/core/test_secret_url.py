"""URLs with passwords (stores, brokers) never show them."""

from __future__ import annotations

import pytest

from jupyter_workflows._core._secret_url import SecretURL, redact_url, scrub_secrets


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
