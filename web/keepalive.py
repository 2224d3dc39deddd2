"""Close keep-alive connections so they spread over the workers by load: after a number of requests
(Apache's MaxKeepAliveRequests, nginx's keepalive_requests), and whenever this worker carries more
than its share of the requests in flight (web/worker_load.py).

With several workers the kernel gives a new connection to whichever worker accepts it first, and a
browser keeps it while its user is busy: a burst of connections can land on one worker and stay there
(32 closed-loop users split 32/0 or 28/4, p95 three times the balanced one). A closed connection comes
back through accept; an overloaded worker keeps handing them back until the split is even.
"""

from __future__ import annotations

from collections import OrderedDict

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.worker_load import WorkerLoad

TRACKED_CONNECTIONS = 4096  # a client's address and port name its connection; old ones are forgotten


class RecycleConnectionsMiddleware:
    """Adds `Connection: close` to a response when its connection has served `max_requests` (0 = no
    limit) or when `board` says this worker is overloaded; counts this worker's requests in flight."""

    def __init__(self, app: ASGIApp, max_requests: int, board: WorkerLoad | None = None) -> None:
        self.app, self.max_requests, self.board = app, max_requests, board
        self._served: OrderedDict[tuple[str, int], int] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] != "http" or not client or (self.max_requests <= 0 and self.board is None):
            await self.app(scope, receive, send)
            return
        key = (client[0], client[1])
        served = self._served.pop(key, 0) + 1
        self._served[key] = served
        if len(self._served) > TRACKED_CONNECTIONS:
            self._served.popitem(last=False)

        async def maybe_close(message: Message) -> None:
            if message["type"] == "http.response.start" and self._should_close(served):
                self._served.pop(key, None)
                headers = [h for h in message.get("headers", []) if h[0].lower() != b"connection"]
                message["headers"] = [*headers, (b"connection", b"close")]
            await send(message)

        if self.board is not None:
            self.board.started()
        try:
            await self.app(scope, receive, maybe_close)
        finally:
            if self.board is not None:
                self.board.finished()

    def _should_close(self, served: int) -> bool:
        if 0 < self.max_requests <= served:
            return True
        return self.board is not None and self.board.overloaded()
