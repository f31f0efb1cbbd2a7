"""A signature-checking worker process: ``python -m supervisor_tui.model.verify_worker``.

Reads requests from stdin and answers on stdout until stdin closes (see
``supervisor_tui.model.verify_processes``, which starts and feeds it). Only public data crosses
the pipe: a public key, signed messages and their signatures. A request is the 32-byte Ed25519
public key, the number of items (4 bytes, big-endian), then per item the message's length
(4 bytes), the message and its 64-byte signature; the answer is one byte per item, 1 where the
signature verifies and 0 where it does not.
"""

from __future__ import annotations

import struct
import sys
from typing import BinaryIO

import nacl.exceptions
import nacl.signing

KEY_BYTES = 32
SIG_BYTES = 64
COUNT = struct.Struct(">I")


def _read_exactly(stream: BinaryIO, size: int) -> bytes | None:
    """``size`` bytes, or None at the end of the stream (the parent closed it or went away)."""
    data = stream.read(size)
    if data is None or len(data) < size:
        return None
    return data


def serve(stdin: BinaryIO, stdout: BinaryIO) -> None:
    """Answer requests until the parent closes the pipe."""
    while (head := _read_exactly(stdin, KEY_BYTES + COUNT.size)) is not None:
        key = nacl.signing.VerifyKey(head[:KEY_BYTES])
        (count,) = COUNT.unpack_from(head, KEY_BYTES)
        answer = bytearray(count)
        for i in range(count):
            size_bytes = _read_exactly(stdin, COUNT.size)
            if size_bytes is None:
                return
            item = _read_exactly(stdin, COUNT.unpack(size_bytes)[0] + SIG_BYTES)
            if item is None:
                return
            try:
                key.verify(item[:-SIG_BYTES], item[-SIG_BYTES:])
                answer[i] = 1
            except (ValueError, nacl.exceptions.CryptoError):
                pass
        stdout.write(answer)
        stdout.flush()


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
