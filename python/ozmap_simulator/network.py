"""A small hand-made network for tests that need an exact situation.

    net = NetworkBuilder()
    box = net.box(*geo.destination(net.lat, net.lng, 90, 250.0), name="Edge")
    spl = net.splitter(box, outputs=8, occupied=[1, 2], blocked=[3])
    with Simulator(network=net) as sim:
        ...

Ids are made in call order, so they are stable from one run to the next, and ordered:
a box made later has a larger id.
"""

from . import documents as D
from .generator import BASE_TIME, CENTER
from .ids import IdFactory

_ROUTES = (
    "projects",
    "box-types",
    "splitter-types",
    "cable-types",
    "pole-types",
    "olt-types",
    "poles",
    "boxes",
    "splitters",
    "ftth-clients",
    "properties",
    "cables",
    "fibers",
    "olts",
    "slots",
    "pons",
)


class NetworkBuilder:
    """Builds documents in memory; `Simulator(network=builder)` loads them."""

    def __init__(
        self, lat: float = CENTER[0], lng: float = CENTER[1], seed: str = "custom"
    ) -> None:
        self.lat = lat
        self.lng = lng
        self.ids = IdFactory(seed=seed)
        self.clock = BASE_TIME
        self.docs: dict[str, dict[str, dict]] = {route: {} for route in _ROUTES}
        self._codes = 0
        t = self.clock

        self.cable_type = self._add(
            "cable-types",
            D.simple_type(
                self._id(), code="DROP-1F", when=t, fiberNumber=1, looseNumber=1
            ),
        )
        self.pole_type = self._add(
            "pole-types",
            D.simple_type(self._id(), code="POSTE", when=t, viabilityAllowed=True),
        )
        self.olt_type = self._add(
            "olt-types",
            D.simple_type(
                self._id(), code="OLT", when=t, defaultPotency=3, defaultClients=128
            ),
        )
        self.box_type = self._add(
            "box-types",
            D.box_type(
                self._id(),
                code="CTO",
                prefix="CTO",
                level=3,
                description="Caixa de atendimento",
                when=t,
            ),
        )
        self.splitter_types: dict[tuple[int, bool], str] = {}
        d = 0.01
        ring = [
            [lng - d, lat - d],
            [lng + d, lat - d],
            [lng + d, lat + d],
            [lng - d, lat + d],
            [lng - d, lat - d],
        ]
        self.project = self._add(
            "projects",
            D.project(
                self._id(),
                name="Projeto de teste",
                lat=lat,
                lng=lng,
                ring=ring,
                drop_cable_type=self.cable_type,
                when=t,
            ),
        )
        self.pop = self.box(lat, lng, name="POP - 1", hierarchy_level=1)
        olt_id, slot_id, pon_id = self._id(), self._id(), self._id()
        self._add(
            "pons",
            D.pon(
                pon_id,
                name="PON 1",
                slot=slot_id,
                project=self.project,
                potency=3.0,
                when=t,
            ),
        )
        self._add(
            "slots",
            D.slot(
                slot_id,
                name="Slot 1",
                olt=olt_id,
                project=self.project,
                pons=[pon_id],
                starting_pon_number=1,
                when=t,
            ),
        )
        self._add(
            "olts",
            D.olt(
                olt_id,
                name="OLT 1",
                parent=self.pop,
                project=self.project,
                olt_type=self.olt_type,
                ip="10.0.0.1",
                slots=[slot_id],
                when=t,
            ),
        )
        self.feed = (olt_id, slot_id, pon_id)

    def _id(self) -> str:
        self.clock += 1.0
        return self.ids.new(self.clock)

    def _add(self, route: str, doc: dict) -> str:
        self.docs[route][doc["id"]] = doc
        return doc["id"]

    def splitter_type(self, outputs: int, is_drop: bool) -> str:
        key = (outputs, is_drop)
        if key not in self.splitter_types:
            self.splitter_types[key] = self._add(
                "splitter-types",
                D.splitter_type(
                    self._id(),
                    code=f"1x{outputs}" + ("-ATD" if is_drop else "-PRI"),
                    outputs=outputs,
                    is_drop=is_drop,
                    attenuation=10.5,
                    when=self.clock,
                ),
            )
        return self.splitter_types[key]

    def box(
        self,
        lat: float,
        lng: float,
        *,
        name: str | None = None,
        draft: bool = False,
        implanted: bool = True,
        hierarchy_level: int = 3,
    ) -> str:
        pole_id = self._add(
            "poles",
            D.pole(
                self._id(),
                lat=lat,
                lng=lng,
                name=f"P-{len(self.docs['poles']) + 1}",
                pole_type=self.pole_type,
                when=self.clock,
            ),
        )
        bid = self._id()
        return self._add(
            "boxes",
            D.box(
                bid,
                project=self.project,
                lat=lat,
                lng=lng,
                name=name or f"CTO {len(self.docs['boxes'])}",
                box_type=self.box_type,
                pole=pole_id,
                when=self.clock,
                hierarchy_level=hierarchy_level,
                implanted=implanted and not draft,
                draft=draft,
            ),
        )

    def splitter(
        self,
        box: str,
        *,
        outputs: int = 8,
        is_drop: bool = True,
        name: str | None = None,
        occupied: tuple[int, ...] | list[int] = (),
        blocked: tuple[int, ...] | list[int] = (),
        ports_len: int | None = None,
        fed: bool = True,
    ) -> str:
        """A splitter in `box`; `occupied` ports get a client each, `blocked` are
        blocked; `ports_len` shortens `ports[]` to test ports past its end."""
        count = sum(1 for s in self.docs["splitters"].values() if s["parent"] == box)
        port_ids = [self._id() for _ in range(outputs)]
        if ports_len is not None:
            port_ids = port_ids[:ports_len]
        sid = self._add(
            "splitters",
            D.splitter(
                self._id(),
                parent=box,
                project=self.project,
                name=name or f"Splitter {count + 1}",
                splitter_type=self.splitter_type(outputs, is_drop),
                outputs=outputs,
                is_drop=is_drop,
                port_ids=port_ids,
                attenuation=10.5,
                when=self.clock,
                blocked=set(blocked),
                feed=self.feed if fed and is_drop else None,
            ),
        )
        spl = self.docs["splitters"][sid]
        if "olt" in spl:
            box_doc = self.docs["boxes"][box]
            cable, fibers = D.feed(
                pop=self.docs["boxes"][self.pop],
                box=box_doc,
                splitters=[spl],
                cable_id=self._id(),
                fiber_ids=[self._id()],
                cable_type=self.cable_type,
                when=self.clock,
            )
            self._add("cables", cable)
            for fib in fibers:
                self._add("fibers", fib)
        for port in occupied:
            self.client(sid, port)
        return sid

    def client(
        self,
        splitter: str,
        port: int,
        *,
        code: str | None = None,
        implanted: bool = True,
        lat: float | None = None,
        lng: float | None = None,
        name: str = "",
    ) -> str:
        """A client on a port, with its property, drop and fiber; returns the
        property id."""
        spl = self.docs["splitters"][splitter]
        box = self.docs["boxes"][spl["parent"]]
        outputs = spl["connectables"]["output"]
        if not 1 <= port <= len(outputs) or outputs[port - 1] is not None:
            raise ValueError(f"port {port} of {spl['name']} is not free")
        self._codes += 1
        client = D.client(
            self._id(),
            code=code or f"OCC{self._codes:05d}",
            name=name or f"Cliente {self._codes}",
            implanted=implanted,
            when=self.clock,
        )
        self._add("ftth-clients", client)
        prop = D.property_(
            self._id(),
            project=self.project,
            lat=box["lat"] if lat is None else lat,
            lng=box["lng"] if lng is None else lng,
            box=box["id"],
            client=client,
            when=self.clock,
            pole=box["pole"],
        )
        drop, fib = D.connect(
            box=box,
            splitter=spl,
            port=port,
            prop=prop,
            drop_id=self._id(),
            fiber_id=self._id(),
            cable_type=self.cable_type,
            implanted=implanted,
            when=self.clock,
        )
        self._add("properties", prop)
        self._add("cables", drop)
        self._add("fibers", fib)
        return prop["id"]

    def documents(self) -> dict[str, list[dict]]:
        return {route: list(docs.values()) for route, docs in self.docs.items()}
