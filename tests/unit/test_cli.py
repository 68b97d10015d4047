"""The `cim` command's promises to a newcomer."""

import socket

import pytest

from cim.cli import main


def _closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_up_without_a_broker_says_how_to_start_one(monkeypatch, tmp_path):
    monkeypatch.setenv("AMQP_URI", f"amqp://guest:guest@127.0.0.1:{_closed_port()}/")
    monkeypatch.setenv("CIM_DATA_DIR", str(tmp_path))
    with pytest.raises(SystemExit) as stopped:
        main(["up"])
    assert "RabbitMQ does not answer" in str(stopped.value)
    assert "rabbitmq-server -detached" in str(stopped.value)
    assert not (tmp_path / "run").exists()  # nothing was started


def test_dev_token_prints_a_token_the_gateway_accepts(monkeypatch, capsys):
    from services.gateway.auth import authenticate
    from shared.settings import load_settings

    monkeypatch.setenv("CIM_ENV", "development")
    main(["dev-token", "--sub", "s-1001", "--role", "student"])
    token = capsys.readouterr().out.strip()
    identity = authenticate(f"Bearer {token}", load_settings("gateway"))
    assert (identity.subject, identity.role) == ("s-1001", "student")
