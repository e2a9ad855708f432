"""Fixtures of the dossiers tests."""

import pytest
from redis.connection import AbstractConnection


@pytest.fixture
def redis_round_trips(monkeypatch):
    """What is sent to the real Redis server, one entry per round trip (a pipeline is one);
    the server still answers every request."""
    sent: list[object] = []
    send = AbstractConnection.send_packed_command

    def counting(self, command, check_health=True):
        sent.append(command)
        return send(self, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counting)
    return sent
