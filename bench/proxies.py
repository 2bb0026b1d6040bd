"""Reverse proxies to set beside the gateway: a bare aiohttp proxy and nginx, on the same upstream.

The aiohttp proxy forwards each request over one shared client session and answers with the
upstream's status, content type and body: no authentication, no rate limit, no span. nginx (Debian's
package; `make bench` installs it when missing) runs one worker with keep-alive connections to the
upstream. Both pass the caller's headers on, so the benchmark sends them the signed identity header
the gateway would have made.

    python -m bench.proxies aiohttp <upstream port> <port>     # what start_aiohttp_proxy runs
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from bench.processes import ROOT

NGINX_CONFIG = """\
worker_processes 1;
daemon off;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    upstream service {{ server 127.0.0.1:{upstream}; keepalive 64; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://service;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }}
    }}
}}
"""


def nginx() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def start_nginx(upstream_port: int, port: int, work: Path) -> subprocess.Popen:
    work = work / f"nginx-{port}"
    work.mkdir(parents=True, exist_ok=True)
    config = work / "nginx.conf"
    config.write_text(NGINX_CONFIG.format(work=work, upstream=upstream_port, port=port))
    return subprocess.Popen([nginx(), "-p", str(work), "-c", str(config)], stdout=subprocess.DEVNULL,
                            stderr=open(work / "stderr.log", "wb"))


def start_aiohttp_proxy(upstream_port: int, port: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bench.proxies", "aiohttp", str(upstream_port), str(port)],
                            cwd=ROOT)


def serve_aiohttp_proxy(upstream_port: int, port: int) -> None:
    import aiohttp
    from aiohttp import web

    upstream = f"http://127.0.0.1:{upstream_port}"
    hop_by_hop = {"host", "connection", "keep-alive", "transfer-encoding", "content-length"}

    async def session_context(app: web.Application):
        app["session"] = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64))
        yield
        await app["session"].close()

    async def forward(request: web.Request) -> web.Response:
        headers = {k: v for k, v in request.headers.items() if k.lower() not in hop_by_hop}
        async with request.app["session"].request(request.method, upstream + request.path_qs, headers=headers,
                                                  data=await request.read()) as answer:
            return web.Response(status=answer.status, body=await answer.read(),
                                content_type=answer.content_type)

    app = web.Application()
    app.cleanup_ctx.append(session_context)
    app.router.add_route("*", "/{tail:.*}", forward)
    try:
        import uvloop
        uvloop.install()
    except ImportError:
        pass
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


if __name__ == "__main__":
    if sys.argv[1:2] == ["aiohttp"]:
        serve_aiohttp_proxy(int(sys.argv[2]), int(sys.argv[3]))
