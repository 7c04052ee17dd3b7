#!/usr/bin/env python3
"""Regenerates the generated cases of the malformed-input corpus (tests/malformed.rs).

The hand-written JSON cases live next to this script. This script writes the cases that are
binary (gzip, non-UTF-8 bytes, a BOM) or too repetitive to write by hand (100,000-deep nesting).
Output is deterministic (gzip mtime=0, no file name in the header):

    python3 make_gzip_cases.py        # run from any directory

Every file stays under 300 KB.
"""

import gzip
import io
import os

HERE = os.path.dirname(os.path.abspath(__file__))
DEPTH = 100_000

NODE0 = '{"id": "182", "size": 1.0, "composition": {"STETH": 1.0}}'
NODE1 = '{"id": "2269", "size": 2.0, "composition": {"STETH": 2.0}}'
LINK0 = '{"source": "182", "target": "2269", "size": 1.0, "composition": {"STETH": 1.0}}'
WEEK = '{"nodes": [%s, %s], "links": [%s]}' % (NODE0, NODE1, LINK0)
VALID = ('{"data": {"2022-05-02": %s, "2022-05-09": %s}}\n' % (WEEK, WEEK)).encode()


def gz(payload: bytes) -> bytes:
    """gzip with mtime=0 and no file name, so that the bytes are reproducible."""
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=9) as f:
        f.write(payload)
    return out.getvalue()


def write(name: str, data: bytes) -> None:
    assert len(data) < 300_000, (name, len(data))
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def main() -> None:
    good = gz(VALID)
    assert good[3] == 0, "no optional header fields: deflate data starts at byte 10"

    # A valid gzip file (the control for the gzip cases).
    write("valid.json.gz", good)
    # Cut in the middle of the deflate stream.
    write("truncated.json.gz", good[: len(good) // 2])
    # Cut inside the 8-byte trailer (CRC32 + ISIZE).
    write("truncated_in_gzip_trailer.json.gz", good[:-3])
    # Only the first bytes of the 10-byte header.
    write("truncated_gzip_header.json.gz", good[:5])
    # First deflate byte given the reserved block type 11: the stream is invalid at once.
    bad = bytearray(good)
    bad[10] |= 0x06
    write("corrupt_deflate_block_type.json.gz", bytes(bad))
    # CRC32 of the trailer flipped: the payload decodes but does not match the checksum.
    bad = bytearray(good)
    bad[-8] ^= 0xFF
    write("corrupt_gzip_crc.json.gz", bytes(bad))
    # Two gzip members (as `cat a.gz b.gz` gives): one document, read across the boundary.
    cut = VALID.index(b'"2022-05-09"')
    write("gzip_two_members.json.gz", gz(VALID[:cut]) + gz(VALID[cut:]))
    # A well-formed gzip stream of zero bytes.
    write("gzip_empty_payload.json.gz", gz(b""))
    # A valid member followed by bytes that are not a gzip member.
    write("gzip_trailing_garbage.json.gz", good + b"garbage after the gzip member")

    # Non-UTF-8 bytes inside an id string.
    write(
        "non_utf8_in_string.json",
        b'{"data": {"2022-05-02": {"nodes": [{"id": "18\xff\xfe2", "size": 1.0, '
        b'"composition": {"STETH": 1.0}}], "links": []}}}\n',
    )
    # Non-UTF-8 bytes inside a date key.
    write(
        "non_utf8_in_date_key.json",
        b'{"data": {"2022-05-\xff2": {"nodes": [], "links": []}}}\n',
    )
    # A UTF-8 byte order mark before an otherwise valid document.
    write("bom_at_start.json", b"\xef\xbb\xbf" + VALID)

    # 100,000 nested arrays (balanced) in an unknown node field: valid JSON, the field is ignored.
    deep = "[" * DEPTH + "]" * DEPTH
    write(
        "deep_arrays_in_node_field.json",
        (
            '{"data": {"2022-05-02": {"nodes": [{"id": "182", "size": 1.0, '
            '"composition": {"STETH": 1.0}, "junk": %s}], "links": []}}}\n' % deep
        ).encode(),
    )
    # 100,000 '[' never closed in an unknown node field: the week is invalid JSON.
    write(
        "deep_unclosed_arrays_in_node_field.json",
        (
            '{"data": {"2022-05-02": {"nodes": [{"id": "182", "size": 1.0, '
            '"composition": {"STETH": 1.0}, "junk": %s}], "links": []}}}\n' % ("[" * DEPTH)
        ).encode(),
    )
    # 100,000 nested {"a": ...} (balanced) in an ignored root key (600 KB, hence gzip).
    nested = '{"a": ' * DEPTH + "1" + "}" * DEPTH
    write(
        "deep_objects_in_ignored_root_key.json.gz",
        gz(('{"junk": %s, "data": {"2022-05-02": %s}}\n' % (nested, WEEK)).encode()),
    )
    # The same nesting never closed: the file ends inside the ignored value.
    write(
        "deep_unclosed_objects_in_ignored_root_key.json.gz",
        gz(('{"data": {"2022-05-02": %s}, "junk": %s' % (WEEK, '{"a": ' * DEPTH)).encode()),
    )
    # 100,000 nested {"a": ...} (balanced) in an unknown week field.
    write(
        "deep_objects_in_week_field.json.gz",
        gz(
            (
                '{"data": {"2022-05-02": {"junk": %s, "nodes": [%s], "links": []}}}\n'
                % (nested, NODE0)
            ).encode()
        ),
    )


if __name__ == "__main__":
    main()
