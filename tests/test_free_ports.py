"""Servers started by `cdps run` and the tests get ports that no outgoing connection can take first."""

from __future__ import annotations

import socket

from cdps.embedded import ephemeral_ports, free_port


def test_free_ports_are_distinct_bindable_and_outside_the_ephemeral_range() -> None:
    ports = [free_port() for _ in range(50)]
    assert len(set(ports)) == len(ports)
    assert not [port for port in ports if port in ephemeral_ports()]
    for port in ports[:5]:
        with socket.socket() as server:
            server.bind(("127.0.0.1", port))
            server.listen()
