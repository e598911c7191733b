#!/usr/bin/env python3
"""An independent verifier of Officina's hash chains, with nothing but Python's standard library.

It reads events as the API's `eventProofs` query gives them (the whole GraphQL answer, a list of
events, or JSON Lines with one event per line) and checks, without trusting the server:

* each event's hash: SHA-256(previousHash || encode(event)), with the encoding of docs/audit.md;
* the global chain, wherever two events have consecutive positions: the later one's
  `previousHash` is the earlier one's `hash`;
* each stream's own chain, wherever an event carries `streamPreviousHash`: it is the hash of the
  stream's previous event (32 zero bytes for the stream's first event);
* that no event of a stream is missing between the first and the last of that stream in the file.

Usage: verify_events.py FILE   (exit 0 and "ok: ..." when everything checks, 1 and the first
position that does not otherwise; 2 when the file cannot be read)
"""

import hashlib
import json
import struct
import sys
import uuid

ZERO = bytes(32)


def text(value: str) -> bytes:
    data = value.encode("utf-8")
    return struct.pack(">I", len(data)) + data


def encode(event: dict) -> bytes:
    """The canonical encoding of an event, as the hash covers it (docs/audit.md)."""
    out = struct.pack(">Q", int(event["position"]))
    out += text(event["streamId"])
    out += struct.pack(">Q", int(event["streamVersion"]))
    out += uuid.UUID(event["eventId"]).bytes
    out += text(event["type"])
    out += struct.pack(">I", int(event["storedSchemaVersion"]))
    out += text(event["payloadText"])
    out += text(event["metadataText"])
    out += struct.pack(">q", int(event["recordedAtMicros"]))
    if event.get("streamPreviousHash"):
        out += bytes.fromhex(event["streamPreviousHash"])
    return out


def events_of(raw: str) -> list:
    raw = raw.strip()
    if not raw:
        return []
    try:
        document = json.loads(raw)
    except json.JSONDecodeError:
        return [json.loads(line) for line in raw.splitlines() if line.strip()]
    if isinstance(document, list):
        return document
    if isinstance(document, dict) and "data" in document:
        connection = next(iter(document["data"].values()))
        return [edge["node"] for edge in connection["edges"]]
    if isinstance(document, dict) and "edges" in document:
        return [edge["node"] for edge in document["edges"]]
    return [document]


def verify(events: list) -> tuple:
    """Returns (None, count) when every check passes, else (position, reason) of the first failure."""
    events = sorted(events, key=lambda e: int(e["position"]))
    by_position = {}
    last_in_stream = {}
    for event in events:
        position = int(event["position"])
        previous = bytes.fromhex(event["previousHash"])
        computed = hashlib.sha256(previous + encode(event)).hexdigest()
        if computed != event["hash"].lower():
            return position, "its hash does not match its contents"
        earlier = by_position.get(position - 1)
        if earlier is not None and earlier["hash"].lower() != event["previousHash"].lower():
            return position, "its previousHash is not the hash of the event before it"
        if position == 1 and previous != ZERO:
            return position, "the first event must follow 32 zero bytes"
        stream, version = event["streamId"], int(event["streamVersion"])
        link = event.get("streamPreviousHash")
        before = last_in_stream.get(stream)
        if link:
            if version == 1 and bytes.fromhex(link) != ZERO:
                return position, "the first event of its stream must follow 32 zero bytes"
            if before is not None and int(before["streamVersion"]) == version - 1 and before["hash"].lower() != link.lower():
                return position, "its streamPreviousHash is not the hash of its stream's previous event"
        if before is not None and int(before["streamVersion"]) != version - 1:
            return position, "an event of its stream is missing before it (stream versions do not follow)"
        by_position[position] = event
        last_in_stream[stream] = event
    return None, len(events)


def main(argv: list) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-3], file=sys.stderr)
        return 2
    try:
        with open(argv[1], encoding="utf-8") as file:
            events = events_of(file.read())
    except (OSError, ValueError, KeyError, StopIteration) as error:
        print(f"cannot read {argv[1]}: {error}", file=sys.stderr)
        return 2
    try:
        bad, detail = verify(events)
    except (KeyError, ValueError, TypeError) as error:
        print(f"bad: an event lacks a field or has a malformed one: {error}")
        return 1
    if bad is not None:
        print(f"bad: position {bad}: {detail}")
        return 1
    print(f"ok: {detail} events verified")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
