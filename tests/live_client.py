"""A real `graphql-transport-ws` client over a real websocket, for the live-layer tests."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

# Does something a subscription must deliver; returns a test recognising that event.
Poke = Callable[[], Callable[[dict], bool]]

STATUS_CHANGED = (
    "subscription($region: ID!, $after: String) { issueStatusChanged(regionId: $region, "
    "after: $after) { id cursor kind fromStatus toStatus level issue { id number status } } }"
)
ISSUE_UPDATED = (
    "subscription($id: ID!, $after: String) { issueUpdated(id: $id, after: $after) "
    "{ id cursor kind toStatus note actor { displayName } } }"
)


class LiveClient:
    def __init__(
        self,
        base_url: str,
        protocol: str = "graphql-transport-ws",
        sock: socket.socket | None = None,
    ) -> None:
        url = base_url.replace("http://", "ws://") + "/graphql"
        self.ws: ClientConnection = connect(
            url,
            subprotocols=[protocol],
            open_timeout=10,
            sock=sock,
            max_size=None,
            # Tests read when they choose: never stop reading the socket meanwhile (a full
            # queue would also stop keepalive pongs from being seen).
            max_queue=None,
        ).__enter__()

    def send(self, message: dict) -> None:
        self.ws.send(json.dumps(message))

    def recv(self, timeout: float = 10) -> dict:
        return json.loads(self.ws.recv(timeout=timeout))

    def init(self, token: str | None) -> dict:
        payload = {"authorization": f"Bearer {token}"} if token else {}
        self.send({"type": "connection_init", "payload": payload})
        return self.recv()

    def subscribe(self, sub_id: str, query: str, variables: dict) -> None:
        self.send(
            {"id": sub_id, "type": "subscribe", "payload": {"query": query, "variables": variables}}
        )

    def next(self, sub_id: str | None = None, timeout: float = 10) -> dict:
        """The next message for a subscription (pings are answered and skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            message = self.recv(timeout=max(deadline - time.monotonic(), 0.01))
            if message["type"] == "ping":
                self.send({"type": "pong"})
                continue
            if sub_id is None or message.get("id") == sub_id:
                return message

    def events(self, sub_id: str, count: int, timeout: float = 10) -> list[dict]:
        out = []
        for _ in range(count):
            message = self.next(sub_id, timeout)
            assert message["type"] == "next", message
            assert "errors" not in message["payload"], message
            out.append(next(iter(message["payload"]["data"].values())))
        return out

    def until_live(
        self, poke: Poke, *sub_ids: str, patience: float = 2.0, attempts: int = 5
    ) -> dict[str, dict]:
        """Positive proof that subscriptions of this socket are live (joined, delivering).

        `poke()` causes an event every one of `sub_ids` must deliver. Subscribing starts a
        task, so the first poke may come before the subscription joins and be missed: when
        its event has not come within `patience`, poke again. What comes before the last
        poke's event (earlier pokes, other servers' events on the same database) is skipped;
        streams are in order, so afterwards every stream has delivered everything up to the
        last poke. Returns the messages carrying the last poke's event, by subscription.
        """
        for _ in range(attempts):
            latest = poke()
            seen: dict[str, dict] = {}
            deadline = time.monotonic() + patience
            try:
                while len(seen) < len(sub_ids):
                    message = self.next(timeout=max(deadline - time.monotonic(), 0.01))
                    if message["type"] == "ka":  # the legacy protocol's keep-alive
                        continue
                    assert message.get("id") in sub_ids, message
                    assert message["type"] in ("next", "data"), message
                    assert "errors" not in message["payload"], message
                    if latest(next(iter(message["payload"]["data"].values()))):
                        assert message["id"] not in seen, ("delivered twice", message)
                        seen[message["id"]] = message
            except TimeoutError:
                continue
            return seen
        raise AssertionError(f"{sub_ids} delivered none of {attempts} pokes: not live")

    def nothing_for(self, seconds: float) -> bool:
        try:
            message = self.recv(timeout=seconds)
        except TimeoutError:
            return True
        raise AssertionError(f"expected silence, got {message}")

    def close_code(self, timeout: float = 10) -> int | None:
        """Wait for the server to close the socket; its close code."""
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                self.ws.recv(timeout=max(deadline - time.monotonic(), 0.01))
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None
        raise AssertionError("the server did not close the socket")

    def close(self) -> None:
        self.ws.close()


class StalledClient:
    """A websocket client that subscribes and then stops reading its socket (a phone in a
    pocket on a bad network). Built on websockets' sans-I/O protocol, so no thread reads
    ahead on its behalf; its receive buffer is kept small."""

    def __init__(self, port: int, token: str, query: str, variables: dict) -> None:
        self._open(port)
        for message in (
            {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}},
            {"id": "s", "type": "subscribe", "payload": {"query": query, "variables": variables}},
        ):
            self.protocol.send_text(json.dumps(message).encode())
        self._flush()

    def _open(self, port: int) -> None:
        """Connect and complete the websocket handshake, with a small receive buffer."""
        from websockets.client import ClientProtocol
        from websockets.uri import parse_uri

        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.connect(("127.0.0.1", port))
        self.protocol = ClientProtocol(
            parse_uri(f"ws://127.0.0.1:{port}/graphql"),
            subprotocols=["graphql-transport-ws"],
            max_size=None,
        )
        self.protocol.send_request(self.protocol.connect())
        self._flush()
        while self.protocol.handshake_exc is None and not self._accepted():
            self.protocol.receive_data(self.sock.recv(65536))

    def _accepted(self) -> bool:
        from websockets.protocol import State

        return self.protocol.state is State.OPEN

    def _flush(self) -> None:
        for data in self.protocol.data_to_send():
            if data:
                self.sock.sendall(data)

    def close_code(self, timeout: float = 20) -> int | None:
        """Read everything now, and return the close code the server sent."""
        from websockets.frames import Close, Frame, Opcode

        self.sock.settimeout(timeout)
        while True:
            data = self.sock.recv(1 << 20)
            if not data:
                self.protocol.receive_eof()
            else:
                self.protocol.receive_data(data)
            for event in self.protocol.events_received():
                if isinstance(event, Frame) and event.opcode is Opcode.CLOSE:
                    return Close.parse(event.data).code
            if not data:
                return None


def report_probe(api, phone: str, region_id: str) -> Poke:
    """A poke for `LiveClient.until_live`: `phone` reports an issue in the region; the test
    knows its REPORTED event (by cursor or event id, or by the issue's id)."""
    from tests.issue_ops import ok, report

    def poke() -> Callable[[dict], bool]:
        payload = ok(report(api, phone, region_id, photos=0))
        event, issue = payload["event"], payload["issue"]

        def is_it(data: dict) -> bool:
            if "cursor" in data or "id" in data:
                return data.get("cursor") == event["cursor"] or data.get("id") == event["id"]
            return (data.get("issue") or {}).get("id") == issue["id"]

        return is_it

    return poke
