"""Drives a running ds4-proxy with the official openai SDK; prints one JSON object of results.

Usage: python openai_client.py BASE_URL
Each check records what the SDK returned (or which exception it raised); the Swift test
asserts on the values.
"""
import json
import sys

import openai

base = sys.argv[1]
client = openai.OpenAI(base_url=base, api_key="sk-ds4-e2e-not-checked-yet", max_retries=0, timeout=20)
results = {}

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

def error_of(call):
    try:
        call()
        return None
    except openai.APIStatusError as error:
        return [type(error).__name__, error.status_code]
    except openai.APIConnectionError as error:
        return [type(error).__name__, None]

results["bad_request"] = error_of(lambda: client.chat.completions.create(model="bad-request", messages=[], max_tokens=0))
results["server_error"] = error_of(lambda: client.chat.completions.create(model="error-500", messages=[]))
results["not_found"] = error_of(lambda: client.post("/responses", body={}, cast_to=object))
print(json.dumps(results))
