"""The connector against plain-Python clients, side by side, on one machine.

    python3 bench/run.py                      # full run: small+medium, 0 and 20 ms
    python3 bench/run.py --quick              # smoke run: small, 0 ms, 2 rounds

See bench/README.md for what is measured and how to read the results.
"""

from __future__ import annotations

import json
import math
import os
import platform
import random
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import click

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import write_chart, write_markdown
from simproc import SimProcess
from workers import CLIENTS, OPS, Worker

HERE = Path(__file__).resolve().parent
RADIUS_M = 250.0
# Requests per operation in the connector's documented plans (connection data: three
# plus one per OLT, slot and PON the splitter names).
PLANS = {"feasibility": 2, "reserve": 5, "deploy": 2, "cancel": 4, "change_box": 5}
PLAN_CLIENTS = ("connector", "requests")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def _points(docs: list[str], seed: int) -> list[dict[str, float]]:
    """Points 20-120 m from sampled boxes, and one in ten in the open (5 km away)."""
    rng = random.Random(seed)
    points = []
    for i, raw in enumerate(docs):
        lng, lat = json.loads(raw)["coords"]
        d = rng.uniform(5000.0, 6000.0) if i % 10 == 9 else rng.uniform(20.0, 120.0)
        bearing = rng.uniform(0.0, 2 * math.pi)
        points.append(
            {
                "lat": lat + d * math.cos(bearing) / 111_195.0,
                "lng": lng
                + d * math.sin(bearing) / (111_195.0 * math.cos(math.radians(lat))),
                "radius_m": RADIUS_M,
            }
        )
    return points


def _same_boxes(ref: list[dict[str, Any]], got: list[dict[str, Any]]) -> str | None:
    """None when two feasibility answers agree by the project's rule, else why not."""
    if [b["id"] for b in ref] != [b["id"] for b in got]:
        return "different viable boxes or order"
    for a, b in zip(ref, got, strict=True):
        if a["free_ports"] != b["free_ports"]:
            return f"free ports of {a['id']}: {a['free_ports']} != {b['free_ports']}"
        if a["first_free"] != b["first_free"]:
            return (
                f"first free port of {a['id']}: {a['first_free']} != {b['first_free']}"
            )
        if abs(a["distance_m"] - b["distance_m"]) > 0.01:
            return f"distance to {a['id']} differs by more than 1 cm"
    return None


def _cycle_items(
    points: list[dict[str, float]], answers: list[list[dict[str, Any]]], count: int
) -> list[dict[str, Any]]:
    """Points with two viable boxes, no box shared with another item."""
    used: set[str] = set()
    items = []
    for point, boxes in zip(points, answers, strict=True):
        if len(boxes) < 2 or boxes[0]["id"] in used or boxes[1]["id"] in used:
            continue
        used.update((boxes[0]["id"], boxes[1]["id"]))
        items.append({**point, "box": boxes[0]["id"], "box2": boxes[1]["id"]})
        if len(items) == count:
            break
    return items


class Recorder:
    """Per (size, latency, client, op): every timing plus the simulator's counters."""

    def __init__(self) -> None:
        self.cells: dict[tuple[str, float, str, str], dict[str, Any]] = {}

    def add(
        self,
        key: tuple[str, float, str, str],
        phase: dict[str, Any],
        counters: dict[str, Any],
    ) -> None:
        cell = self.cells.setdefault(
            key,
            {
                "wall": [],
                "cpu": [],
                "ops": 0,
                "requests": 0,
                "bytes": 0,
                "service_s": 0.0,
                "errors": [],
                "chain": [],
                "routes": None,
            },
        )
        total = counters["counters"]["total"]
        cell["wall"] += phase["wall"]
        cell["cpu"] += phase["cpu"]
        cell["ops"] += len(phase["summaries"])
        cell["requests"] += total["requests"]
        cell["bytes"] += total["bytes_in"] + total["bytes_out"]
        cell["service_s"] += counters["service"]["seconds"]
        cell["errors"] += phase["errors"]
        if key[3] == "connection_data":
            cell["chain"] += [s for s in phase["summaries"] if s is not None]
        if cell["routes"] is None and phase["summaries"]:
            n = len(phase["summaries"])
            cell["routes"] = {
                route: value["requests"] / n
                for route, value in counters["counters"]["routes"].items()
            }

    def rows(self) -> list[dict[str, Any]]:
        out = []
        for (size, latency, client, op), cell in self.cells.items():
            n = max(1, cell["ops"])
            wall_ms = [1000 * w for w in cell["wall"]]
            out.append(
                {
                    "size": size,
                    "latency_ms": latency,
                    "client": client,
                    "op": op,
                    "n": len(wall_ms),
                    "wall_median_ms": _median(wall_ms),
                    "wall_p95_ms": _p95(wall_ms),
                    "cpu_median_ms": _median([1000 * c for c in cell["cpu"]]),
                    "cpu_mean_ms": (
                        1000 * sum(cell["cpu"]) / len(cell["cpu"])
                        if cell["cpu"]
                        else None
                    ),
                    "requests_per_op": cell["requests"] / n,
                    "bytes_per_op": cell["bytes"] / n,
                    "service_ms_per_op": 1000 * cell["service_s"] / n,
                    "expected_requests": _expected(op, cell["chain"]),
                    "routes_per_op": cell["routes"],
                    "errors": cell["errors"][:5],
                    "error_count": len(cell["errors"]),
                }
            )
        return out


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _p95(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def _expected(op: str, chain: list[int]) -> float | None:
    if op == "connection_data":
        return 3 + sum(chain) / len(chain) if chain else None
    return PLANS[op]


def _measured_phase(
    sim: SimProcess, worker: Worker, op: str, items: list[dict[str, Any]]
) -> tuple[dict[str, Any], dict[str, Any]]:
    sim.reset_counters()
    phase = worker.phase(op, items)
    return phase, sim.counters()


def run_size(size: str, opts: dict[str, Any], rec: Recorder) -> dict[str, Any]:
    log(f"{size}: starting the simulator")
    sim = SimProcess(size)
    log(f"{size}: simulator ready in {sim.load_s:.1f} s at {sim.base_url}")
    info: dict[str, Any] = {"sim_load_s": sim.load_s}
    workers = {kind: Worker(kind, sim.base_url, sim.token) for kind in opts["clients"]}
    try:
        sim.set_latency(0)
        points = _points(sim.box_docs(opts["sample_boxes"]), seed=11)
        ref_phase = workers["connector"].phase("feasibility", points)
        if ref_phase["errors"]:
            raise RuntimeError(f"connector feasibility failed: {ref_phase['errors']}")
        reference = ref_phase["summaries"]
        cycle_items = _cycle_items(points, reference, opts["cycles"])
        viable = [p for p, boxes in zip(points, reference, strict=True) if boxes]
        feas_items = viable[: opts["feasibility_points"]]
        info["points"] = {
            "checked": len(points),
            "viable": len(viable),
            "feasibility_items": len(feas_items),
            "cycle_items": len(cycle_items),
        }
        if not cycle_items:
            raise RuntimeError("no point with two viable boxes to run workflows on")

        # Each peer must give the connector's answers before its figures count.
        validity: dict[str, Any] = {}
        first = cycle_items[0]
        check = {**first, "code": f"VERIFY-{size}"}
        for kind, worker in workers.items():
            reasons = []
            if kind != "connector":
                got = worker.phase("feasibility", points)
                reasons += got["errors"]
                for i, (a, b) in enumerate(
                    zip(reference, got["summaries"], strict=True)
                ):
                    why = b is not None and _same_boxes(a, b)
                    if why:
                        reasons.append(f"point {i}: {why}")
            reserved = worker.phase("reserve", [check])
            cancelled = worker.phase("cancel", [check])
            reasons += reserved["errors"] + cancelled["errors"]
            validity[kind] = {
                "reservation": reserved["summaries"][0],
                "reasons": reasons,
            }
        expected = validity["connector"]["reservation"]
        for kind, v in validity.items():
            if v["reservation"] != expected:
                v["reasons"].append(
                    f"reserved {v['reservation']}, the connector {expected}"
                )
            v["valid"] = not v["reasons"]
            v["reasons"] = v["reasons"][:5]
            log(
                f"{size}: {kind} {'agrees' if v['valid'] else 'DISAGREES'}"
                + ("" if v["valid"] else f": {v['reasons'][:2]}")
            )
        info["validity"] = validity

        clients = list(workers)
        for latency in opts["latencies"]:
            sim.set_latency(latency)
            log(f"{size}, {latency:g} ms: warm-up")
            for worker in workers.values():
                _run_round(sim, worker, feas_items[:2], cycle_items[:1], "warm", None)
            for rnd in range(opts["repeat"]):
                # A B C, then B C A, ...: every client runs first in turn.
                order = clients[rnd % len(clients) :] + clients[: rnd % len(clients)]
                for kind in order:
                    _run_round(
                        sim,
                        workers[kind],
                        feas_items,
                        cycle_items,
                        f"{size[0]}{latency:g}r{rnd}",
                        (rec, size, latency),
                    )
                log(f"{size}, {latency:g} ms: round {rnd + 1}/{opts['repeat']} done")
        sim.set_latency(0)

        if opts["leak_ops"] and size == opts["leak_size"]:
            log(f"{size}: {opts['leak_ops']} feasibility calls for the fd/RSS check")
            info["leak"] = workers["connector"].leak(feas_items, opts["leak_ops"])
        info["peak_rss_kib"] = {
            kind: {"start": w.start_status["VmHWM"], "end": w.status()["VmHWM"]}
            for kind, w in workers.items()
        }
    finally:
        for worker in workers.values():
            worker.stop()

    try:
        if size == opts["bulk_size"]:
            info["bulk"] = run_bulk(sim, opts)
    finally:
        sim.stop()
    return info


def _run_round(
    sim: SimProcess,
    worker: Worker,
    feas_items: list[dict[str, Any]],
    cycle_items: list[dict[str, Any]],
    tag: str,
    target: tuple[Recorder, str, float] | None,
) -> None:
    codes = [
        {**item, "code": f"B-{worker.kind}-{tag}-{i}"}
        for i, item in enumerate(cycle_items)
    ]
    for op in OPS:
        items = feas_items if op == "feasibility" else codes
        phase, counters = _measured_phase(sim, worker, op, items)
        if target is not None:
            rec, size, latency = target
            rec.add((size, latency, worker.kind, op), phase, counters)
        elif phase["errors"]:
            log(f"warm-up {worker.kind} {op}: {phase['errors'][:2]}")


def run_bulk(sim: SimProcess, opts: dict[str, Any]) -> dict[str, Any]:
    log(f"{sim.size}: bulk coverage of {opts['coverage_points']} points")
    worker = Worker("connector", sim.base_url, sim.token)
    try:
        sim.reset_counters()
        snap = worker.bulk("snapshot")
        counters = sim.counters()
        snap["requests"] = counters["counters"]["total"]["requests"]
        snap["bytes"] = counters["counters"]["total"]["bytes_out"]
        snap["service_s"] = counters["service"]["seconds"]
        cov = worker.bulk(
            "coverage", opts["coverage_points"], opts["bulk_repeat"], opts["sample"]
        )
        parse = worker.bulk("json", sim.api_url, sim.token, opts["bulk_repeat"] * 3)
    finally:
        worker.stop()
    return {"size": sim.size, "snapshot": snap, "coverage": cov, "json": parse}


# ------------------------------------------------------------------------- targets


def evaluate(rows: list[dict[str, Any]], sizes: dict[str, Any]) -> list[dict[str, Any]]:
    targets = []

    def add(name: str, status: str, figure: str) -> None:
        targets.append({"target": name, "status": status, "figure": figure})

    def cell(size: str, latency: float, client: str, op: str) -> dict[str, Any] | None:
        for r in rows:
            if (r["size"], r["latency_ms"], r["client"], r["op"]) == (
                size,
                latency,
                client,
                op,
            ):
                return r
        return None

    # Request plans: the connector, and the requests peer (which must follow them).
    for client in PLAN_CLIENTS:
        bad = [
            f"{r['size']}/{r['latency_ms']:g}ms/{r['op']}: {r['requests_per_op']:.2f}"
            f" (plan {r['expected_requests']:.2f})"
            for r in rows
            if r["client"] == client
            and r["expected_requests"] is not None
            and abs(r["requests_per_op"] - r["expected_requests"]) > 1e-9
        ]
        errors = sum(r["error_count"] for r in rows if r["client"] == client)
        seen = [r for r in rows if r["client"] == client]
        feas = max(
            (r["requests_per_op"] for r in seen if r["op"] == "feasibility"), default=0
        )
        if not seen:
            add(f"request plans ({client})", "SKIP", "not measured")
            continue
        add(
            f"request plans ({client}): feasibility <= 2, others at their plan",
            "PASS" if not bad and not errors and feas <= 2 else "MISS",
            f"feasibility {feas:g} requests; "
            + ("all operations at plan" if not bad else "; ".join(bad[:4]))
            + (f"; {errors} failed calls" if errors else ""),
        )

    for size, info in sizes.items():
        valid = info.get("validity", {})
        con, peer = (
            cell(size, 0, "connector", "feasibility"),
            cell(size, 0, "requests", "feasibility"),
        )
        if not con or not peer or not valid.get("requests", {}).get("valid"):
            add(
                f"CPU per feasibility, {size}, 0 ms: >= 5x lower",
                "SKIP",
                "not measured or requests peer not valid",
            )
        else:
            ratio = peer["cpu_median_ms"] / con["cpu_median_ms"]
            add(
                f"CPU per feasibility, {size}, 0 ms: >= 5x lower than requests",
                "PASS" if ratio >= 5 else "MISS",
                f"connector {con['cpu_median_ms']:.3f} ms, requests "
                f"{peer['cpu_median_ms']:.3f} ms: {ratio:.1f}x",
            )

        lat20 = [r for r in rows if r["size"] == size and r["latency_ms"] == 20]
        if not lat20 or not valid.get("requests", {}).get("valid"):
            add(f"20 ms wall time, {size}", "SKIP", "not measured")
            continue
        notes, ok = [], True
        for op in OPS:
            con = cell(size, 20, "connector", op)
            peer = cell(size, 20, "requests", op)
            base = cell(size, 0, "connector", op)
            if not con or not peer or con["wall_median_ms"] is None:
                continue
            service = base["service_ms_per_op"] if base else 0.0
            bound = con["expected_requests"] * 20 + service
            above_peer = (
                con["wall_median_ms"] > peer["wall_median_ms"]
                or con["wall_p95_ms"] > peer["wall_p95_ms"]
            )
            over = con["wall_median_ms"] / bound - 1
            if above_peer or over > 0.10:
                ok = False
            notes.append(
                f"{op} {con['wall_median_ms']:.1f} (p95 {con['wall_p95_ms']:.1f})"
                f" vs requests {peer['wall_median_ms']:.1f}"
                f" (p95 {peer['wall_p95_ms']:.1f}), bound {bound:.1f}"
                f" ({100 * over:+.1f}%)"
            )
        add(
            f"20 ms, {size}: connector <= requests and within 10% of "
            "requests x 20 ms + service (medians; p95 <= requests too)",
            "PASS" if ok else "MISS",
            "; ".join(notes),
        )

    for size, info in sizes.items():
        leak = info.get("leak")
        if not leak:
            continue
        cps = leak["checkpoints"]
        first, last = cps[0], cps[-1]
        grow = last["VmRSS"] - first["VmRSS"]
        ok = last["fds"] == first["fds"] and grow <= 1024 and not leak["errors"]
        add(
            f"no fd or RSS growth after {last['ops']} feasibility calls ({size}, 0 ms)",
            "PASS" if ok else "MISS",
            f"fds {first['fds']} -> {last['fds']}; RSS {first['VmRSS']} -> "
            f"{last['VmRSS']} KiB ({grow:+d} KiB, from call {first['ops']}); "
            f"{leak['errors']} errors",
        )

    for info in sizes.values():
        bulk = info.get("bulk")
        if not bulk:
            continue
        cov = bulk["coverage"]
        speedup = cov["grid_query_s"] / cov["connector_query_s"]
        ok = (
            cov["connector_query_s"] <= 1.0
            and speedup >= 20
            and not cov["sample_mismatch_count"]
        )
        add(
            f"coverage of {cov['points']} points ({bulk['size']}): <= 1 s and >= 20x "
            "the Python grid",
            "PASS" if ok else "MISS",
            f"connector {cov['connector_query_s'] * 1000:.0f} ms, Python grid "
            f"{cov['grid_query_s'] * 1000:.0f} ms: {speedup:.1f}x; "
            f"{cov['sample_mismatch_count']} of {cov['sample_checked']} sampled "
            "answers differ",
        )
    return targets


def _update_readme(markdown: str) -> None:
    """Puts the latest tables into bench/README.md, between its two markers."""
    readme = HERE / "README.md"
    start, end = "<!-- latest results: start -->", "<!-- latest results: end -->"
    text = readme.read_text()
    if start not in text or end not in text:
        return
    # One heading level down, under the README's own section.
    body = re.sub(r"^(#+) ", r"#\1 ", markdown.split("\n", 2)[2], flags=re.MULTILINE)
    head, rest = text.split(start, 1)
    text = head + start + "\n" + body.strip() + "\n" + end + rest.split(end, 1)[1]
    readme.write_text(text)


# ----------------------------------------------------------------------------- CLI


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--quick", is_flag=True, help="Smoke run: small network, 0 ms, 2 rounds.")
@click.option("--sizes", default=None, help="Networks, e.g. small,medium.")
@click.option("--latencies", default=None, help="Injected latencies in ms, e.g. 0,20.")
@click.option("--repeat", type=click.IntRange(1), default=None, help="Rounds (ABAB…).")
@click.option(
    "--cycles",
    type=click.IntRange(1),
    default=None,
    help="Workflow cycles (reserve … cancel) per client per round.",
)
@click.option(
    "--feasibility-points",
    type=click.IntRange(1),
    default=None,
    help="Feasibility calls per client per round.",
)
@click.option(
    "--leak-ops",
    type=click.IntRange(0),
    default=None,
    help="Feasibility calls for the fd/RSS check (0 skips it).",
)
@click.option("--coverage-points", type=click.IntRange(1), default=None)
@click.option("--clients", default=",".join(CLIENTS), show_default=True)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Output prefix [bench/results/latest, or raw/quick with --quick].",
)
@click.option("--no-chart", is_flag=True, help="Skip the PNG.")
def main(
    quick: bool,
    sizes: str | None,
    latencies: str | None,
    repeat: int | None,
    cycles: int | None,
    feasibility_points: int | None,
    leak_ops: int | None,
    coverage_points: int | None,
    clients: str,
    out: Path | None,
    no_chart: bool,
) -> None:
    """Measure the connector against plain-Python clients; write JSON, markdown, PNG."""
    defaults: dict[str, Any] = (
        {
            "sizes": "small",
            "latencies": "0",
            "repeat": 2,
            "cycles": 2,
            "feasibility_points": 8,
            "leak_ops": 300,
            "coverage_points": 10_000,
            "out": HERE / "results" / "raw" / "quick",
            "bulk_repeat": 2,
            "sample": 500,
            "sample_boxes": 60,
        }
        if quick
        else {
            "sizes": "small,medium",
            "latencies": "0,20",
            "repeat": 5,
            "cycles": 6,
            "feasibility_points": 30,
            "leak_ops": 10_000,
            "coverage_points": 100_000,
            "out": HERE / "results" / "latest",
            "bulk_repeat": 5,
            "sample": 2000,
            "sample_boxes": 200,
        }
    )
    given = {
        "sizes": sizes,
        "latencies": latencies,
        "repeat": repeat,
        "cycles": cycles,
        "feasibility_points": feasibility_points,
        "leak_ops": leak_ops,
        "coverage_points": coverage_points,
        "out": out,
    }
    opts = {**defaults, **{k: v for k, v in given.items() if v is not None}}
    opts["sizes"] = [s.strip() for s in str(opts["sizes"]).split(",") if s.strip()]
    opts["latencies"] = [float(x) for x in str(opts["latencies"]).split(",")]
    opts["clients"] = [c.strip() for c in clients.split(",") if c.strip()]
    if "connector" not in opts["clients"]:
        raise click.BadParameter(
            "the connector is the reference", param_hint="--clients"
        )
    opts["leak_size"] = "small" if "small" in opts["sizes"] else opts["sizes"][0]
    opts["bulk_size"] = "medium" if "medium" in opts["sizes"] else opts["sizes"][-1]

    started = time.time()
    load_before = os.getloadavg()
    rec = Recorder()
    per_size = {size: run_size(size, opts, rec) for size in opts["sizes"]}
    rows = rec.rows()
    targets = evaluate(rows, per_size)
    result = {
        "meta": {
            "started": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started)),
            "duration_s": time.time() - started,
            "load_before": load_before,
            "load_after": os.getloadavg(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "machine": platform.machine(),
            "command": " ".join(["python3 bench/run.py", *sys.argv[1:]]),
            "options": {
                k: (str(v) if isinstance(v, Path) else v) for k, v in opts.items()
            },
        },
        "sizes": per_size,
        "ops": rows,
        "targets": targets,
    }
    prefix: Path = opts["out"]
    prefix.parent.mkdir(parents=True, exist_ok=True)
    prefix.with_suffix(".json").write_text(json.dumps(result, indent=1) + "\n")
    markdown = write_markdown(result, prefix.with_suffix(".md"))
    if not no_chart:
        write_chart(rows, prefix.with_suffix(".png"))
    if prefix == HERE / "results" / "latest":
        _update_readme(markdown)
    print(markdown)
    for t in targets:
        print(f"{t['status']:4}  {t['target']}: {t['figure']}")
    log(f"wrote {prefix}.json/.md{'' if no_chart else '/.png'}")


if __name__ == "__main__":
    main()
