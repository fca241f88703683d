"""The baseline: a bare ASGI websocket broadcaster with no GraphQL, no auth, no queues.

`POST /publish` sends the request body, as one text message, to every open websocket, one
`await send(...)` after another. Run by live_fanout.py beside the real server.
"""

from __future__ import annotations

connections: set = set()


async def app(scope, receive, send) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            await send({"type": message["type"] + ".complete"})
            if message["type"] == "lifespan.shutdown":
                return
    if scope["type"] == "websocket":
        await receive()  # websocket.connect
        await send({"type": "websocket.accept", "subprotocol": "graphql-transport-ws"})
        connections.add(send)
        try:
            while (await receive())["type"] != "websocket.disconnect":
                pass
        finally:
            connections.discard(send)
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    text = body.decode()
    for connection in list(connections):
        await connection({"type": "websocket.send", "text": text})
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(len(connections)).encode()})
