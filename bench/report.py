"""The markdown table and the PNG chart of a benchmark run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tabulate import tabulate

CLIENT_ORDER = ("connector", "requests", "naive")


def _ms(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def write_markdown(result: dict[str, Any], path: Path) -> str:
    meta, rows = result["meta"], result["ops"]
    lines = [
        "# Benchmark results",
        "",
        f"`{meta['command']}` — started {meta['started']}, "
        f"{meta['duration_s'] / 60:.1f} min, {meta['cpus']} CPUs, Python "
        f"{meta['python']}, load average before "
        f"{', '.join(f'{x:.2f}' for x in meta['load_before'])}.",
        "",
        "Wall and CPU are medians per call in the client's own process; requests and "
        "bytes (both directions) come from the simulator's counters; *sim* is the "
        "simulator's own service time per operation (injected latency included).",
        "",
    ]
    for size, info in result["sizes"].items():
        invalid = [k for k, v in info.get("validity", {}).items() if not v["valid"]]
        lines.append(f"## {size} network")
        lines.append("")
        pts = info.get("points", {})
        lines.append(
            f"Checked on {pts.get('checked')} fixed points ({pts.get('viable')} "
            f"viable); {pts.get('feasibility_items')} feasibility points and "
            f"{pts.get('cycle_items')} reserve-to-cancel cycles per client per round."
        )
        lines.append("")
        if invalid:
            lines.append(
                f"**Not counted: {', '.join(invalid)} gave different answers from the "
                "connector** (see latest.json)."
            )
        else:
            lines.append("Every peer gave the connector's boxes, ports and distances.")
        lines.append("")
        latencies = sorted({r["latency_ms"] for r in rows if r["size"] == size})
        for latency in latencies:
            table = []
            for r in rows:
                if r["size"] != size or r["latency_ms"] != latency:
                    continue
                table.append(
                    [
                        r["op"],
                        r["client"]
                        + (" (not counted)" if r["client"] in invalid else ""),
                        _ms(r["wall_median_ms"]),
                        _ms(r["wall_p95_ms"]),
                        _ms(r["cpu_median_ms"], 3),
                        f"{r['requests_per_op']:.2f}",
                        f"{r['bytes_per_op'] / 1024:.1f}",
                        _ms(r["service_ms_per_op"]),
                        r["error_count"] or "",
                    ]
                )
            table.sort(key=lambda row: (_op_index(row[0]), _client_index(row[1])))
            lines.append(f"### {size}, {latency:g} ms injected latency")
            lines.append("")
            lines.append(
                tabulate(
                    table,
                    headers=[
                        "operation",
                        "client",
                        "wall ms",
                        "p95 ms",
                        "CPU ms",
                        "requests",
                        "KiB",
                        "sim ms",
                        "errors",
                    ],
                    tablefmt="github",
                    disable_numparse=True,
                )
            )
            lines.append("")
        rss = info.get("peak_rss_kib")
        if rss:
            lines.append(
                "Peak RSS of each client process (VmHWM, MiB), after start-up and at "
                "the end: "
                + "; ".join(
                    f"{k} {v['start'] / 1024:.1f} → {v['end'] / 1024:.1f}"
                    for k, v in rss.items()
                )
                + "."
            )
            lines.append("")
        leak = info.get("leak")
        if leak:
            lines.append("Connector, feasibility repeated (fds and RSS):")
            lines.append("")
            lines.append(
                tabulate(
                    [
                        [c["ops"], c["fds"], c["VmRSS"], c["VmHWM"]]
                        for c in leak["checkpoints"]
                    ],
                    headers=["calls", "fds", "RSS KiB", "peak KiB"],
                    tablefmt="github",
                )
            )
            lines.append("")
        bulk = info.get("bulk")
        if bulk:
            lines += _bulk_lines(bulk)
    lines.append("## Targets")
    lines.append("")
    lines.append(
        tabulate(
            [[t["status"], t["target"], t["figure"]] for t in result["targets"]],
            headers=["", "target", "figure"],
            tablefmt="github",
        )
    )
    lines.append("")
    text = "\n".join(lines)
    path.write_text(text)
    return text


def _bulk_lines(bulk: dict[str, Any]) -> list[str]:
    snap, cov, js = bulk["snapshot"], bulk["coverage"], bulk["json"]
    client_ms = 1000 * (snap["wall_s"] - snap["service_s"])
    return [
        f"### Bulk ({bulk['size']} network)",
        "",
        tabulate(
            [
                [
                    f"coverage of {cov['points']:,} points, radius "
                    f"{cov['radius_m']:g} m ({cov['viable']:,} viable)",
                    f"{1000 * cov['connector_query_s']:.0f} (snapshot.query); "
                    f"{1000 * cov['connector_coverage_call_s']:.0f} "
                    "(Connector.coverage); "
                    f"{1000 * cov['connector_query_no_hits_s']:.0f} (snapshot.query, "
                    "1 mm radius: conversion only)",
                    f"{1000 * cov['grid_query_s']:.0f} "
                    f"(+ {1000 * cov['grid_build_s']:.0f} to build the grid)",
                    f"{cov['grid_query_s'] / cov['connector_query_s']:.1f}x",
                ],
                [
                    f"boxes page of {js['page_rows']} rows, "
                    f"{js['page_bytes'] / 1e6:.2f} MB",
                    "no direct entry point",
                    f"{1000 * js['page_json_loads_s']:.1f} (json.loads)",
                    "",
                ],
                [
                    f"snapshot document, {js['snapshot_text_bytes'] / 1e6:.2f} MB",
                    f"{1000 * js['snapshot_from_json_s']:.1f} "
                    "(NetworkSnapshot.from_json)",
                    f"{1000 * js['snapshot_json_loads_s']:.1f} (json.loads)",
                    f"{js['snapshot_json_loads_s'] / js['snapshot_from_json_s']:.1f}x",
                ],
                [
                    f"Connector.snapshot(): {snap['requests']} requests, "
                    f"{snap['bytes'] / 1e6:.1f} MB",
                    f"{1000 * snap['wall_s']:.0f} wall, of which simulator "
                    f"{1000 * snap['service_s']:.0f}: client side {client_ms:.0f}",
                    "",
                    "",
                ],
            ],
            headers=["bulk", "connector ms", "Python ms", "speed-up"],
            tablefmt="github",
            disable_numparse=True,
        ),
        "",
        "`NetworkSnapshot.from_json` parses with Boost.JSON *and* builds the boxes and "
        "the R-tree; `json.loads` only parses. The snapshot's client side is HTTP "
        "receive, Boost.JSON parsing, decoding and port assessment of every page.",
        "",
    ]


def _op_index(op: str) -> int:
    from workers import OPS

    return OPS.index(op) if op in OPS else len(OPS)


def _client_index(label: str) -> int:
    name = label.split(" ", maxsplit=1)[0]
    return CLIENT_ORDER.index(name) if name in CLIENT_ORDER else len(CLIENT_ORDER)


def write_chart(rows: list[dict[str, Any]], path: Path) -> None:
    """Median wall time against injected latency, one panel per operation."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, NullFormatter

    from workers import OPS

    sizes = sorted(
        {r["size"] for r in rows},
        key=lambda s: ("small", "medium").index(s) if s in ("small", "medium") else 9,
    )
    styles = {"small": "-", "medium": "--"}
    colours = {"connector": "tab:blue", "requests": "tab:orange", "naive": "tab:red"}
    fig, axes = plt.subplots(2, 3, figsize=(13, 7.5), sharex=True)
    for ax, op in zip(axes.flat, OPS, strict=True):
        for size in sizes:
            for client in CLIENT_ORDER:
                pts = sorted(
                    (r["latency_ms"], r["wall_median_ms"])
                    for r in rows
                    if r["op"] == op
                    and r["client"] == client
                    and r["size"] == size
                    and r["wall_median_ms"] is not None
                )
                if pts:
                    ax.plot(
                        [p[0] for p in pts],
                        [p[1] for p in pts],
                        styles.get(size, ":"),
                        marker="o",
                        color=colours[client],
                        label=f"{client}, {size}",
                    )
        ax.set_title(op.replace("_", " "))
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.grid(True, which="both", alpha=0.3)
        ax.set_xlabel("injected latency per request (ms)")
        ax.set_ylabel("median wall time per call (ms)")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels) or 1, fontsize=8)
    fig.suptitle("ozmap-connector vs plain-Python clients (simulator on loopback)")
    fig.tight_layout(rect=(0, 0.05, 1, 0.96))
    fig.savefig(path, dpi=110)
    plt.close(fig)
