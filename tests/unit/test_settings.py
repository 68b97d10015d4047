"""The settings loader: environment first, then the config file, then defaults."""

import pytest

from shared.settings import load_settings


def test_environment_wins_over_the_config_file():
    settings = load_settings("registration", {"AMQP_URI": "amqp://from-config/"}, env={"AMQP_URI": "amqp://from-env/"})
    assert settings.amqp_uri == "amqp://from-env/"


def test_the_config_file_is_used_when_the_environment_is_silent():
    settings = load_settings("registration", {"AMQP_URI": "amqp://from-config/"}, env={})
    assert settings.amqp_uri == "amqp://from-config/"


def test_a_service_specific_variable_wins_over_the_general_one():
    env = {"DATABASE_URL": "postgresql://h/cim_{service}", "CERTIFICATES_DATABASE_URL": "postgresql://other/certs"}
    assert load_settings("certificates", {}, env=env).database_url == "postgresql+pg8000://other/certs"
    assert load_settings("ceremony", {}, env=env).database_url == "postgresql+pg8000://h/cim_ceremony"


def test_sqlite_is_the_default_with_one_file_per_service(tmp_path):
    settings = load_settings("approvals", {}, env={"CIM_DATA_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path}/approvals.db"


def test_a_config_file_named_by_cim_config_is_read(tmp_path):
    path = tmp_path / "cim.yaml"
    path.write_text("SMTP_PORT: 2525\nCIM_ENV: production\n")
    settings = load_settings("notifications", env={"CIM_CONFIG": str(path)})
    assert settings.smtp_port == 2525 and not settings.is_development


def test_a_bad_number_is_a_clear_error():
    with pytest.raises(ValueError, match="CIM_RETRY_LIMIT"):
        load_settings("registration", {}, env={"CIM_RETRY_LIMIT": "many"})


def test_any_service_setting_follows_the_same_precedence():
    from shared.settings import SettingsSource

    source = SettingsSource(
        "gateway",
        {"CIM_OIDC_ISSUER": "https://from-config", "X": "c"},
        env={"CIM_OIDC_ISSUER": "https://from-env", "GATEWAY_CIM_RATE_LIMIT_WRITES": "5/60"},
    )
    assert source.get("CIM_OIDC_ISSUER") == "https://from-env"
    assert source["CIM_RATE_LIMIT_WRITES"] == "5/60"
    assert source.get("X") == "c" and source.get("MISSING", "d") == "d"
    assert "MISSING" not in source


def test_the_mail_servers_security_and_login_are_settings_and_the_password_is_never_shown():
    env = {"SMTP_SECURITY": "starttls", "SMTP_USERNAME": "cim", "SMTP_PASSWORD": "hunter2", "SMTP_TLS_VERIFY": "no"}
    settings = load_settings("notifications", {}, env=env)
    assert (settings.smtp_security, settings.smtp_username, settings.smtp_password) == ("starttls", "cim", "hunter2")
    assert settings.smtp_tls_verify is False and "hunter2" not in repr(settings) + str(settings)
    defaults = load_settings("notifications", {}, env={})
    assert (defaults.smtp_security, defaults.smtp_username, defaults.smtp_tls_verify) == ("none", "", True)


def test_a_bad_yes_or_no_is_a_clear_error():
    with pytest.raises(ValueError, match="SMTP_TLS_VERIFY"):
        load_settings("notifications", {}, env={"SMTP_TLS_VERIFY": "perhaps"})


def test_the_secrets_are_never_shown_and_urls_show_no_password():
    env = {
        "CIM_DEV_ISSUER_SECRET": "s3cret-signing-key",
        "AMQP_URI": "amqp://cim:broker-pw@rabbit:5672/cim",
        "DATABASE_URL": "postgresql://cim:db-pw@db:5432/approvals",
    }
    settings = load_settings("approvals", {}, env=env)
    assert settings.dev_issuer_secret == "s3cret-signing-key" and "broker-pw" in settings.amqp_uri
    shown = repr(settings) + str(settings)
    for secret in ("s3cret-signing-key", "broker-pw", "db-pw"):
        assert secret not in shown
    assert "amqp://cim:***@rabbit:5672/cim" in shown and "postgresql+pg8000://cim:***@db:5432/approvals" in shown
    assert "service='approvals'" in shown and "retry_limit=" in shown  # the rest is still there
