"""Every kind of core error arrives in Python as its own class."""

from __future__ import annotations

import pytest

import ozmap_connector
from ozmap_connector import _core, errors

KINDS = {
    "configuration": errors.ConfigurationError,
    "invalid_input": errors.InvalidInputError,
    "transport": errors.TransportError,
    "timeout": errors.DeadlineExceeded,
    "tls": errors.TlsError,
    "http_status": errors.HttpStatusError,
    "authentication": errors.AuthenticationError,
    "rate_limited": errors.RateLimitedError,
    "decode": errors.DecodeError,
    "not_found": errors.NotFoundError,
    "conflict": errors.ConflictError,
    "ambiguous": errors.AmbiguousOutcomeError,
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_becomes_its_own_class(kind: str) -> None:
    with pytest.raises(errors.OzmapError) as caught:
        _core.raise_error_for_tests(kind, f"a {kind} failure", status=418)
    assert type(caught.value) is KINDS[kind]
    assert caught.value.kind == kind
    assert caught.value.status == 418
    assert caught.value.operation == "test"
    assert str(caught.value) == f"a {kind} failure"
    assert not isinstance(caught.value, RuntimeError)


def test_rate_limited_carries_retry_after_and_decode_the_field() -> None:
    with pytest.raises(errors.RateLimitedError) as limited:
        _core.raise_error_for_tests(
            "rate_limited", "slow down", status=429, retry_after=2.5
        )
    assert limited.value.retry_after == 2.5

    with pytest.raises(errors.DecodeError) as decode:
        _core.raise_error_for_tests("decode", "bad", field="rows[0].coords")
    assert decode.value.field == "rows[0].coords"


def test_builtin_bases_let_generic_handlers_catch_them() -> None:
    assert issubclass(errors.InvalidInputError, ValueError)
    assert issubclass(errors.TransportError, ConnectionError)
    assert issubclass(errors.DeadlineExceeded, TimeoutError)
    assert issubclass(errors.TlsError, errors.TransportError)
    assert issubclass(errors.AuthenticationError, errors.HttpStatusError)
    assert issubclass(errors.NotFoundError, LookupError)


def test_the_package_exports_every_class() -> None:
    for cls in KINDS.values():
        assert getattr(ozmap_connector, cls.__name__) is cls
