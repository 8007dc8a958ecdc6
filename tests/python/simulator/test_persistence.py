"""State in a file survives a restart; a file made for another network is refused."""

import pytest

from ozmap_simulator import NetworkBuilder, Simulator


def test_state_survives_a_restart(tmp_path, cache_dir, make_api, reserve_anywhere):
    db = tmp_path / "state.sqlite"
    with Simulator(size="small", seed=1, db=db, cache_dir=cache_dir, token="t") as sim:
        status, prop = reserve_anywhere(
            sim, make_api(sim.base_url, token="t"), "KEEP-1"
        )
        assert status == 201

    with Simulator(size="small", seed=1, db=db, cache_dir=cache_dir, token="t") as sim:
        status, found = make_api(sim.base_url, token="t").get(
            "properties/client/KEEP-1"
        )
        assert status == 200 and [p["id"] for p in found] == [prop["id"]]
        sim.reset()
        assert sim.store.get("properties", prop["id"]) is None

    with pytest.raises(ValueError, match="another network"):
        Simulator(size="small", seed=2, db=db, cache_dir=cache_dir)

    with Simulator(size="small", seed=2, db=db, cache_dir=cache_dir, reset=True) as sim:
        assert sim.store.get("properties", prop["id"]) is None


def test_custom_network_in_a_file(tmp_path, make_api, reserve_anywhere):
    net = NetworkBuilder()
    box = net.box(net.lat, net.lng)
    net.splitter(box)
    db = tmp_path / "custom.sqlite"
    with Simulator(network=net, db=db, token="t") as sim:
        assert reserve_anywhere(sim, make_api(sim.base_url, token="t"), "C-1")[0] == 201
    with Simulator(network=net, db=db, token="t") as sim:
        assert sim.store.count("properties") == 1


def test_bad_options():
    with pytest.raises(ValueError):
        Simulator(size="giant")
    with pytest.raises(ValueError):
        Simulator(network=NetworkBuilder(), token="")
    with pytest.raises(ValueError):
        Simulator(network={"nonsense": []})
