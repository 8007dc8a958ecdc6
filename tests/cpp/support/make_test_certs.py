"""Throwaway certificates for the C++ TLS tests, made with trustme at test time.

Usage: make_test_certs.py OUTPUT_DIR

Writes ca.pem (the CA the tests trust) and, for each server identity below,
NAME.chain.pem and NAME.key.pem.
"""

import datetime
import pathlib
import sys

import trustme


def write(leaf: trustme.LeafCert, out: pathlib.Path, name: str) -> None:
    chain = b"".join(blob.bytes() for blob in leaf.cert_chain_pems)
    (out / f"{name}.chain.pem").write_bytes(chain)
    leaf.private_key_pem.write_to_path(str(out / f"{name}.key.pem"))


def main() -> int:
    out = pathlib.Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)

    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(out / "ca.pem"))
    stranger = trustme.CA()

    write(ca.issue_cert("localhost", "127.0.0.1"), out, "localhost")
    write(stranger.issue_cert("localhost", "127.0.0.1"), out, "untrusted")
    write(ca.issue_cert("other.example"), out, "wrong_host")
    expired = ca.issue_cert(
        "localhost",
        "127.0.0.1",
        not_before=now - datetime.timedelta(days=30),
        not_after=now - datetime.timedelta(days=1),
    )
    write(expired, out, "expired")
    return 0


if __name__ == "__main__":
    sys.exit(main())
