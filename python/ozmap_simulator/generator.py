"""A seeded, deterministic FTTH network around Florianópolis, cached by (size, seed).

Neighbourhoods are street grids (one box per corner, with jitter) scattered around the
city centre. Each neighbourhood has a POP box whose OLTs feed the service splitters
through slots and PONs. About 60% of service ports carry a client with its property,
drop and fiber; about 5% of boxes are drafts ("Em projeto"), 10% are full and 2% have
blocked ports. The same size and seed always give the same documents and ids.
"""

import hashlib
import json
import math
import os
import random
import time
from collections import defaultdict
from pathlib import Path

from . import documents as D
from . import geo
from .ids import IdFactory
from .store import Store

SIZES = {"small": 1_000, "medium": 20_000, "large": 200_000}

CENTER = (-27.5954, -48.5480)

# Neighbourhoods and the radius around the centre their centres fall in, per size.
_LAYOUT = {
    "small": (3, 3_000.0),
    "medium": (10, 15_000.0),
    "large": (40, 35_000.0),
}

# 2023-03-01T12:00:00Z: generated documents are dated from here on.
BASE_TIME = 1_677_672_000.0

_SPACING_M = 110.0
_JITTER_M = 18.0
_OCCUPANCY = 0.55
_PONS_PER_SLOT = 16
_SLOTS_PER_OLT = 8
_SPLITTERS_PER_PON = 4

_HOODS = [
    "Centro",
    "Trindade",
    "Córrego Grande",
    "Itacorubi",
    "Pantanal",
    "Saco dos Limões",
    "Estreito",
    "Coqueiros",
    "Campeche",
    "Lagoa",
    "Agronômica",
    "Santa Mônica",
    "Capoeiras",
    "Abraão",
    "Carvoeira",
    "Costeira",
    "Canasvieiras",
    "Ingleses",
    "Jurerê",
    "Ribeirão",
    "Armação",
    "Rio Tavares",
    "Monte Verde",
    "Saco Grande",
]
_STREETS = [
    "Rua das Acácias",
    "Rua dos Ipês",
    "Rua das Palmeiras",
    "Rua do Sol",
    "Rua da Lagoa",
    "Rua das Gaivotas",
    "Rua dos Pescadores",
    "Rua da Praia",
    "Rua das Rendeiras",
    "Rua do Mar",
    "Servidão das Orquídeas",
    "Rua dos Açores",
    "Rua da Figueira",
    "Rua das Bromélias",
    "Rua do Farol",
    "Rua da Ponte",
]


def cache_dir() -> Path:
    """`$OZMAP_SIM_CACHE`, else `~/.cache/ozmap-connector/simulator`."""
    env = os.environ.get("OZMAP_SIM_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(base) / "ozmap-connector" / "simulator"


def generator_version() -> str:
    """A digest of the code that shapes generated files, so edits invalidate caches."""
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for name in ("generator.py", "documents.py", "store.py", "ids.py", "geo.py"):
        digest.update((here / name).read_bytes())
    return digest.hexdigest()[:12]


def cached_network(size: str, seed: int, directory: Path | None = None) -> Path:
    """The path of the generated network file for (size, seed), generating it once."""
    if size not in SIZES:
        raise ValueError(f"size must be one of {', '.join(SIZES)}")
    directory = directory or cache_dir()
    directory.mkdir(parents=True, exist_ok=True)
    version = generator_version()
    path = directory / f"{size}-{seed}-{version}.sqlite"
    if path.exists():
        return path
    tmp = directory / f".{path.name}.{os.getpid()}.tmp"
    try:
        generate(size, seed, tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    for old in directory.glob(f"{size}-{seed}-*.sqlite"):
        if old != path:
            old.unlink(missing_ok=True)
    return path


def generate(size: str, seed: int, path: Path) -> dict:
    """Writes a fresh network file; returns counts and the time it took."""
    started = time.perf_counter()
    if path.exists():
        path.unlink()
    store = Store(str(path), bulk=True)
    try:
        gen = _Generator(size, seed, store)
        with store.write():
            gen.run()
            gen.flush()
        store.create_indexes()
        counts = dict(sorted(gen.counts.items()))
        store.set_meta(
            "network",
            json.dumps(
                {
                    "size": size,
                    "seed": seed,
                    "version": generator_version(),
                    "counts": counts,
                }
            ),
        )
        store.conn.execute("PRAGMA journal_mode=DELETE")
    finally:
        store.close()
    return {"counts": counts, "seconds": time.perf_counter() - started}


class _Feed:
    """Hands out (olt, slot, pon) triples, building OLTs in a POP box as needed."""

    def __init__(self, gen: "_Generator", pop: dict, hood: int) -> None:
        self.gen = gen
        self.pop = pop
        self.pop_id = pop["id"]
        self.hood = hood
        self.free: list[tuple[str, str, str]] = []
        self.olts = 0

    def next(self) -> tuple[str, str, str]:
        if not self.free:
            self._new_olt()
        return self.free.pop()

    def _new_olt(self) -> None:
        gen = self.gen
        self.olts += 1
        olt_id = gen.new_id()
        slot_ids = [gen.new_id() for _ in range(_SLOTS_PER_OLT)]
        triples = []
        for s, slot_id in enumerate(slot_ids):
            pon_ids = [gen.new_id() for _ in range(_PONS_PER_SLOT)]
            for p, pon_id in enumerate(pon_ids):
                gen.emit(
                    "pons",
                    D.pon(
                        pon_id,
                        name=f"PON {p + 1}",
                        slot=slot_id,
                        project=gen.project_id,
                        potency=round(gen.rng.uniform(2.5, 5.0), 1),
                        when=gen.clock,
                    ),
                )
                triples += [(olt_id, slot_id, pon_id)] * _SPLITTERS_PER_PON
            gen.emit(
                "slots",
                D.slot(
                    slot_id,
                    name=f"Slot {s + 1}",
                    olt=olt_id,
                    project=gen.project_id,
                    pons=pon_ids,
                    starting_pon_number=1,
                    when=gen.clock,
                ),
            )
        gen.emit(
            "olts",
            D.olt(
                olt_id,
                name=f"OLT {self.hood + 1}-{self.olts}",
                parent=self.pop_id,
                project=gen.project_id,
                olt_type=gen.olt_type,
                ip=f"10.{self.hood}.{self.olts}.1",
                slots=slot_ids,
                when=gen.clock,
            ),
        )
        # Handed out from the end: reverse so the first PON is used first.
        self.free = triples[::-1]


class _Generator:
    def __init__(self, size: str, seed: int, store: Store) -> None:
        self.size = size
        self.store = store
        self.rng = random.Random(f"ozmap-simulator:{size}:{seed}")
        self.ids = IdFactory(seed=f"{size}:{seed}")
        self.clock = BASE_TIME
        self.pending: dict[str, list[dict]] = defaultdict(list)
        self.pending_count = 0
        self.counts: dict[str, int] = defaultdict(int)
        self.client_seq = 0

    def new_id(self) -> str:
        return self.ids.new(self.clock)

    def emit(self, route: str, doc: dict) -> None:
        self.pending[route].append(doc)
        self.counts[route] += 1
        self.pending_count += 1
        if self.pending_count >= 20_000:
            self.flush()

    def flush(self) -> None:
        for route, docs in self.pending.items():
            if docs:
                self.store.bulk_insert(route, docs)
        self.pending = defaultdict(list)
        self.pending_count = 0

    def run(self) -> None:
        rng = self.rng
        t = self.clock
        self.cable_type = self.new_id()
        self.emit(
            "cable-types",
            D.simple_type(
                self.cable_type, code="DROP-1F", when=t, fiberNumber=1, looseNumber=1
            ),
        )
        self.feeder_type = self.new_id()
        self.emit(
            "cable-types",
            D.simple_type(
                self.feeder_type, code="AS-12F", when=t, fiberNumber=12, looseNumber=1
            ),
        )
        self.pole_type = self.new_id()
        self.emit(
            "pole-types",
            D.simple_type(
                self.pole_type, code="POSTE-CONCRETO", when=t, viabilityAllowed=True
            ),
        )
        self.olt_type = self.new_id()
        self.emit(
            "olt-types",
            D.simple_type(
                self.olt_type,
                code="OLT-GPON-8",
                when=t,
                defaultPotency=3,
                defaultClients=128,
            ),
        )
        self.cto_type = self.new_id()
        self.emit(
            "box-types",
            D.box_type(
                self.cto_type,
                code="CTO",
                prefix="CTO",
                level=3,
                description="Caixa de atendimento",
                when=t,
            ),
        )
        self.pop_type = self.new_id()
        self.emit(
            "box-types",
            D.box_type(
                self.pop_type,
                code="POP",
                prefix="POP",
                level=1,
                description="Ponto de presença",
                when=t,
            ),
        )
        self.splitter_types = {}
        for outputs, is_drop, att in (
            (8, True, 10.5),
            (16, True, 13.7),
            (8, False, 10.5),
        ):
            tid = self.new_id()
            code = f"1x{outputs}" + ("-ATD" if is_drop else "-PRI")
            self.emit(
                "splitter-types",
                D.splitter_type(
                    tid,
                    code=code,
                    outputs=outputs,
                    is_drop=is_drop,
                    attenuation=att,
                    when=t,
                ),
            )
            self.splitter_types[(outputs, is_drop)] = (tid, att)

        hoods, spread = _LAYOUT[self.size]
        total = SIZES[self.size]
        half = spread + 6_000.0
        ring = []
        for east, north in (
            (-half, -half),
            (half, -half),
            (half, half),
            (-half, half),
            (-half, -half),
        ):
            lat, lng = geo.offset(CENTER[0], CENTER[1], north, east)
            ring.append([lng, lat])
        self.project_id = self.new_id()
        self.emit(
            "projects",
            D.project(
                self.project_id,
                name="Florianópolis",
                lat=CENTER[0],
                lng=CENTER[1],
                ring=ring,
                drop_cable_type=self.cable_type,
                when=t,
            ),
        )

        remaining = total
        for h in range(hoods):
            count = remaining // (hoods - h)
            remaining -= count
            bearing = rng.uniform(0, 360)
            dist = spread * math.sqrt(rng.random())
            clat, clng = geo.destination(CENTER[0], CENTER[1], bearing, dist)
            self._hood(h, count, clat, clng)

    def _hood(self, h: int, count: int, clat: float, clng: float) -> None:
        rng = self.rng
        hood_name = _HOODS[h % len(_HOODS)] + ("" if h < len(_HOODS) else f" {h + 1}")
        angle = math.radians(rng.uniform(0, 90))
        cos_a, sin_a = math.cos(angle), math.sin(angle)
        side = max(1, math.ceil(math.sqrt(count)))
        cells = [(i, j) for i in range(side) for j in range(side)]
        # The POP takes one grid corner; every other corner used holds a CTO.
        cells = cells[: count + 1]
        pole_ids = {cell: self.new_id() for cell in cells}

        def place(i: int, j: int) -> tuple[float, float]:
            x = (i - side / 2) * _SPACING_M + rng.uniform(-_JITTER_M, _JITTER_M)
            y = (j - side / 2) * _SPACING_M + rng.uniform(-_JITTER_M, _JITTER_M)
            east, north = x * cos_a - y * sin_a, x * sin_a + y * cos_a
            return geo.offset(clat, clng, north, east)

        feed = None
        for n, (i, j) in enumerate(cells):
            self.clock += 600.0
            lat, lng = place(i, j)
            pole = D.pole(
                pole_ids[(i, j)],
                lat=lat,
                lng=lng,
                name=f"P-{h + 1}-{n + 1:05d}",
                pole_type=self.pole_type,
                when=self.clock,
            )
            pole["adjacents"] = [
                pole_ids[c]
                for c in ((i - 1, j), (i + 1, j), (i, j - 1), (i, j + 1))
                if c in pole_ids
            ]
            self.emit("poles", pole)
            street = _STREETS[(i + j * 3 + h) % len(_STREETS)]
            address = f"{street}, {100 + 10 * j + i} - {hood_name}"
            if n == 0:
                pop = D.box(
                    self.new_id(),
                    project=self.project_id,
                    lat=lat,
                    lng=lng,
                    name=f"POP - {h + 1}",
                    box_type=self.pop_type,
                    pole=pole["id"],
                    when=self.clock,
                    hierarchy_level=1,
                    address=address,
                )
                self.emit("boxes", pop)
                feed = _Feed(self, pop, h)
                continue
            assert feed is not None
            self._cto(h, n, lat, lng, pole["id"], address, feed)

    def _cto(
        self,
        h: int,
        n: int,
        lat: float,
        lng: float,
        pole_id: str,
        address: str,
        feed: _Feed,
    ) -> None:
        rng = self.rng
        roll = rng.random()
        if roll < 0.05:
            kind = "draft"
        elif roll < 0.15:
            kind = "full"
        elif roll < 0.17:
            kind = "blocked"
        elif roll < 0.19:
            kind = "no_service"
        else:
            kind = "normal"
        implanted = kind != "draft" and rng.random() >= 0.08
        box = D.box(
            self.new_id(),
            project=self.project_id,
            lat=lat,
            lng=lng,
            name=f"CTO {h + 1}-{n:05d}",
            box_type=self.cto_type,
            pole=pole_id,
            when=self.clock,
            implanted=implanted,
            draft=kind == "draft",
            certified=implanted and rng.random() < 0.2,
            address=address,
        )

        plan: list[tuple[str, int, bool]] = []
        if kind == "no_service":
            plan.append(("Splitter 1", 8, False))
        else:
            services = [16 if rng.random() < 0.35 else 8]
            if rng.random() < 0.12:
                services.append(16 if rng.random() < 0.35 else 8)
            if len(services) == 2 and rng.random() < 0.3:
                # Created first but second in natural order: ports go to "Splitter 2"
                # before "Splitter 10" even though "Splitter 10" has the lower id.
                names = ["Splitter 10", "Splitter 2"]
            else:
                names = [f"Splitter {k + 1}" for k in range(len(services))]
            plan += [
                (name, out, True) for name, out in zip(names, services, strict=True)
            ]
            if rng.random() < 0.18:
                plan.append((f"Splitter {len(plan) + 1}", 8, False))

        splitters = []
        for name, outputs, is_drop in plan:
            tid, att = self.splitter_types[(outputs, is_drop)]
            port_ids = [self.new_id() for _ in range(outputs)]
            if is_drop and kind == "normal" and rng.random() < 0.02:
                port_ids = port_ids[: outputs // 2]
            fed = is_drop and kind != "draft" and rng.random() >= 0.03
            splitters.append(
                D.splitter(
                    self.new_id(),
                    parent=box["id"],
                    project=self.project_id,
                    name=name,
                    splitter_type=tid,
                    outputs=outputs,
                    is_drop=is_drop,
                    port_ids=port_ids,
                    attenuation=att,
                    when=self.clock,
                    implanted=kind != "draft",
                    feed=feed.next() if fed else None,
                )
            )

        fed = [s for s in splitters if "olt" in s]
        if fed:
            cable, fibers = D.feed(
                pop=feed.pop,
                box=box,
                splitters=fed,
                cable_id=self.new_id(),
                fiber_ids=[self.new_id() for _ in fed],
                cable_type=self.feeder_type,
                when=self.clock,
            )
            self.emit("cables", cable)
            for fib in fibers:
                self.emit("fibers", fib)

        service = [s for s in splitters if s["isDrop"]]
        occupied: list[tuple[dict, int]] = []
        for spl in service:
            for port in range(1, len(spl["connectables"]["output"]) + 1):
                if kind == "full" or (
                    kind in ("normal", "blocked") and rng.random() < _OCCUPANCY
                ):
                    occupied.append((spl, port))
        if kind == "blocked":
            taken = {(s["id"], p) for s, p in occupied}
            free = [
                (s, p)
                for s in service
                for p in range(1, len(s["connectables"]["output"]) + 1)
                if (s["id"], p) not in taken
            ]
            chosen = free if rng.random() < 0.4 else rng.sample(free, min(2, len(free)))
            for spl, port in chosen:
                if port - 1 < len(spl["ports"]):
                    spl["ports"][port - 1]["blocked"] = True

        for spl, port in occupied:
            self._client(box, spl, port)
        for spl in splitters:
            self.emit("splitters", spl)
        self.emit("boxes", box)

    def _client(self, box: dict, spl: dict, port: int) -> None:
        rng = self.rng
        self.clock += 1.0
        self.client_seq += 1
        seq = self.client_seq
        implanted = rng.random() < 0.85
        onu = None
        if implanted:
            onu = {
                "user_PPPoE": f"cliente{seq}",
                "serial_number": f"ZTEG{rng.getrandbits(32):08X}",
                "mac_address": ":".join(f"{rng.getrandbits(8):02X}" for _ in range(6)),
            }
        client = D.client(
            self.new_id(),
            code=f"SIM{seq:07d}",
            name=f"Cliente {seq}",
            implanted=implanted,
            status=1 if rng.random() < 0.03 else 0,
            onu=onu,
            when=self.clock,
        )
        lat, lng = geo.destination(
            box["lat"], box["lng"], rng.uniform(0, 360), rng.uniform(15.0, 120.0)
        )
        street = box["address"].split(",")[0]
        prop = D.property_(
            self.new_id(),
            project=self.project_id,
            lat=lat,
            lng=lng,
            box=box["id"],
            client=client,
            when=self.clock,
            address=f"{street}, {rng.randint(1, 2000)}",
            pole=box["pole"],
        )
        drop, fib = D.connect(
            box=box,
            splitter=spl,
            port=port,
            prop=prop,
            drop_id=self.new_id(),
            fiber_id=self.new_id(),
            cable_type=self.cable_type,
            implanted=implanted,
            when=self.clock,
        )
        self.emit("ftth-clients", client)
        self.emit("properties", prop)
        self.emit("cables", drop)
        self.emit("fibers", fib)
