"""Drives a running ds4-proxy with the official openai SDK; prints one JSON object of results.

Usage:
  python openai_client.py BASE_URL KEY            the full check list below
  python openai_client.py BASE_URL KEY probe      one chat call: {"result": "ok"} or the exception
  python openai_client.py BASE_URL KEY until-401 SECONDS
                                                  calls every 50 ms until AuthenticationError (or
                                                  SECONDS pass); prints what it saw and when
Each check records what the SDK returned (or which exception it raised); the Swift test
asserts on the values.
"""
import json
import sys
import time

import openai

base, key = sys.argv[1], sys.argv[2]
mode = sys.argv[3] if len(sys.argv) > 3 else "full"
client = openai.OpenAI(base_url=base, api_key=key, max_retries=0, timeout=20)
results = {}


def error_of(call):
    try:
        call()
        return None
    except openai.APIStatusError as error:
        return [type(error).__name__, error.status_code]
    except openai.APIConnectionError as error:
        return [type(error).__name__, None]


def one_chat():
    client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}], max_tokens=1)


if mode == "probe":
    print(json.dumps({"result": error_of(one_chat) or "ok"}))
    sys.exit(0)

if mode == "until-401":
    start = time.monotonic()
    limit = float(sys.argv[4])
    seen = None
    while time.monotonic() - start < limit:
        seen = error_of(one_chat)
        if seen and seen[0] == "AuthenticationError":
            break
        time.sleep(0.05)
    print(json.dumps({"result": seen or "ok", "elapsed_ms": int((time.monotonic() - start) * 1000)}))
    sys.exit(0)

chat = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hello there"}], max_tokens=4)
results["chat_content"] = chat.choices[0].message.content
results["chat_usage"] = [chat.usage.prompt_tokens, chat.usage.completion_tokens]

pieces = []
usage = None
stream = client.chat.completions.create(
    model="m", messages=[{"role": "user", "content": "stream please"}], max_tokens=6, stream=True,
    stream_options={"include_usage": True})
for chunk in stream:
    if chunk.choices and chunk.choices[0].delta.content:
        pieces.append(chunk.choices[0].delta.content)
    if chunk.usage:
        usage = [chunk.usage.prompt_tokens, chunk.usage.completion_tokens]
results["stream_content"] = "".join(pieces)
results["stream_usage"] = usage

plain = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}], max_tokens=2, stream=True)
results["stream_no_usage_content"] = "".join(c.choices[0].delta.content or "" for c in plain if c.choices)

completion = client.completions.create(model="m", prompt="hi", max_tokens=3)
results["completion_text"] = completion.choices[0].text

results["models"] = [m.id for m in client.models.list().data]

results["bad_request"] = error_of(lambda: client.chat.completions.create(model="bad-request", messages=[], max_tokens=0))
results["server_error"] = error_of(lambda: client.chat.completions.create(model="error-500", messages=[]))
results["not_found"] = error_of(lambda: client.post("/responses", body={}, cast_to=object))
results["unauthenticated"] = error_of(lambda: openai.OpenAI(base_url=base, api_key="sk-ds4-" + "x" * 40, max_retries=0).models.list())
results["invalid_json"] = error_of(lambda: client.post("/chat/completions", body=None, options={"headers": {"Content-Type": "application/json"}}, cast_to=object))
print(json.dumps(results))
