"""The page server: the chat page, its static files, and a same-origin socket.io proxy.

Why a proxy: the browser then talks to one origin (no CORS, a strict
Content-Security-Policy with ``connect-src 'self'``), the rasa server stays on
loopback, and only ``/socket.io/`` of it is reachable from outside: not the REST
channel, not the HTTP API. WebSocket upgrades and long-polling are both forwarded.
"""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Optional

import aiohttp
from aiohttp import WSMsgType, web

from bot.web.page import render_page

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
NODE_MODULES = HERE / "node_modules"
WIDGET_BUNDLE = NODE_MODULES / "rasa-webchat" / "lib" / "index.js"  # the UMD build (window.WebChat)

SOCKET_PATH = "/socket.io/"
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
              "trailer", "trailers", "transfer-encoding", "upgrade", "host", "content-length",
              "content-encoding"}

# The widget injects its CSS as <style> elements (so 'unsafe-inline' for styles only)
# and @imports a web font from Google: blocked here on purpose, patients' browsers
# contact no third party. Scripts only from this origin; no inline script.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


@web.middleware
async def security_headers(request: web.Request, handler):
    response = await handler(request)
    if not request.path.startswith(SOCKET_PATH):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
    return response


def _forward_headers(headers) -> dict:
    return {k: v for k, v in headers.items() if k.lower() not in HOP_BY_HOP}


class SocketProxy:
    """Forwards /socket.io/ (engine.io polling and WebSocket) to the rasa server."""

    def __init__(self, rasa_url: str) -> None:
        self.rasa_url = rasa_url.rstrip("/")
        self.session: Optional[aiohttp.ClientSession] = None

    async def start(self, app: web.Application) -> None:
        # A long-poll GET is held open by the server for up to its ping interval (25 s).
        self.session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=90),
            auto_decompress=False)

    async def stop(self, app: web.Application) -> None:
        if self.session is not None:
            await self.session.close()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await self._websocket(request)
        return await self._http(request)

    async def _http(self, request: web.Request) -> web.Response:
        assert self.session is not None
        body = await request.read()
        headers = _forward_headers(request.headers)
        headers["X-Forwarded-For"] = request.remote or ""
        try:
            async with self.session.request(request.method, self.rasa_url + request.path_qs,
                                            headers=headers, data=body or None,
                                            allow_redirects=False) as upstream:
                data = await upstream.read()
                response = web.Response(status=upstream.status, body=data)
                for name, value in upstream.headers.items():
                    if name.lower() not in HOP_BY_HOP:
                        response.headers.add(name, value)
                if "Content-Encoding" in upstream.headers:
                    response.headers["Content-Encoding"] = upstream.headers["Content-Encoding"]
                response.headers["Cache-Control"] = "no-store"
                return response
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            log.warning("socket.io upstream unreachable: %s", type(exc).__name__)
            return web.Response(status=502, text="chat server unavailable")

    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        assert self.session is not None
        upstream_url = self.rasa_url.replace("http", "ws", 1) + request.path_qs
        client = web.WebSocketResponse()
        await client.prepare(request)
        try:
            async with self.session.ws_connect(upstream_url) as upstream:
                async def pump(source, sink) -> None:
                    async for message in source:
                        if message.type == WSMsgType.TEXT:
                            await sink.send_str(message.data)
                        elif message.type == WSMsgType.BINARY:
                            await sink.send_bytes(message.data)
                        else:
                            break

                to_rasa = asyncio.ensure_future(pump(client, upstream))
                to_browser = asyncio.ensure_future(pump(upstream, client))
                done, pending = await asyncio.wait({to_rasa, to_browser},
                                                   return_when=asyncio.FIRST_COMPLETED)
                for task in pending:
                    task.cancel()
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            log.warning("socket.io websocket upstream failed: %s", type(exc).__name__)
        finally:
            await client.close()
        return client


def create_app(rasa_url: str) -> web.Application:
    app = web.Application(middlewares=[security_headers])
    proxy = SocketProxy(rasa_url)
    app.on_startup.append(proxy.start)
    app.on_cleanup.append(proxy.stop)

    async def index(_: web.Request) -> web.Response:
        return web.Response(text=render_page(), content_type="text/html", charset="utf-8")

    async def widget(_: web.Request) -> web.StreamResponse:
        if not WIDGET_BUNDLE.exists():
            return web.Response(status=503, text="rasa-webchat is not installed: npm ci --prefix bot/web")
        return web.FileResponse(WIDGET_BUNDLE, headers={"Content-Type": "application/javascript",
                                                        "Cache-Control": "public, max-age=3600"})

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "widget": WIDGET_BUNDLE.exists()})

    app.router.add_get("/", index)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/vendor/rasa-webchat.js", widget)
    app.router.add_static("/static/", STATIC)
    app.router.add_route("*", SOCKET_PATH, proxy.handle)
    return app
