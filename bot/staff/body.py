"""The body and foot diagram on the handoff page: where it hurts and where it travels.

Four small drawings, rendered as inline SVG by ``templates/_body.html``: the body
from the front and from the back, and each foot seen from above (top) and as a
footprint (sole). Every contract region maps to one or more zones of those
drawings (``REGION_ZONES``); ``other`` has no zone and is listed in words only.

Three layers mark a zone: ``pain`` (the pain sites, solid), ``radiation`` (where the
pain travels, hatched) and ``numbness`` (numbness or tingling, dotted). Radiation
and numbness sites carry no side in the contract: they are drawn on the side of
the pain when all sided pain is on one side, else on both sides, and the caption
says which.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Set, Tuple

from bot import codes
from bot.staff import labels

LAYERS = ("pain", "radiation", "numbness")

# Zones that exist once (midline) rather than per side.
UNSIDED = frozenset({"neck", "upper_back", "lower_back"})

# region -> (view, zone) pairs; views: front, back, top (foot from above), sole.
REGION_ZONES: Dict[str, Tuple[Tuple[str, str], ...]] = {
    "neck": (("front", "neck"), ("back", "neck")),
    "upper_back": (("back", "upper_back"),),
    "lower_back": (("back", "lower_back"),),
    "back": (("back", "upper_back"), ("back", "lower_back")),
    "shoulder": (("front", "shoulder"), ("back", "shoulder")),
    "buttock": (("back", "buttock"),),
    "hip": (("front", "hip"),),
    "groin": (("front", "groin"),),
    "thigh": (("front", "thigh"), ("back", "thigh")),
    "knee": (("front", "knee"), ("back", "knee")),
    "shin": (("front", "shin"),),
    "calf": (("back", "calf"),),
    "ankle": (("front", "ankle"), ("back", "ankle"), ("top", "ankle")),
    "leg": (("front", "thigh"), ("front", "knee"), ("front", "shin"),
            ("back", "thigh"), ("back", "knee"), ("back", "calf")),
    "foot": (("front", "foot"), ("back", "heel"), ("top", "outline"), ("top", "toes"),
             ("top", "big_toe"), ("sole", "outline"), ("sole", "toes"), ("sole", "big_toe")),
    "heel": (("back", "heel"), ("sole", "heel")),
    "arch": (("sole", "arch"),),
    "top_of_foot": (("front", "foot"), ("top", "top_of_foot")),
    "ball_of_foot": (("sole", "ball_of_foot"),),
    "toes": (("top", "toes"), ("sole", "toes")),
    "big_toe": (("top", "big_toe"), ("sole", "big_toe")),
    "outer_foot": (("top", "outer_foot"), ("sole", "outer_foot")),
    "inner_foot": (("top", "inner_foot"), ("sole", "inner_foot")),
    "sole": (("sole", "outline"),),
    "other": (),
}

Part = Tuple[str, Dict[str, Any]]  # an SVG element name and its attributes


@dataclass(frozen=True)
class Zone:
    view: str
    name: str
    side: str  # "left" | "right" | "" (midline)
    parts: Tuple[Part, ...]
    title: str
    kind: str = "zone"  # "zone": a body segment; "fzone": a foot zone drawn as a border

    @property
    def key(self) -> str:
        return f"{self.view}.{self.name}.{self.side}"


# -- geometry ---------------------------------------------------------------------
# Body drawings: viewBox 0 0 200 450. Coordinates below are for the figure's
# viewer-left half (front view: the patient's right; back view: the patient's left)
# and are mirrored around x=100 for the other side.
BODY_WIDTH = 200


def _rect(x, y, w, h, rx=0) -> Part:
    return ("rect", {"x": x, "y": y, "width": w, "height": h, "rx": rx})


def _ellipse(cx, cy, rx, ry) -> Part:
    return ("ellipse", {"cx": cx, "cy": cy, "rx": rx, "ry": ry})


def _mirror(part: Part, width: int = BODY_WIDTH) -> Part:
    tag, attrs = part
    attrs = dict(attrs)
    if tag == "rect":
        attrs["x"] = width - attrs["x"] - attrs["width"]
    elif tag in ("ellipse", "circle"):
        attrs["cx"] = width - attrs["cx"]
    return tag, attrs


FRONT_SIDED = {
    "shoulder": (_ellipse(70, 78, 17, 12),),
    "hip": (_rect(60, 168, 22, 32, 8),),
    "groin": (_rect(84, 168, 15, 30, 6),),
    "thigh": (_rect(63, 203, 34, 86, 12),),
    "knee": (_rect(66, 291, 29, 27, 10),),
    "shin": (_rect(68, 320, 25, 70, 9),),
    "ankle": (_rect(69, 392, 23, 12, 5),),
    "foot": (_rect(64, 406, 31, 18, 8),),
}
BACK_SIDED = {
    "shoulder": (_ellipse(70, 78, 17, 12),),
    "buttock": (_ellipse(80, 185, 20, 17),),
    "thigh": (_rect(63, 203, 34, 86, 12),),
    "knee": (_rect(66, 291, 29, 27, 10),),
    "calf": (_rect(68, 320, 25, 70, 9),),
    "ankle": (_rect(69, 392, 23, 12, 5),),
    "heel": (_rect(69, 406, 23, 14, 6),),
}
# Drawn but never marked: head, arms, hands; the front torso.
BODY_FRAME = (
    ("circle", {"cx": 100, "cy": 30, "r": 22}),
    _rect(37, 80, 19, 110, 9), _mirror(_rect(37, 80, 19, 110, 9)),
    ("circle", {"cx": 46.5, "cy": 199, "r": 8.5}), ("circle", {"cx": 153.5, "cy": 199, "r": 8.5}),
)
FRONT_FRAME = BODY_FRAME + (_rect(60, 66, 80, 100, 16),)
BACK_FRAME = BODY_FRAME + (_rect(60, 162, 80, 8, 3),)
NECK = (_rect(90, 52, 20, 14, 4),)
UPPER_BACK = (_rect(60, 66, 80, 50, 14),)
LOWER_BACK = (_rect(60, 118, 80, 46, 10),)

# Foot drawings: each 100 x 240, a RIGHT foot with the big toe on the left (seen from
# above; the sole drawn as a footprint, in the same orientation). The left foot is
# the mirror image. Foot zones are clipped to the outline (clip path "foot-clip").
FOOT_WIDTH = 100
FOOT_OUTLINE_D = (
    "M18,52 Q22,42 40,43 L80,47 Q97,52 95,72 L87,150 Q85,200 70,224 "
    "Q52,240 36,224 Q25,206 28,170 Q30,130 19,100 Q12,76 18,52 Z"
)
FOOT_OUTLINE = (("path", {"d": FOOT_OUTLINE_D}),)
BIG_TOE = (_ellipse(30, 24, 13, 17),)
TOES = (_ellipse(53, 15, 7.5, 9.5), _ellipse(67, 19, 7, 9), _ellipse(79, 27, 6.5, 8),
        _ellipse(89, 38, 6, 7.5))
TOP_ZONES = {
    "top_of_foot": (_rect(0, 40, 100, 128),),
    "ankle": (_rect(0, 170, 100, 75),),
    "inner_foot": (_rect(0, 40, 26, 135),),
    "outer_foot": (_rect(76, 40, 30, 135),),
}
SOLE_ZONES = {
    "ball_of_foot": (_rect(0, 40, 100, 42),),
    "arch": (_rect(0, 84, 54, 82),),
    "heel": (_rect(0, 168, 100, 75),),
    "inner_foot": (_rect(0, 40, 24, 160),),
    "outer_foot": (_rect(76, 48, 30, 150),),
}
# Where the forefoot / midfoot / hindfoot labels sit (y), between the two drawings.
FOOT_BANDS = (("forefoot", 55), ("midfoot", 125), ("hindfoot", 205))


def _title(name: str, side: str) -> str:
    text = labels.REGION.get(name, name.replace("_", " "))
    if name == "foot":
        text = "top of foot"
    if name == "outline":
        text = "whole foot / sole"
    return f"{side} {text}" if side else text


def _body_zones(view: str) -> List[Zone]:
    sided = FRONT_SIDED if view == "front" else BACK_SIDED
    # The viewer's left half is the patient's right from the front, left from the back.
    near, far = ("right", "left") if view == "front" else ("left", "right")
    zones = [Zone(view, "neck", "", NECK, "neck")]
    if view == "back":
        zones += [Zone(view, "upper_back", "", UPPER_BACK, "upper back"),
                  Zone(view, "lower_back", "", LOWER_BACK, "lower back")]
    for name, parts in sided.items():
        zones.append(Zone(view, name, near, parts, _title(name, near)))
        zones.append(Zone(view, name, far, tuple(_mirror(p) for p in parts), _title(name, far)))
    return zones


def _foot_zones(view: str, side: str) -> List[Zone]:
    zones = [Zone(view, "outline", side, FOOT_OUTLINE, _title("outline", side)),
             Zone(view, "big_toe", side, BIG_TOE, _title("big_toe", side)),
             Zone(view, "toes", side, TOES, _title("toes", side))]
    table = TOP_ZONES if view == "top" else SOLE_ZONES
    for name, parts in table.items():
        zones.append(Zone(view, name, side, parts, _title(name, side), kind="fzone"))
    return zones


ALL_ZONES: Tuple[Zone, ...] = tuple(
    _body_zones("front") + _body_zones("back")
    + [z for side in ("right", "left") for view in ("top", "sole") for z in _foot_zones(view, side)]
)
ZONE_KEYS = frozenset(zone.key for zone in ALL_ZONES)


# -- marks ------------------------------------------------------------------------
def _sides(region: str, side: Optional[str]) -> Tuple[str, ...]:
    if region in UNSIDED:
        return ("",)
    if side in ("left", "right"):
        return (side,)
    return ("left", "right")  # both, midline on a sided region, or not given


def zone_keys(region: str, side: Optional[str]) -> List[str]:
    """The zone keys a region on a side lights up (empty for ``other``)."""
    keys = []
    for view, name in REGION_ZONES.get(region, ()):
        for one_side in _sides(name if name in UNSIDED else region, side):
            key = f"{view}.{name}.{'' if name in UNSIDED else one_side}"
            if key in ZONE_KEYS:
                keys.append(key)
    return keys


@dataclass
class Diagram:
    marks: Dict[str, List[str]] = field(default_factory=dict)  # zone key -> layers
    pain: List[str] = field(default_factory=list)  # words, for the caption
    radiation: List[str] = field(default_factory=list)
    numbness: List[str] = field(default_factory=list)
    spread_side: Optional[str] = None  # the side radiation/numbness are drawn on
    not_drawn: List[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.pain or self.radiation or self.numbness)

    def layers(self, key: str) -> List[str]:
        return self.marks.get(key, [])

    @property
    def spread_note(self) -> str:
        if not (self.radiation or self.numbness):
            return ""
        if self.spread_side in ("left", "right"):
            return (f"The patient gave no side for where the pain travels or for numbness; "
                    f"they are drawn on the {self.spread_side}, the side of the pain.")
        return ("The patient gave no side for where the pain travels or for numbness; "
                "they are drawn on both sides.")


def spread_side(pain_sites: Sequence[Mapping[str, Any]]) -> Optional[str]:
    """The one side all sided pain is on, else None (drawn on both sides)."""
    sides: Set[str] = set()
    for site in pain_sites:
        region = site.get("region")
        if region in codes.SIDED_REGIONS or region == "groin":
            side = site.get("side")
            sides.add(side if side in ("left", "right") else "both")
    return sides.pop() if len(sides) == 1 and sides <= {"left", "right"} else None


def build_diagram(complaint: Mapping[str, Any]) -> Diagram:
    """Marks for the drawings from a payload's ``complaint``."""
    diagram = Diagram()
    pain_sites = [s for s in complaint.get("pain_sites") or [] if isinstance(s, Mapping)]
    radiation = (complaint.get("radiation") or {})
    numbness = (complaint.get("numbness_tingling") or {})

    def add(key: str, layer: str) -> None:
        layers = diagram.marks.setdefault(key, [])
        if layer not in layers:
            layers.append(layer)

    for site in pain_sites:
        region, side = site.get("region"), site.get("side")
        diagram.pain.append(labels.region(region, side))
        keys = zone_keys(region, side)
        if not keys:
            diagram.not_drawn.append(labels.region(region, side))
        for key in keys:
            add(key, "pain")

    diagram.spread_side = spread_side(pain_sites)
    for layer, regions, words in (
        ("radiation", radiation.get("to") or [], diagram.radiation),
        ("numbness", numbness.get("sites") or [], diagram.numbness),
    ):
        for region in regions:
            words.append(labels.region(region))
            keys = zone_keys(region, diagram.spread_side)
            if not keys:
                diagram.not_drawn.append(labels.region(region))
            for key in keys:
                add(key, layer)
    # Draw layers in a fixed order: solid pain under the hatching and the dots.
    for key, layers in diagram.marks.items():
        layers.sort(key=LAYERS.index)
    return diagram


def zones(view: str, side: str = "") -> List[Zone]:
    """The zones of one drawing, in drawing order."""
    if view in ("front", "back"):
        return [z for z in ALL_ZONES if z.view == view]
    return [z for z in ALL_ZONES if z.view == view and z.side == side]
