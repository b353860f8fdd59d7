"""Settings come from the environment and refuse bad values with a clear message."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from disputes_site.env import env_bool, env_database, env_int, env_redis_url, redis_url_with_db
from tests.processes import manage

ROOT = Path(__file__).resolve().parents[2]


def test_database_url_postgres():
    config = env_database(
        "DATABASE_URL", "", environ={"DATABASE_URL": "postgres://app:s3cret@db:5433/disputes"}
    )
    assert (config["ENGINE"], config["HOST"], config["PORT"], config["NAME"]) == (
        "django.db.backends.postgresql",
        "db",
        5433,
        "disputes",
    )


def test_database_url_default_is_the_embedded_sqlite():
    config = env_database("DATABASE_URL", "sqlite:////tmp/x.sqlite3", environ={})
    assert config["ENGINE"] == "django.db.backends.sqlite3"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("postgres://app:pw@db:notaport/disputes", "DATABASE_URL is not a valid database URL"),
        ("mysql://app@db/disputes", "DATABASE_URL must be a postgres:// or sqlite:/// URL"),
        ("just some words", "DATABASE_URL must be a postgres:// or sqlite:/// URL"),
        ("postgres://app@db:5432/", "DATABASE_URL must name a database"),
    ],
)
def test_malformed_database_url_is_refused(value, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        env_database("DATABASE_URL", "", environ={"DATABASE_URL": value})


def test_password_is_not_echoed_in_the_error():
    with pytest.raises(ImproperlyConfigured) as error:
        env_database("DATABASE_URL", "", environ={"DATABASE_URL": "mysql://app:hunter2@db/x"})
    assert "hunter2" not in str(error.value)


def test_integer_settings_refuse_words_and_too_small_values():
    with pytest.raises(
        ImproperlyConfigured, match="ORDERS_PER_PAGE must be a whole number, got 'ten'"
    ):
        env_int("ORDERS_PER_PAGE", 20, environ={"ORDERS_PER_PAGE": "ten"})
    with pytest.raises(ImproperlyConfigured, match="must be at least 1, got 0"):
        env_int("ORDERS_PER_PAGE", 20, minimum=1, environ={"ORDERS_PER_PAGE": "0"})
    assert env_int("ORDERS_PER_PAGE", 20, environ={"ORDERS_PER_PAGE": " 35 "}) == 35


def test_booleans_are_strict():
    assert env_bool("X", False, environ={"X": "yes"}) is True
    assert env_bool("X", True, environ={"X": "off"}) is False
    with pytest.raises(ImproperlyConfigured, match="X must be true or false"):
        env_bool("X", False, environ={"X": "maybe"})


def test_redis_url_is_checked_and_the_cache_gets_its_own_database():
    assert env_redis_url("REDIS_URL", environ={}) is None
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL must look like redis://"):
        env_redis_url("REDIS_URL", environ={"REDIS_URL": "localhost:6379"})
    assert redis_url_with_db("redis://cache:6379/0", 1) == "redis://cache:6379/1"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DATABASE_URL", "postgres://u@h:port/db", "DATABASE_URL is not a valid database URL"),
        ("ORDERS_PER_PAGE", "twenty", "ORDERS_PER_PAGE must be a whole number, got 'twenty'"),
        ("MEDIATOR_MFA_REQUIRED", "sometimes", "MEDIATOR_MFA_REQUIRED must be true or false"),
    ],
)
def test_the_process_stops_at_start_up_on_a_bad_value(variable, value, message, tmp_path):
    result = manage("check", **{variable: value, "VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="disputes_site.settings.production",
        DJANGO_SECRET_KEY="k" * 20 + "Zq8#Lr2!vXp9@Tm4$Wn7^Ys1&Ub6*Hc3(Jd5)Fe0",
        DJANGO_ALLOWED_HOSTS="disputes.example.com",
        DATABASE_URL="postgres://disputes@db.internal:5432/disputes",
        REDIS_URL="redis://redis.internal:6379/0",
        EMAIL_HOST="smtp.example.com",
        # The base64 of a 32-byte Ed25519 seed: without a key the deploy check fails.
        AUDIT_SIGNING_KEY="c2lnbmluZy1rZXktb2YtdGhlLWRlcGxveS1jaGVjayE=",
        VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_the_demo_secret_key(tmp_path):
    result = manage(
        "check",
        DJANGO_SETTINGS_MODULE="disputes_site.settings.production",
        DJANGO_ALLOWED_HOSTS="disputes.example.com",
        VAR_DIR=str(tmp_path),
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_collectstatic_builds_the_manifest(tmp_path):
    # The Dockerfile runs this at build time; a vendored file that names a
    # missing source map would break it.
    result = manage(
        "collectstatic",
        "--noinput",
        DJANGO_SETTINGS_MODULE="disputes_site.settings.production",
        DJANGO_SECRET_KEY="build-only-" + "x" * 50,
        DJANGO_ALLOWED_HOSTS="localhost",
        VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "staticfiles" / "staticfiles.json").exists()


def test_choices_and_lists_refuse_what_they_do_not_know():
    from disputes_site.env import env_choice, env_int_list

    with pytest.raises(
        ImproperlyConfigured,
        match="SELLER_SILENCE_POLICY must be one of platform_review, grant_claim",
    ):
        env_choice(
            "SELLER_SILENCE_POLICY",
            "platform_review",
            ("platform_review", "grant_claim"),
            environ={"SELLER_SILENCE_POLICY": "ignore"},
        )
    assert env_int_list("P", [50, 90], minimum=1, maximum=99, environ={"P": "25,75"}) == [25, 75]
    with pytest.raises(ImproperlyConfigured, match="P values must be from 1 to 99, got 120"):
        env_int_list("P", [50], minimum=1, maximum=99, environ={"P": "50,120"})


# Seeds 0 and 10 put the old frozenset of terminal states in the other order.
@pytest.mark.parametrize("seed", ["0", "1", "10"])
def test_models_and_migrations_agree_whatever_the_hash_seed(seed, tmp_path):
    # A set's order changes with the hash seed; if one reached a migration,
    # some processes would see model changes that others do not.
    result = manage(
        "makemigrations", "--check", "--dry-run", PYTHONHASHSEED=seed, VAR_DIR=str(tmp_path)
    )
    assert result.returncode == 0, result.stdout + result.stderr
