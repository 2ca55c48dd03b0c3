#!/usr/bin/env python3
"""Slow-stream benchmark helper for `scripts/bench slow-streams` (stdlib only).

Subcommands
  upstream  A slow vLLM-shaped SSE upstream on 127.0.0.1. POST /v1/chat/completions
            with "stream":true gets a chunked text/event-stream: role chunk + first
            token, then one token chunk every --interval-ms for --events tokens, a
            usage chunk, `data: [DONE]`, and the 0-length chunk. Keep-alive. The send
            time (CLOCK_MONOTONIC ns) of every event is recorded per stream, keyed by
            the request's "user" field (also used as the chunk id "chatcmpl-<user>"),
            and served at GET /_bench/sends?prefix=P (only ever asked directly, never
            through the proxy).
  client    Opens --idle idle keep-alive connections (one GET /healthz each, any
            complete response counts), then runs --streams concurrent streaming chat
            requests, timestamps every SSE event on arrival, fetches the upstream send
            times and compares inter-event gaps. Optionally samples /proc/PID/status of
            the proxy every 100 ms. Writes a JSON result file.
  report    Prints the final greppable `slow-streams ...` lines from the JSON results.
"""
import argparse
import asyncio
import email.utils
import gc
import json
import math
import os
import re
import sys
import time

MODEL = "deepseek-ai/DeepSeek-V4-Flash"
CREATED = 1795713233
FINGERPRINT = "vllm-0.33.0-615081ad"


# ----------------------------------------------------------------------------- upstream

def chat_stream_events(sid, n):
    """vLLM 0.33 chat stream with stream_options.include_usage (vllm-wire.md section 1).
    Index 0 role chunk, 1..n token chunks (n is the finish chunk), n+1 usage, n+2 [DONE]."""
    head = '{"id":"chatcmpl-%s","object":"chat.completion.chunk","created":%d,"model":"%s",' % (
        sid, CREATED, MODEL)
    evs = [head + '"choices":[{"index":0,"delta":{"role":"assistant","content":""},'
                  '"logprobs":null,"finish_reason":null}],"prompt_token_ids":null,"prompt_text":null}']
    for i in range(n):
        if i < n - 1:
            evs.append(head + '"choices":[{"index":0,"delta":{"content":" tok%d"},"logprobs":null,'
                              '"finish_reason":null,"token_ids":null}],"kv_transfer_params":null}' % i)
        else:
            evs.append(head + '"choices":[{"index":0,"delta":{"content":" tok%d"},"logprobs":null,'
                              '"finish_reason":"length","stop_reason":null,"token_ids":null,'
                              '"weight_versions":null}],"kv_transfer_params":null}' % i)
    evs.append(head + '"choices":[],"usage":{"prompt_tokens":5,"total_tokens":%d,"completion_tokens":%d},'
                      '"system_fingerprint":"%s"}' % (5 + n, n, FINGERPRINT))
    out = [("data: " + e + "\n\n").encode() for e in evs]
    out.append(b"data: [DONE]\n\n")
    return out


def chunk(data):
    return b"%x\r\n" % len(data) + data + b"\r\n"


_SID_MARK = "\x00sid\x00"
_CHUNK_TEMPLATES = {}


def stream_chunks(sid, n):
    """chunk(e) for e in chat_stream_events(sid, n), from a template cached per (n, len(sid)):
    building 100 events from scratch costs ~140 us of Python per stream, and 200 streams start
    at once, on the core the proxy and the client need then."""
    sidb = sid.encode()
    key = (n, len(sidb))
    parts = _CHUNK_TEMPLATES.get(key)
    if parts is None:
        parts = []
        mark = _SID_MARK.encode()
        for ev in chat_stream_events(_SID_MARK, n):
            at = ev.find(mark)
            if at < 0:
                parts.append((chunk(ev), None))
                continue
            body = ev.replace(mark, b"x" * len(sidb))  # the real length, for the chunk-size line
            size_line = b"%x\r\n" % len(body)
            parts.append((size_line + body[:at], body[at + len(sidb):] + b"\r\n"))
        _CHUNK_TEMPLATES[key] = parts
    return [pre if post is None else pre + sidb + post for pre, post in parts]


NONSTREAM_CHAT = (
    '{"id":"chatcmpl-bff59d83572fbc4d","object":"chat.completion","created":1795713237,'
    '"model":"deepseek-ai/DeepSeek-V4-Flash","choices":[{"index":0,"message":{"role":"assistant",'
    '"content":" tok0 tok1 tok2","refusal":null,"annotations":null,"audio":null,"function_call":null,'
    '"reasoning":null},"logprobs":null,"finish_reason":"length","stop_reason":null,"token_ids":null,'
    '"routed_experts":null,"weight_versions":null}],"service_tier":null,'
    '"system_fingerprint":"vllm-0.33.0-615081ad","usage":{"prompt_tokens":5,"total_tokens":8,'
    '"completion_tokens":3,"prompt_tokens_details":null,"completion_tokens_details":null},'
    '"prompt_logprobs":null,"prompt_token_ids":null,"prompt_text":null,"kv_transfer_params":null,'
    '"ec_transfer_params":null,"metrics":null}').encode()


def simple_response(status, reason, body, ctype="application/json", extra=""):
    return ("HTTP/1.1 %d %s\r\ndate: %s\r\nserver: uvicorn\r\ncontent-length: %d\r\n"
            "content-type: %s\r\n%s\r\n" % (status, reason, email.utils.formatdate(usegmt=True),
                                             len(body), ctype, extra)).encode() + body


class SlowUpstream:
    def __init__(self, events, interval_ms):
        self.events = events
        self.interval = interval_ms / 1000.0
        self.sends = {}
        self.counter = 0
        self.active = 0

    async def read_chunked(self, reader):
        body = bytearray()
        while True:
            line = await reader.readuntil(b"\r\n")
            size = int(line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":
                    pass
                return bytes(body)
            body += await reader.readexactly(size)
            await reader.readexactly(2)

    async def handle(self, reader, writer):
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                try:
                    method, target, version = lines[0].split(" ", 2)
                except ValueError:
                    return
                headers = {}
                for line in lines[1:]:
                    if line:
                        k, _, v = line.partition(":")
                        headers[k.strip().lower()] = v.strip()
                if "content-length" in headers:
                    body = await reader.readexactly(int(headers["content-length"]))
                elif "chunked" in headers.get("transfer-encoding", "").lower():
                    body = await self.read_chunked(reader)
                else:
                    body = b""
                close = headers.get("connection", "").lower() == "close" or version == "HTTP/1.0"
                path, _, query = target.partition("?")
                if method == "POST" and path == "/v1/chat/completions":
                    try:
                        req = json.loads(body)
                    except ValueError:
                        req = None
                    if not isinstance(req, dict):
                        writer.write(simple_response(400, "Bad Request",
                                                     b'{"error":{"message":"bad json","type":"Bad Request","param":null,"code":400}}'))
                    elif req.get("stream"):
                        if not await self.stream(writer, req):
                            return
                    else:
                        writer.write(simple_response(200, "OK", NONSTREAM_CHAT, extra="vary: Origin\r\n"))
                elif method == "GET" and path == "/_bench/sends":
                    m = re.search(r"prefix=([A-Za-z0-9_.-]*)", query)
                    prefix = m.group(1) if m else ""
                    data = {k: v for k, v in self.sends.items() if k.startswith(prefix)}
                    writer.write(simple_response(200, "OK", json.dumps(data).encode()))
                elif method == "GET" and path == "/health":
                    writer.write(simple_response(200, "OK", b""))
                else:
                    writer.write(simple_response(404, "Not Found", b'{"detail":"Not Found"}'))
                await writer.drain()
                if close:
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()

    async def stream(self, writer, req):
        user = req.get("user")
        if isinstance(user, str) and re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", user):
            sid = user
        else:
            self.counter += 1
            sid = "anon-%d" % self.counter
        n = self.events
        mt = req.get("max_tokens")
        if isinstance(mt, int) and 1 <= mt < n:
            n = mt  # like vLLM, stop at max_tokens (used for short warm-up streams)
        chunks = stream_chunks(sid, n)
        times = [0] * len(chunks)
        self.sends[sid] = times
        transport = writer.transport
        writer.write(("HTTP/1.1 200 OK\r\ndate: %s\r\nserver: uvicorn\r\n"
                      "content-type: text/event-stream; charset=utf-8\r\nvary: Origin\r\n"
                      "transfer-encoding: chunked\r\n\r\n" % email.utils.formatdate(usegmt=True)).encode())
        self.active += 1
        # Timer callbacks instead of one sleeping coroutine per stream: much less Python work per
        # event, so the upstream leaves more of the 2 cores to the proxy and the client.
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        interval = self.interval
        t0 = loop.time()

        def send(i):
            if transport.is_closing():
                if not done.done():
                    done.set_result(False)
                return
            transport.write(chunks[i])
            times[i] = time.monotonic_ns()
            if i == 0:
                send(1)  # role chunk and first token go out together, as in vLLM
            elif i < n:
                loop.call_at(t0 + i * interval, send, i + 1)  # token k is due at t0 + (k-1)*interval
            else:
                for j in (n + 1, n + 2):  # usage chunk, data: [DONE]
                    transport.write(chunks[j])
                    times[j] = time.monotonic_ns()
                transport.write(b"0\r\n\r\n")
                done.set_result(True)

        try:
            send(0)
            ok = await done
            if ok:
                await writer.drain()
            return ok
        except ConnectionError:
            return False
        finally:
            self.active -= 1


async def run_upstream(args):
    up = SlowUpstream(args.events, args.interval_ms)
    server = await asyncio.start_server(up.handle, args.host, args.port, backlog=4096,
                                        limit=1 << 20)
    print("slow-upstream listening on %s:%d events=%d interval_ms=%g" % (
        args.host, args.port, args.events, args.interval_ms), flush=True)
    async with server:
        await asyncio.sleep(args.max_seconds)  # hard bound; bash normally kills us earlier
    print("slow-upstream: max lifetime reached, exiting", flush=True)


# ----------------------------------------------------------------------------- client

class RespProto(asyncio.Protocol):
    """One HTTP/1.1 request/response per connection use; timestamps SSE events on arrival."""

    def __init__(self, sse):
        self.sse = sse
        self.loop = asyncio.get_running_loop()
        self.done = self.loop.create_future()
        self.transport = None
        self.lost = False
        self.head = bytearray()
        self.in_body = False
        self.status = None
        self.headers = {}
        self.mode = None
        self.remaining = 0
        self.cbuf = bytearray()
        self.cstate = 0
        self.crem = 0
        self.sbuf = bytearray()
        self.body_bytes = 0
        self.complete = False
        # sse results
        self.ev_times = []      # arrival ns of every data event, including [DONE]
        self.first_id = None
        self.got_done = False
        self.comments = 0
        self.error_event = False

    def connection_made(self, transport):
        self.transport = transport

    def connection_lost(self, exc):
        self.lost = True
        if self.mode == "close" and self.in_body:
            self.complete = True
        if not self.done.done():
            self.done.set_result(None)

    def finish(self):
        self.complete = True
        if not self.done.done():
            self.done.set_result(None)

    def data_received(self, data):
        now = time.monotonic_ns()
        if not self.in_body:
            self.head += data
            idx = self.head.find(b"\r\n\r\n")
            if idx < 0:
                return
            raw = bytes(self.head[:idx]).decode("latin-1").split("\r\n")
            rest = bytes(self.head[idx + 4:])
            self.head = bytearray()
            try:
                self.status = int(raw[0].split(" ")[1])
            except (IndexError, ValueError):
                self.status = -1
            for line in raw[1:]:
                k, _, v = line.partition(":")
                self.headers[k.strip().lower()] = v.strip()
            self.in_body = True
            if "chunked" in self.headers.get("transfer-encoding", "").lower():
                self.mode = "chunked"
            elif "content-length" in self.headers:
                self.mode = "length"
                self.remaining = int(self.headers["content-length"])
                if self.remaining == 0:
                    self.finish()
                    return
            elif self.status in (204, 304) or 100 <= self.status < 200:
                self.finish()
                return
            else:
                self.mode = "close"
            data = rest
            if not data:
                return
        self.feed(data, now)

    def feed(self, data, now):
        if self.mode == "length":
            take = min(len(data), self.remaining)
            self.on_body(data[:take], now)
            self.remaining -= take
            if self.remaining == 0:
                self.finish()
            return
        if self.mode == "close":
            self.on_body(data, now)
            return
        buf = self.cbuf
        buf += data
        while True:
            if self.cstate == 0:
                idx = buf.find(b"\r\n")
                if idx < 0:
                    return
                size = int(bytes(buf[:idx]).split(b";")[0].strip() or b"0", 16)
                del buf[:idx + 2]
                if size == 0:
                    self.cstate = 3
                else:
                    self.crem = size
                    self.cstate = 1
            elif self.cstate == 1:
                if not buf:
                    return
                take = min(len(buf), self.crem)
                self.on_body(bytes(buf[:take]), now)
                del buf[:take]
                self.crem -= take
                if self.crem == 0:
                    self.cstate = 2
            elif self.cstate == 2:
                if len(buf) < 2:
                    return
                del buf[:2]
                self.cstate = 0
            else:
                idx = buf.find(b"\r\n")
                if idx < 0:
                    return
                line = bytes(buf[:idx])
                del buf[:idx + 2]
                if not line:
                    self.finish()
                    return

    def on_body(self, data, now):
        self.body_bytes += len(data)
        if not self.sse:
            return
        sb = self.sbuf
        sb += data
        while True:
            idx = sb.find(b"\n\n")
            if idx < 0:
                return
            ev = bytes(sb[:idx])
            del sb[:idx + 2]
            if ev.startswith(b":") or not ev.strip():
                self.comments += 1
                continue
            self.ev_times.append(now)
            if ev == b"data: [DONE]":
                self.got_done = True
            elif self.first_id is None:
                try:
                    self.first_id = json.loads(ev[6:]).get("id")
                except ValueError:
                    self.first_id = ""
            if ev.startswith(b'data: {"error"'):
                self.error_event = True


def pct(sorted_vals, q):
    if not sorted_vals:
        return float("nan")
    k = max(0, min(len(sorted_vals) - 1, int(math.ceil(q * len(sorted_vals))) - 1))
    return sorted_vals[k]


LAST_THREADS = [0]


def read_proc_status(pid):
    """(VmRSS KiB, VmHWM KiB); the thread count goes to LAST_THREADS[0]."""
    try:
        with open("/proc/%d/status" % pid) as f:
            txt = f.read()
    except OSError:
        return None, None
    rss = hwm = None
    for line in txt.splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1])
        elif line.startswith("VmHWM:"):
            hwm = int(line.split()[1])
        elif line.startswith("Threads:"):
            LAST_THREADS[0] = int(line.split()[1])
    return rss, hwm


async def http_get_json(host, port, path, timeout=10):
    r, w = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    w.write(("GET %s HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n\r\n" % (path, host, port)).encode())
    await w.drain()
    data = await asyncio.wait_for(r.read(), timeout)
    w.close()
    head, _, body = data.partition(b"\r\n\r\n")
    return json.loads(body)


async def run_client(args):
    loop = asyncio.get_running_loop()
    host, port = args.target.rsplit(":", 1)
    port = int(port)
    chost, cport = args.control.rsplit(":", 1)
    cport = int(cport)
    auth = ""
    key = os.environ.get("DS4_BENCH_KEY")
    if key:
        auth = "Authorization: Bearer %s\r\n" % key
    res = {"label": args.label, "target": args.target, "idle": args.idle, "streams": args.streams,
           "events": args.events, "interval_ms": args.interval_ms, "errors": {}}
    errors = {"idle_connect": 0, "idle_incomplete": 0, "connect": 0, "non200": 0,
              "incomplete": 0, "timeout": 0, "event_count_mismatch": 0, "unmatched": 0,
              "error_event": 0}
    rss = {"peak_kib": 0, "samples": 0}
    if args.rss_pid:
        r0, _ = read_proc_status(args.rss_pid)
        rss["before_kib"] = r0

    per_stream_timeout = args.events * args.interval_ms / 1000.0 * 2 + 5
    results = []

    async def one_stream(i, label, n_events, out):
        await asyncio.sleep(args.interval_ms / 1000.0 * i / max(1, args.streams))  # spread phases
        sid = "%s-%d" % (label, i)
        body = json.dumps({"model": "m", "messages": [{"role": "user", "content": "hi"}],
                           "stream": True, "stream_options": {"include_usage": True},
                           "max_tokens": n_events, "user": sid},
                          separators=(",", ":")).encode()
        req = ("POST /v1/chat/completions HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\n"
               "Accept: text/event-stream\r\n%sContent-Length: %d\r\n\r\n" % (host, port, auth, len(body))).encode() + body
        try:
            tr, pr = await asyncio.wait_for(
                loop.create_connection(lambda: RespProto(True), host, port), 10)
        except (OSError, asyncio.TimeoutError):
            errors["connect"] += 1
            return
        tr.write(req)
        try:
            await asyncio.wait_for(asyncio.shield(pr.done), per_stream_timeout)
        except asyncio.TimeoutError:
            errors["timeout"] += 1
        tr.close()
        if pr.status != 200:
            errors["non200"] += 1
            res.setdefault("non200_statuses", {})
            res["non200_statuses"][str(pr.status)] = res["non200_statuses"].get(str(pr.status), 0) + 1
            return
        if pr.error_event:
            errors["error_event"] += 1
        if not (pr.complete and pr.got_done):
            errors["incomplete"] += 1
            return
        out.append((sid, pr.first_id, pr.ev_times, pr.headers.get("content-type", ""), None))

    async def recorded_streams(label, n_events, out):
        """The streams run by `ds4-proxy bench sse-streams` (one thread per stream blocked in
        recv, CLOCK_MONOTONIC stamps): the same requests and results as one_stream, without
        this event loop's lag in the stamps."""
        path = "%s.%s.streams.json" % (args.out, label)
        proc = await asyncio.create_subprocess_exec(
            args.recorder, "bench", "sse-streams", "--target", args.target, "--label", label,
            "--streams", str(args.streams), "--events", str(n_events), "--interval-ms", str(args.interval_ms),
            "--out", path, stdout=asyncio.subprocess.DEVNULL)
        await proc.wait()
        try:
            with open(path) as f:
                streams = json.load(f)["streams"]
        except (OSError, ValueError):
            errors["connect"] += args.streams
            return
        for st in streams:
            if st["connect_failed"]:
                errors["connect"] += 1
                continue
            if st["timed_out"]:
                errors["timeout"] += 1
            if st["status"] != 200:
                errors["non200"] += 1
                res.setdefault("non200_statuses", {})
                res["non200_statuses"][str(st["status"])] = res["non200_statuses"].get(str(st["status"]), 0) + 1
                continue
            if st["error_event"]:
                errors["error_event"] += 1
            if not (st["complete"] and st["got_done"]):
                errors["incomplete"] += 1
                continue
            out.append((st["sid"], st["first_id"], st["times"], st["content_type"], st.get("socket_times")))

    # ---- phase 0: warm-up (short streams, not measured; warms upstream, proxy and client)
    if args.warmup_events > 0:
        warm = []
        t_w = time.monotonic()
        if args.recorder:
            await recorded_streams(args.label + "w", args.warmup_events, warm)
            pending = []
        else:
            wtasks = [loop.create_task(one_stream(i, args.label + "w", args.warmup_events, warm))
                      for i in range(args.streams)]
            _, pending = await asyncio.wait(wtasks, timeout=per_stream_timeout)
        for t in pending:
            t.cancel()
            errors["timeout"] += 1
        res["warmup_ok"] = len(warm)
        res["warmup_seconds"] = round(time.monotonic() - t_w, 3)
        res["warmup_errors"] = {k: v for k, v in errors.items() if v}
        res["warmup_non200_statuses"] = res.pop("non200_statuses", {})
        for k in errors:
            errors[k] = 0

    # ---- phase 1: idle keep-alive connections
    idle_req = ("GET /healthz HTTP/1.1\r\nHost: %s:%d\r\n%s\r\n" % (host, port, auth)).encode()
    idle = []
    statuses = {}
    sem = asyncio.Semaphore(100)

    async def open_idle():
        async with sem:
            try:
                tr, pr = await asyncio.wait_for(
                    loop.create_connection(lambda: RespProto(False), host, port), 10)
            except (OSError, asyncio.TimeoutError):
                errors["idle_connect"] += 1
                return
            tr.write(idle_req)
            try:
                await asyncio.wait_for(asyncio.shield(pr.done), 10)
            except asyncio.TimeoutError:
                pass
            if not pr.complete:
                errors["idle_incomplete"] += 1
            statuses[str(pr.status)] = statuses.get(str(pr.status), 0) + 1
            idle.append((tr, pr))

    t_idle = time.monotonic()
    await asyncio.gather(*[open_idle() for _ in range(args.idle)])
    res["idle_open_seconds"] = round(time.monotonic() - t_idle, 3)
    res["idle_statuses"] = statuses
    res["idle_open_before_streams"] = sum(1 for tr, pr in idle if not pr.lost)
    if args.rss_pid:
        r1, _ = read_proc_status(args.rss_pid)
        rss["after_idle_kib"] = r1
        rss["threads_after_idle"] = LAST_THREADS[0]

    # ---- RSS sampler
    stop = asyncio.Event()

    async def sampler():
        while not stop.is_set():
            r, _ = read_proc_status(args.rss_pid)
            if r is not None:
                rss["peak_kib"] = max(rss["peak_kib"], r)
                rss["threads_peak"] = max(rss.get("threads_peak", 0), LAST_THREADS[0])
                rss["samples"] += 1
            try:
                await asyncio.wait_for(stop.wait(), 0.1)
            except asyncio.TimeoutError:
                pass

    sampler_task = loop.create_task(sampler()) if args.rss_pid else None

    # The client's own event-loop lag: a 5 ms ticker records how late it wakes up. Events that
    # arrive while the loop is late are timestamped late, whatever the proxy did.
    lags = []

    async def lag_probe():
        while not stop.is_set():
            t = time.monotonic()
            await asyncio.sleep(0.005)
            lags.append((time.monotonic() - t - 0.005) * 1000.0)

    lag_task = loop.create_task(lag_probe())

    # ---- phase 2: concurrent streams

    t_streams = time.monotonic()
    res["stamped_by"] = "ds4-proxy bench sse-streams" if args.recorder else "python asyncio"
    if args.recorder:
        await recorded_streams(args.label, args.events, results)
        pending = []
    else:
        tasks = [loop.create_task(one_stream(i, args.label, args.events, results)) for i in range(args.streams)]
        _, pending = await asyncio.wait(tasks, timeout=per_stream_timeout + 5)
    for t in pending:
        t.cancel()
        errors["timeout"] += 1
    res["streams_seconds"] = round(time.monotonic() - t_streams, 3)
    stop.set()
    if sampler_task:
        await sampler_task
    await lag_task
    lags.sort()
    res["client_loop_lag_ms"] = {"p50": pct(lags, 0.5), "p99": pct(lags, 0.99),
                                 "max": lags[-1] if lags else float("nan")}
    await asyncio.sleep(0.05)
    res["idle_open_after_streams"] = sum(1 for tr, pr in idle if not pr.lost)
    if args.rss_pid:
        r2, h2 = read_proc_status(args.rss_pid)
        rss["end_kib"] = r2
        rss["hwm_kib"] = h2
        if r2:
            rss["peak_kib"] = max(rss["peak_kib"], r2)
    for tr, pr in idle:
        tr.close()

    # ---- compare with upstream send times
    try:
        sends = await http_get_json(chost, cport, "/_bench/sends?prefix=%s-" % args.label)
    except (OSError, ValueError, asyncio.TimeoutError) as e:
        print("client[%s]: could not fetch upstream send times: %r" % (args.label, e), file=sys.stderr)
        sends = {}
    n = args.events
    deltas = []
    lat = []
    sock_deltas = []  # the same, on the kernel's receive stamps (recorder only)
    sock_lat = []
    ctypes = {}
    for sid, first_id, times, ctype, sock in results:
        ctypes[ctype] = ctypes.get(ctype, 0) + 1
        up_sid = (first_id or "").replace("chatcmpl-", "", 1)
        up = sends.get(up_sid)
        if up is None:
            errors["unmatched"] += 1
            continue
        if len(times) != len(up):
            errors["event_count_mismatch"] += 1
            continue
        for k in range(len(times)):
            lat.append((times[k] - up[k]) / 1e6)
        for k in range(2, n + 1):  # gaps between consecutive token events (nominally interval_ms)
            deltas.append(((times[k] - times[k - 1]) - (up[k] - up[k - 1])) / 1e6)
        if sock and len(sock) == len(up) and all(sock):
            sock_lat.extend((sock[k] - up[k]) / 1e6 for k in range(len(sock)))
            sock_deltas.extend(((sock[k] - sock[k - 1]) - (up[k] - up[k - 1])) / 1e6 for k in range(2, n + 1))
    if os.environ.get("BENCH_SLOW_DUMP"):
        with open(os.environ["BENCH_SLOW_DUMP"], "w") as f:
            json.dump({"client": {sid: [fid, t] for sid, fid, t, _, _ in results},
                       "socket": {sid: [fid, st] for sid, fid, _, _, st in results if st},
                       "upstream": sends}, f)
    deltas.sort()
    lat.sort()
    res["content_types"] = ctypes
    res["ok_streams"] = len(results)
    res["gap_samples"] = len(deltas)
    res["gap_delta_ms"] = {"p50": pct(deltas, 0.5), "p99": pct(deltas, 0.99),
                           "max": deltas[-1] if deltas else float("nan"),
                           "min": deltas[0] if deltas else float("nan")}
    res["event_latency_ms"] = {"p50": pct(lat, 0.5), "p99": pct(lat, 0.99),
                               "max": lat[-1] if lat else float("nan")}
    if sock_deltas:
        sock_deltas.sort()
        sock_lat.sort()
        res["socket_gap_samples"] = len(sock_deltas)
        res["socket_gap_delta_ms"] = {"p50": pct(sock_deltas, 0.5), "p99": pct(sock_deltas, 0.99),
                                      "max": sock_deltas[-1], "min": sock_deltas[0]}
        res["socket_event_latency_ms"] = {"p50": pct(sock_lat, 0.5), "p99": pct(sock_lat, 0.99), "max": sock_lat[-1]}
    res["errors"] = errors
    res["rss"] = rss
    with open(args.out, "w") as f:
        json.dump(res, f, indent=1)
    g = res["gap_delta_ms"]
    sg = res.get("socket_gap_delta_ms")
    print("client[%s] streams_ok=%d/%d gap_samples=%d gap_delta_ms p50=%.3f p99=%.3f max=%.3f%s "
          "errors=%s idle_statuses=%s" % (args.label, len(results), args.streams, len(deltas),
                                          g["p50"], g["p99"], g["max"],
                                          " socket_gap_delta_ms p99=%.3f max=%.3f" % (sg["p99"], sg["max"]) if sg else "",
                                          json.dumps(errors, separators=(",", ":")),
                                          json.dumps(statuses, separators=(",", ":"))), flush=True)


# ----------------------------------------------------------------------------- report

def f3(x):
    return "nan" if x is None or (isinstance(x, float) and math.isnan(x)) else "%.3f" % x


def median(vals):
    vals = sorted(v for v in vals if not (isinstance(v, float) and math.isnan(v)))
    if not vals:
        return float("nan")
    m = len(vals) // 2
    return vals[m] if len(vals) % 2 else (vals[m - 1] + vals[m]) / 2


def report(args):
    def load(paths):
        out = []
        for path in paths or []:
            if os.path.exists(path):
                with open(path) as f:
                    out.append(json.load(f))
        return out

    ps = load(args.proxy)
    bs = load(args.baseline)
    if not ps:
        print("slow-streams ERROR: no proxy results")
        sys.exit(1)
    P = "slow-streams"
    p0 = ps[0]
    rounds = len(ps)
    print("%s idle_conns=%d streams=%d events_per_stream=%d interval_ms=%g rounds=%d" % (
        P, p0["idle"], p0["streams"], p0["events"], p0["interval_ms"], rounds))
    print("%s target=%s proxy=%s" % (P, p0["target"], args.proxy_name))

    def summarize(name, rs):
        tot = {}
        for r in rs:
            for k, v in r["errors"].items():
                tot[k] = tot.get(k, 0) + v
        total = sum(tot.values())
        print("%s errors[%s] total=%d %s" % (P, name, total, " ".join("%s=%d" % kv for kv in tot.items())))
        for i, r in enumerate(rs, 1):
            e = r["errors"]
            we = r.get("warmup_errors") or {}
            print("%s round=%d %s idle_opened=%d idle_statuses=%s idle_open_before_streams=%d "
                  "idle_open_after_streams=%d streams_ok=%d/%d wall_s=%s%s%s" % (
                      P, i, name, r["idle"] - e["idle_connect"],
                      ",".join("%s:%d" % kv for kv in r["idle_statuses"].items()) or "-",
                      r["idle_open_before_streams"], r["idle_open_after_streams"],
                      r["ok_streams"], r["streams"], r["streams_seconds"],
                      (" non200=" + ",".join("%s:%d" % kv for kv in r["non200_statuses"].items()))
                      if r.get("non200_statuses") else "",
                      (" warmup_errors=" + ",".join("%s:%d" % kv for kv in we.items())) if we else ""))
            g = r["gap_delta_ms"]
            lag = r.get("client_loop_lag_ms", {})
            sg = r.get("socket_gap_delta_ms")
            print("%s round=%d %s gap_delta_ms p50=%s p99=%s max=%s%s client_loop_lag_p99=%s content_type=%s" % (
                P, i, name, f3(g["p50"]), f3(g["p99"]), f3(g["max"]),
                " socket_gap_delta_ms p99=%s max=%s" % (f3(sg["p99"]), f3(sg["max"])) if sg else "",
                f3(lag.get("p99")), ",".join(r["content_types"]) or "-"))
        return total

    perr = summarize("proxy", ps)
    if bs:
        summarize("baseline", bs)

    def agg(rs, key):
        return (median([r[key]["p50"] for r in rs]), median([r[key]["p99"] for r in rs]),
                max([r[key]["max"] for r in rs if not math.isnan(r[key]["max"])] or [float("nan")]))

    samples = sum(r["gap_samples"] for r in ps)
    g50, g99, gmax = agg(ps, "gap_delta_ms")
    note = " (median of %d rounds; max over all)" % rounds if rounds > 1 else ""
    print("%s gap_delta_ms p50=%s p99=%s max=%s samples=%d%s" % (P, f3(g50), f3(g99), f3(gmax), samples, note))
    if bs:
        b50, b99, bmax = agg(bs, "gap_delta_ms")
        print("%s baseline_gap_delta_ms p50=%s p99=%s max=%s (same client directly against the slow upstream)" % (
            P, f3(b50), f3(b99), f3(bmax)))
        print("%s proxy_minus_baseline_gap_delta_ms p50=%s p99=%s" % (P, f3(g50 - b50), f3(g99 - b99)))
    # The same gaps on the kernel's receive stamps (SO_TIMESTAMPNS, recorder only): when the
    # bytes reached the client's socket, so the client's own wake-up delay drops out. The
    # baseline of these is the floor of the method (the upstream's stamp-after-send).
    sock_ps = [r for r in ps if "socket_gap_delta_ms" in r]
    s99 = None
    if len(sock_ps) == len(ps):
        s50, s99, smax = agg(ps, "socket_gap_delta_ms")
        print("%s socket_gap_delta_ms p50=%s p99=%s max=%s samples=%d (kernel receive stamps on the client's socket)" % (
            P, f3(s50), f3(s99), f3(smax), sum(r["socket_gap_samples"] for r in ps)))
        if bs and all("socket_gap_delta_ms" in r for r in bs):
            b50s, b99s, bmaxs = agg(bs, "socket_gap_delta_ms")
            print("%s baseline_socket_gap_delta_ms p50=%s p99=%s max=%s" % (P, f3(b50s), f3(b99s), f3(bmaxs)))
        l50, l99, lmax = agg(ps, "socket_event_latency_ms")
        print("%s socket_event_latency_ms p50=%s p99=%s max=%s (upstream send -> bytes at the client's socket)" % (
            P, f3(l50), f3(l99), f3(lmax)))
    if "client_loop_lag_ms" in p0:
        c50, c99, cmax = agg(ps, "client_loop_lag_ms")
        line = "%s client_loop_lag_ms p50=%s p99=%s max=%s" % (P, f3(c50), f3(c99), f3(cmax))
        if bs and "client_loop_lag_ms" in bs[0]:
            c50, c99, cmax = agg(bs, "client_loop_lag_ms")
            line += " baseline p50=%s p99=%s max=%s" % (f3(c50), f3(c99), f3(cmax))
        print(line + " (lateness of a 5 ms timer in the client: its own share of the jitter)")
    l50, l99, lmax = agg(ps, "event_latency_ms")
    print("%s event_latency_ms p50=%s p99=%s max=%s (upstream send -> client receive)" % (
        P, f3(l50), f3(l99), f3(lmax)))
    if bs:
        l50, l99, lmax = agg(bs, "event_latency_ms")
        print("%s baseline_event_latency_ms p50=%s p99=%s max=%s" % (P, f3(l50), f3(l99), f3(lmax)))
    mib = lambda k: "nan" if not k else "%.1f" % (k / 1024.0)
    peak = max((r["rss"].get("peak_kib") or 0) for r in ps)
    hwm = max((r["rss"].get("hwm_kib") or 0) for r in ps)
    print("%s proxy_rss_peak_mib=%s proxy_vmhwm_mib=%s rss_before_mib=%s rss_after_idle_mib=%s rss_end_mib=%s samples=%d" % (
        P, mib(peak), mib(hwm), mib(p0["rss"].get("before_kib")), mib(p0["rss"].get("after_idle_kib")),
        mib(ps[-1]["rss"].get("end_kib")), sum(r["rss"].get("samples", 0) for r in ps)))
    print("%s proxy_threads after_idle=%s peak=%s" % (
        P, p0["rss"].get("threads_after_idle", "nan"), max(r["rss"].get("threads_peak", 0) for r in ps) or "nan"))
    rss_ok = 0 < max(peak, hwm) <= 64 * 1024
    gap_ok = samples > 0 and g99 <= 2.0
    verdict = lambda ok: "PASS" if ok else "FAIL"
    socket_part = "" if s99 is None else ", p99_socket_gap_delta<=2ms: %s" % verdict(s99 <= 2.0)
    print("%s verdict rss<=64MiB: %s%s, p99_gap_delta<=2ms: %s, errors==0: %s" % (
        P, verdict(rss_ok), socket_part, verdict(gap_ok), verdict(perr == 0)))
    if bs and samples > 0:
        adj_ok = (g99 - b99) <= 2.0
        print("%s verdict_baseline_adjusted p99_gap_delta_minus_baseline<=2ms: %s" % (P, "PASS" if adj_ok else "FAIL"))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    u = sub.add_parser("upstream")
    u.add_argument("--host", default="127.0.0.1")
    u.add_argument("--port", type=int, required=True)
    u.add_argument("--events", type=int, default=100)
    u.add_argument("--interval-ms", type=float, default=20)
    u.add_argument("--max-seconds", type=float, default=300)
    c = sub.add_parser("client")
    c.add_argument("--target", required=True, help="host:port to send requests to")
    c.add_argument("--control", required=True, help="host:port of the slow upstream (for /_bench/sends)")
    c.add_argument("--label", required=True)
    c.add_argument("--idle", type=int, default=1000)
    c.add_argument("--streams", type=int, default=200)
    c.add_argument("--events", type=int, default=100)
    c.add_argument("--interval-ms", type=float, default=20)
    c.add_argument("--rss-pid", type=int, default=0)
    c.add_argument("--warmup-events", type=int, default=10,
                   help="events per warm-up stream (one unmeasured round of --streams streams); 0 = none")
    c.add_argument("--out", required=True)
    c.add_argument("--recorder", default="",
                   help="ds4-proxy binary: run the streams with 'ds4-proxy bench sse-streams' (thread per "
                        "stream, kernel-woken stamps) instead of this event loop")
    r = sub.add_parser("report")
    r.add_argument("--proxy", nargs="+", required=True, help="proxy result JSON, one per round")
    r.add_argument("--baseline", nargs="*", help="baseline result JSON, one per round")
    r.add_argument("--proxy-name", default="ds4-proxy")
    args = ap.parse_args()
    if args.cmd in ("upstream", "client"):
        # The collector's pauses show up as multi-ms gaps; these processes are short-lived
        # and allocate few cycles, so switch it off to keep the measuring side quiet.
        gc.disable()
    if args.cmd == "upstream":
        asyncio.run(run_upstream(args))
    elif args.cmd == "client":
        asyncio.run(run_client(args))
    else:
        report(args)


if __name__ == "__main__":
    main()
