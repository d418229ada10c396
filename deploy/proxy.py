"""A TCP relay between ogi and PostgreSQL that can take the database away and give it back.

The PostgreSQL server on this machine is shared (other databases, other runs), so a drill may
not stop it. From ogi's side, stopping the server looks like this relay going down: every open
connection is cut and new ones are refused, until it comes back.
"""

from __future__ import annotations

import socket
import threading
from contextlib import suppress


class Relay:
    """Listens on a free loopback port and forwards each connection to `target`."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self._listener: socket.socket | None = None
        self._pairs: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.port = self._listen(0)

    def _listen(self, port: int) -> int:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(128)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return int(listener.getsockname()[1])

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # the listener was closed: down
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._pairs.update({client, upstream})
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
                end.close()
            with self._lock:
                self._pairs.difference_update({source, sink})

    def down(self) -> int:
        """Stop listening and cut every open connection; how many were cut."""
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._lock:
            pairs = list(self._pairs)
        for end in pairs:
            with suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
        return len(pairs) // 2

    def up(self) -> None:
        """Listen again on the same port."""
        if self._listener is None:
            self._listen(self.port)

    def close(self) -> None:
        self.down()
