"""Twenty clients race for the last free port of a box: exactly one gets it."""

import threading


def test_twenty_threads_race_for_the_last_port(situation, run, make_api):
    net = situation.net
    box = net.box(*situation.at(45, 30), name="Last port")
    spl = net.splitter(box, outputs=8, occupied=range(1, 8))
    sim, _ = run(net)
    box_doc = sim.store.get("boxes", box)
    barrier = threading.Barrier(20)
    results: list[tuple[int, str]] = []
    lock = threading.Lock()

    def reserve(i: int) -> None:
        api = make_api(sim.base_url)
        body = {
            "project": box_doc["project"],
            "box": box,
            "lat": box_doc["lat"],
            "lng": box_doc["lng"],
            "client": {"code": f"RACE-{i}", "implanted": False},
        }
        # Half ask for the port by number, half let the server pick.
        if i % 2:
            body.update(connector=spl, port=8)
        else:
            body["auto_connect"] = True
        barrier.wait(timeout=10)
        status, _ = api.post("properties", body)
        with lock:
            results.append((status, f"RACE-{i}"))

    threads = [threading.Thread(target=reserve, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    statuses = sorted(s for s, _ in results)
    assert len(statuses) == 20
    assert statuses.count(201) == 1
    assert statuses.count(409) == 19
    winner = next(code for status, code in results if status == 201)
    output = sim.store.get("splitters", spl)["connectables"]["output"]
    assert all(fiber is not None for fiber in output)
    props = sim.store.find("properties", '"box" = ?', [box])
    assert len(props) == 8
    on_port_8 = [p for p in props if p["connections"][0]["port"] == 8]
    assert len(on_port_8) == 1
    client = sim.store.get("ftth-clients", on_port_8[0]["client"])
    assert client["code"] == winner
    assert sim.store.count("ftth-clients", '"code" LIKE ?', ["RACE-%"]) == 1
