"""Pictures of simple shapes for the demo batch, drawn locally so the demo needs no network.

Each picture is one filled shape (circle, square, triangle or star) of a random colour, size,
position and rotation, on a pastel background sprinkled with grey speckles. The random generator
is seeded, so the same index always gives the same picture and the labels stay checkable.

The speckles are grey and the shape colours are saturated, and polygons are drawn without
anti-aliasing, so the shape's pixels are exactly its fill colour: a test can measure how much of
the shape's circumscribed circle it covers (circle 1.0, square 0.64, triangle 0.41, star 0.31).
"""

import math
import random
from dataclasses import dataclass

from PIL import Image, ImageDraw

SHAPES = ("circle", "square", "triangle", "star")
SIZE = 256
SEED = 2026
# A star's inner radius as a fraction of its outer one: spiky enough to tell from a triangle.
STAR_INNER_RATIO = 0.33
SPECKLES = 600


@dataclass(frozen=True)
class ShapeSpec:
    """Everything needed to draw one picture again, identically."""

    index: int
    shape: str
    center: tuple[int, int]
    radius: int  # of the circle through the shape's corners
    rotation: float  # degrees
    fill: tuple[int, int, int]
    background: tuple[int, int, int]
    seed: int

    @property
    def filename(self) -> str:
        # The name must not give the answer away: workers can see image URLs.
        return f"shape-{self.index:03d}.png"


def saturated_colour(rng: random.Random) -> tuple[int, int, int]:
    # One channel high, one low, one anywhere: never grey, never pastel.
    channels = [rng.randint(170, 235), rng.randint(20, 80), rng.randint(20, 235)]
    rng.shuffle(channels)
    return (channels[0], channels[1], channels[2])


def shape_spec(index: int, shape: str, *, seed: int = SEED) -> ShapeSpec:
    """Picture number `index`, showing `shape`: the same arguments always give the same picture."""
    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r}")
    rng = random.Random(f"{seed}:{index}")  # nosec B311  # seeded demo data, not a secret
    radius = rng.randint(55, 95)
    margin = radius + 4
    center = (rng.randint(margin, SIZE - margin), rng.randint(margin, SIZE - margin))
    pastel = (rng.randint(225, 250), rng.randint(225, 250), rng.randint(225, 250))
    return ShapeSpec(
        index=index,
        shape=shape,
        center=center,
        radius=radius,
        rotation=rng.uniform(0, 360),
        fill=saturated_colour(rng),
        background=pastel,
        seed=seed,
    )


def shape_specs(count: int, *, seed: int = SEED) -> list[ShapeSpec]:
    """`count` pictures, numbered from 1, each shape as often as the others (give or take one),
    in a shuffled order so that the sequence of tasks gives nothing away."""
    shapes = [SHAPES[i % len(SHAPES)] for i in range(count)]
    random.Random(f"{seed}:order").shuffle(shapes)  # nosec B311  # seeded demo data, not a secret
    return [shape_spec(index, shape, seed=seed) for index, shape in enumerate(shapes, start=1)]


def shape_polygon(spec: ShapeSpec) -> list[tuple[float, float]]:
    cx, cy = spec.center
    start = math.radians(spec.rotation)
    if spec.shape == "square":
        radii = [spec.radius] * 4
    elif spec.shape == "triangle":
        radii = [spec.radius] * 3
    else:  # star: outer and inner corners in turn
        radii = [spec.radius, spec.radius * STAR_INNER_RATIO] * 5
    step = 2 * math.pi / len(radii)
    return [
        (cx + r * math.cos(start + i * step), cy + r * math.sin(start + i * step))
        for i, r in enumerate(radii)
    ]


def draw_shape(spec: ShapeSpec) -> Image.Image:
    """The picture for `spec`, as a SIZE x SIZE RGB image."""
    image = Image.new("RGB", (SIZE, SIZE), spec.background)
    draw = ImageDraw.Draw(image)
    # Speckles come from their own generator, so they do not shift the shape's parameters.
    noise = random.Random(f"{spec.seed}:{spec.index}:noise")  # nosec B311  # seeded demo data, not a secret
    for _ in range(SPECKLES):
        x, y = noise.randrange(SIZE), noise.randrange(SIZE)
        grey = noise.randint(120, 215)
        draw.rectangle((x, y, x + noise.randint(0, 2), y + noise.randint(0, 2)), fill=(grey,) * 3)
    if spec.shape == "circle":
        cx, cy = spec.center
        r = spec.radius
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=spec.fill)
    else:
        draw.polygon(shape_polygon(spec), fill=spec.fill)
    return image
