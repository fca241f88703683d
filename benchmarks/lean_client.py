"""A lean websocket client for load: thousands of connections in one process, cheap enough
per message that the measurement is of the server, not of the client.

A plain asyncio protocol: it speaks just enough RFC 6455 (handshake, masked text frames out,
unmasked frames in, pong for ping, frame-level and the protocol's) and timestamps each text
frame as it arrives.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import struct
import time


def frame(opcode: int, payload: bytes) -> bytes:
    """A client frame (masked, with a zero mask, which leaves the payload as is)."""
    n = len(payload)
    if n < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    return header + b"\x00\x00\x00\x00" + payload


class LeanSocket(asyncio.Protocol):
    def __init__(self, keep_payloads: bool) -> None:
        self.buffer = b""
        self.upgraded = asyncio.get_running_loop().create_future()
        self.arrivals: list[float] = []
        self.payloads: list[bytes] = []
        self.keep_payloads = keep_payloads
        self.counting = False
        self.texts = 0
        self.errors = 0  # `error` messages, and `next` messages carrying GraphQL errors
        self.closed_code: int | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def send_json(self, message: dict) -> None:
        self.transport.write(frame(0x1, json.dumps(message).encode()))

    def data_received(self, data: bytes) -> None:
        now = time.time()
        buffer = self.buffer + data
        if not self.upgraded.done():
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                self.buffer = buffer
                return
            status = buffer[:end].split(b"\r\n", 1)[0]
            self.upgraded.set_result(b" 101 " in status)
            buffer = buffer[end + 4 :]
        while len(buffer) >= 2:
            opcode, n = buffer[0] & 0x0F, buffer[1] & 0x7F
            start = 2
            if n == 126:
                if len(buffer) < 4:
                    break
                n, start = struct.unpack("!H", buffer[2:4])[0], 4
            elif n == 127:
                if len(buffer) < 10:
                    break
                n, start = struct.unpack("!Q", buffer[2:10])[0], 10
            if len(buffer) < start + n:
                break
            payload, buffer = buffer[start : start + n], buffer[start + n :]
            if opcode == 0x1 and payload == b'{"type":"ping"}':
                # graphql-transport-ws keepalive (WS_PING_INTERVAL): answered, not counted.
                self.send_json({"type": "pong"})
            elif opcode == 0x1:
                self.texts += 1
                if b'"type":"error"' in payload or b'"errors":' in payload:
                    self.errors += 1
                if self.counting:
                    self.arrivals.append(now)
                if self.keep_payloads:
                    self.payloads.append(payload)
            elif opcode == 0x9:
                self.transport.write(frame(0xA, payload))
            elif opcode == 0x8:
                self.closed_code = struct.unpack("!H", payload[:2])[0] if payload else None
        self.buffer = buffer


async def open_socket(host: str, port: int, path: str, keep_payloads: bool = False) -> LeanSocket:
    loop = asyncio.get_running_loop()
    _transport, protocol = await loop.create_connection(
        lambda: LeanSocket(keep_payloads), host, port
    )
    key = base64.b64encode(os.urandom(16)).decode()
    protocol.transport.write(
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Protocol: graphql-transport-ws\r\n"
        # Offered as browsers do; the server declines it (per-connection zlib state costs
        # memory and CPU, for bytes that are the same for every subscriber).
        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n".encode()
    )
    if not await asyncio.wait_for(protocol.upgraded, 60):
        raise RuntimeError("websocket upgrade refused")
    return protocol
