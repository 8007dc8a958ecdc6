"""HTTPS with a certificate made for the test."""

import ssl

import pytest
import trustme

from ozmap_simulator import NetworkBuilder, Simulator


@pytest.fixture(scope="module")
def ca():
    return trustme.CA()


@pytest.fixture
def tls_sim(ca, tmp_path):
    cert = ca.issue_cert("127.0.0.1", "localhost")
    chain = tmp_path / "server.pem"
    key = tmp_path / "server.key"
    cert.cert_chain_pems[0].write_to_path(chain)
    for pem in cert.cert_chain_pems[1:]:
        pem.write_to_path(chain, append=True)
    cert.private_key_pem.write_to_path(key)
    net = NetworkBuilder()
    net.splitter(net.box(net.lat, net.lng))
    with Simulator(network=net, token="t", certfile=chain, keyfile=key) as sim:
        yield sim


def test_https_with_a_trusted_ca(ca, tls_sim, make_api):
    context = ssl.create_default_context()
    ca.configure_trust(context)
    api = make_api(tls_sim.base_url, token="t", context=context)

    assert tls_sim.base_url.startswith("https://127.0.0.1:")
    status, page = api.get("boxes")
    assert status == 200 and page["total"] == 2
    assert api.get("boxes")[0] == 200


def test_untrusted_certificate_is_refused_and_server_keeps_going(ca, tls_sim, make_api):
    stranger = make_api(
        tls_sim.base_url, token="t", context=ssl.create_default_context()
    )
    with pytest.raises(ssl.SSLError):
        stranger.get("boxes")

    plain = make_api(tls_sim.base_url.replace("https", "http"), token="t", timeout=3)
    with pytest.raises((ConnectionError, OSError)):
        plain.get("boxes")

    context = ssl.create_default_context()
    ca.configure_trust(context)
    assert make_api(tls_sim.base_url, token="t", context=context).get("boxes")[0] == 200
