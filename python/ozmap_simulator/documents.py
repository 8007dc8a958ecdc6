"""Builders for OZmap documents, with the field names and JSON types of real responses.

The generator, the custom-network builder and the write routes all make their documents
here, so a field added to one kind of document is added everywhere.
"""

from typing import Any

from .geo import distance_m
from .ids import iso

# The user every API write is attributed to.
API_USER_ID = "635c31fe8ea52700137428a3"
CREATOR = {"id": API_USER_ID, "name": "api", "username": "api"}


def _stamp(doc: dict, when: float) -> dict:
    doc["createdAt"] = doc["updatedAt"] = iso(when)
    return doc


def project(
    pid: str,
    *,
    name: str,
    lat: float,
    lng: float,
    ring: list,
    drop_cable_type: str,
    when: float,
) -> dict:
    doc = {
        "area": {"coordinates": [ring], "type": "Polygon"},
        "lat": lat,
        "lng": lng,
        "hierarchyLevels": {
            "box": {"POP": 1, "CE": 2, "CTO": 3},
            "cable": {"PRIMÁRIO": 1, "SECUNDÁRIO": 2, "DROP": 3},
        },
        "name": name,
        "identifier": "",
        "drop": {"defaults": {"cableType": drop_cable_type}, "maxSize": 200},
        "defaultDropSize": 50,
        "defaultPonPotency": 3,
        "parents": [],
        "hasLogo": False,
        "creatorData": dict(CREATOR),
    }
    _stamp(doc, when)
    doc["id"] = pid
    return doc


def box_type(
    tid: str, *, code: str, prefix: str, level: int, description: str, when: float
) -> dict:
    doc = {
        "config": {
            "base": {"color": "#3388FFFF"},
            "regular": {"fillColor": "#3388FFFF"},
            "not_implanted": {"fillColor": "#FFA500A6"},
            "draft": {"fillColor": "#FF00FF"},
        },
        "default_reserve": 10,
        "code": code,
        "brand": "Simulada",
        "mold": code,
        "description": description,
        "prefix": prefix,
        "default_level": level,
        "default_template": None,
    }
    _stamp(doc, when)
    doc["id"] = tid
    return doc


def splitter_type(
    tid: str, *, code: str, outputs: int, is_drop: bool, attenuation: float, when: float
) -> dict:
    doc = {
        "code": code,
        "isDrop": is_drop,
        "brand": "Simulada",
        "mold": f"1x{outputs}",
        "description": f"Splitter 1:{outputs}" + (" de atendimento" if is_drop else ""),
        "ratio": {"input": 1, "output": outputs},
        "isBalanced": True,
        "prefix": "Splitter ",
        "size": outputs,
        "inputConnectionType": 0,
        "outputConnectionType": 1,
        "attenuation": [attenuation] * outputs,
    }
    _stamp(doc, when)
    doc["id"] = tid
    return doc


def simple_type(tid: str, *, code: str, when: float, **extra: Any) -> dict:
    """Cable, pole and OLT types: only referenced, so a code and a few fields do."""
    doc = {"code": code, "description": code, **extra}
    _stamp(doc, when)
    doc["id"] = tid
    return doc


def pole(
    pid: str, *, lat: float, lng: float, name: str, pole_type: str, when: float
) -> dict:
    doc = {
        "poleType": pole_type,
        "licensing": {"status": 0, "protocol": ""},
        "usable": True,
        "observation": "",
        "tags": [],
        "coords": [lng, lat],
        "adjacents": [],
        "kind": "Pole",
        "name": name,
    }
    _stamp(doc, when)
    doc["id"] = pid
    doc["lng"] = lng
    doc["lat"] = lat
    return doc


def box(
    bid: str,
    *,
    project: str,
    lat: float,
    lng: float,
    name: str,
    box_type: str | None,
    pole: str | None,
    when: float,
    hierarchy_level: int = 3,
    implanted: bool = True,
    draft: bool = False,
    certified: bool = False,
    address: str = "",
) -> dict:
    doc = {
        "shared": False,
        "draft": draft,
        "default_reserve": 0,
        "certified": certified,
        "_id": bid,
        "tags": [],
        "coords": [lng, lat],
        "cables": [],
        "kind": "Box",
        "project": project,
        "implanted": implanted,
        "hierarchyLevel": hierarchy_level,
        "boxType": box_type,
        "name": name,
        "address": address,
        "observation": "",
        "creatorData": dict(CREATOR),
        "pole": pole,
        "history": [],
    }
    _stamp(doc, when)
    doc["__v"] = 0
    doc["id"] = bid
    doc["lng"] = lng
    doc["lat"] = lat
    return doc


def splitter(
    sid: str,
    *,
    parent: str,
    project: str,
    name: str,
    splitter_type: str,
    outputs: int,
    is_drop: bool,
    port_ids: list[str],
    attenuation: float,
    when: float,
    implanted: bool = True,
    blocked: frozenset[int] | set[int] = frozenset(),
    feed: tuple[str, str, str] | None = None,
) -> dict:
    """A splitter with every port free; `blocked` holds 1-based port numbers.

    `port_ids` may be shorter than `outputs`: the ports past its end then have no entry
    in `ports`, which OZmap treats as not blocked.
    """
    doc = {
        "isBalanced": True,
        "orientation": "right",
        "currentPower": [None] * outputs,
        "installPower": [None] * outputs,
        "label": "",
        "attenuation": [attenuation] * outputs,
        "implanted": implanted,
        "isDrop": is_drop,
        "kind": "Splitter",
        "parent": parent,
        "project": project,
        "name": name,
        "splitterType": splitter_type,
        "connectables": {"input": [None], "output": [None] * outputs},
        "ratio": {"output": outputs, "input": 1},
    }
    _stamp(doc, when)
    doc["ports"] = [
        {"tags": [], "blocked": (i + 1) in blocked, "id": port_id}
        for i, port_id in enumerate(port_ids)
    ]
    doc["id"] = sid
    if feed is not None:
        doc["olt"], doc["slot"], doc["pon"] = feed
    return doc


def olt(
    oid: str,
    *,
    name: str,
    parent: str,
    project: str,
    olt_type: str,
    ip: str,
    slots: list[str],
    when: float,
) -> dict:
    doc = {
        "kind": "OLT",
        "name": name,
        "label": name,
        "oltType": olt_type,
        "connectables": list(slots),
        "parent": parent,
        "project": project,
        "ip": ip,
        "port": 22,
        "shelf": None,
        "snmp": {"version": "2c", "filter": "", "port": 161, "enabled": False},
        "tr069": {"port": 7547, "enabled": False},
        "implanted": True,
        "isDrop": False,
        "attenuation": [],
        "observation": "",
    }
    _stamp(doc, when)
    doc["id"] = oid
    return doc


def slot(
    sid: str,
    *,
    name: str,
    olt: str,
    project: str,
    pons: list[str],
    starting_pon_number: int,
    when: float,
) -> dict:
    doc = {
        "kind": "Slot",
        "name": name,
        "label": name,
        "connectables": list(pons),
        "starting_pon_number": starting_pon_number,
        "parent": olt,
        "olt": olt,
        "project": project,
        "implanted": True,
        "isDrop": False,
        "attenuation": [],
    }
    _stamp(doc, when)
    doc["id"] = sid
    return doc


def pon(
    pid: str, *, name: str, slot: str, project: str, potency: float, when: float
) -> dict:
    doc = {
        "kind": "PON",
        "name": name,
        "label": name,
        "connectables": [],
        "potency": potency,
        "maximumClients": 128,
        "parent": slot,
        "slot": slot,
        "project": project,
        "implanted": True,
        "isDrop": False,
        "attenuation": [],
    }
    _stamp(doc, when)
    doc["id"] = pid
    return doc


def client(
    cid: str,
    *,
    code: str,
    name: str = "",
    observation: str = "",
    implanted: bool = False,
    certified: bool = False,
    status: int = 0,
    onu: dict | None = None,
    when: float,
) -> dict:
    doc = {
        "tags": [],
        "observation": observation,
        "implanted": implanted,
        "onu": {
            "user_PPPoE": "",
            "serial_number": "",
            "mac_address": "",
            **(onu or {}),
        },
        "certified": certified,
        "status": status,
        "kind": "FTTHClient",
        "code": code,
        "name": name,
    }
    _stamp(doc, when)
    doc["id"] = cid
    return doc


def embedded_client(doc: dict) -> dict:
    """A client as it appears inside a property: OZmap labels it kind "ftth" there."""
    out = dict(doc)
    out["kind"] = "ftth"
    return out


def property_(
    pid: str,
    *,
    project: str,
    lat: float,
    lng: float,
    box: str | None,
    client: dict | None,
    when: float,
    address: str = "",
    observation: str = "",
    pole: str | None = None,
    name: str = "",
) -> dict:
    """A property; `client` is the client document (or None); only its id is kept."""
    history = []
    if client is not None:
        history.append(
            {
                "id": client["id"],
                "code": client["code"],
                "enter_date": iso(when),
                "exit_date": None,
            }
        )
    doc = {
        "observation": observation,
        "drop": None,
        "tags": [],
        "cables": [],
        "kind": "Property",
        "address": address,
        "name": name,
        "coords": [lng, lat],
        "box": box,
        "project": project,
        "pole": pole,
        "client": client["id"] if client is not None else None,
        "potencyRead": None,
        "creatorData": dict(CREATOR),
        "history": {"clients": history},
    }
    _stamp(doc, when)
    doc["id"] = pid
    doc["lng"] = lng
    doc["lat"] = lat
    doc["connections"] = []
    return doc


def drop_cable(
    cid: str,
    *,
    project: str,
    cable_type: str,
    box: dict,
    prop: dict,
    implanted: bool,
    when: float,
    poles: list | None = None,
) -> dict:
    length = round(distance_m(box["lat"], box["lng"], prop["lat"], prop["lng"]), 2)
    doc = {
        "kind": "Drop",
        "project": project,
        "cableType": cable_type,
        "boxA": box["id"],
        "boxB": prop["id"],
        "poles": list(poles or []),
        "hierarchyLevel": 3,
        "name": "",
        "fiberNumber": 1,
        "looseNumber": 1,
        "orientationA": "right",
        "orientationB": "left",
        "implanted": implanted,
        "length": length,
        "altitude_length": 0,
        "ground_length": length,
        "loss": round(length * 0.0004, 4),
        "tags": [],
        "ducts": [],
        "observation": "",
        "creatorData": dict(CREATOR),
    }
    _stamp(doc, when)
    doc["id"] = cid
    return doc


def fiber(
    fid: str,
    *,
    cable: str,
    splitter: str | None,
    when: float,
    number: int = 1,
    is_drop: bool = True,
) -> dict:
    doc = {
        "kind": "Fiber",
        "parent": cable,
        "fiberNumber": number,
        "isDrop": is_drop,
        "connectors": [splitter] if splitter else [],
        "name": str(number),
        "observation": "",
    }
    _stamp(doc, when)
    doc["id"] = fid
    return doc


def feed(
    *,
    pop: dict,
    box: dict,
    splitters: list[dict],
    cable_id: str,
    fiber_ids: list[str],
    cable_type: str,
    when: float,
) -> tuple[dict, list[dict]]:
    """The cable from the POP that feeds a box's splitters, one fiber per splitter
    input. Edits the splitters and the box in place; returns (cable, fibers)."""
    length = round(distance_m(pop["lat"], pop["lng"], box["lat"], box["lng"]), 2)
    cable = {
        "kind": "Cable",
        "project": box["project"],
        "cableType": cable_type,
        "boxA": pop["id"],
        "boxB": box["id"],
        "poles": [],
        "hierarchyLevel": 2,
        "name": f"Cabo {box['name']}",
        "fiberNumber": len(splitters),
        "looseNumber": 1,
        "orientationA": "right",
        "orientationB": "left",
        "implanted": True,
        "length": length,
        "altitude_length": 0,
        "ground_length": length,
        "loss": round(length * 0.00035, 4),
        "tags": [],
        "ducts": [],
        "observation": "",
        "creatorData": dict(CREATOR),
    }
    _stamp(cable, when)
    cable["id"] = cable_id
    fibers = []
    for n, (spl, fid) in enumerate(zip(splitters, fiber_ids, strict=True), start=1):
        fibers.append(
            fiber(
                fid,
                cable=cable_id,
                splitter=spl["id"],
                when=when,
                number=n,
                is_drop=False,
            )
        )
        spl["connectables"]["input"] = [fid]
    # NOTE: the POP's own `cables` list is left alone: it would grow with every box.
    box["cables"].append(cable_id)
    return cable, fibers


def connect(
    *,
    box: dict,
    splitter: dict,
    port: int,
    prop: dict,
    drop_id: str,
    fiber_id: str,
    cable_type: str,
    implanted: bool,
    when: float,
    poles: list | None = None,
) -> tuple[dict, dict]:
    """Plugs a property into a splitter port: makes its drop and fiber, edits the rest.

    Changes `box`, `splitter` and `prop` in place and returns the new (drop, fiber).
    """
    drop = drop_cable(
        drop_id,
        project=prop["project"],
        cable_type=cable_type,
        box=box,
        prop=prop,
        implanted=implanted,
        when=when,
        poles=poles,
    )
    fib = fiber(fiber_id, cable=drop_id, splitter=splitter["id"], when=when)
    splitter["connectables"]["output"][port - 1] = fiber_id
    splitter["updatedAt"] = iso(when)
    box["cables"].append(drop_id)
    box["updatedAt"] = iso(when)
    prop["box"] = box["id"]
    prop["drop"] = drop_id
    prop["cables"] = [drop_id]
    prop["connections"] = [
        {
            "id": splitter["id"],
            "kind": "Splitter",
            "port": port,
            "name": splitter["name"],
            "implanted": bool(splitter.get("implanted", True)),
            "fiber": fiber_id,
        }
    ]
    prop["updatedAt"] = iso(when)
    return drop, fib


def port_state(splitter: dict, port: int) -> str:
    """ "free", "occupied", "blocked" or "invalid" for a 1-based port of a splitter."""
    outputs = splitter.get("connectables", {}).get("output", [])
    if (
        not isinstance(port, int)
        or isinstance(port, bool)
        or not 1 <= port <= len(outputs)
    ):
        return "invalid"
    if outputs[port - 1] is not None:
        return "occupied"
    ports = splitter.get("ports") or []
    if port - 1 < len(ports) and ports[port - 1].get("blocked") is True:
        return "blocked"
    return "free"


def free_ports(splitter: dict) -> list[int]:
    """The free, unblocked 1-based port numbers of a splitter, lowest first."""
    outputs = splitter.get("connectables", {}).get("output", [])
    ports = splitter.get("ports") or []
    result = []
    for i, used in enumerate(outputs):
        if used is None and not (i < len(ports) and ports[i].get("blocked") is True):
            result.append(i + 1)
    return result
