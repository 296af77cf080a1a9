"""Pictures with a few shapes at known places, for the demo's bounding-box batch.

Each scene puts one to three shapes (circle, square, triangle) in different cells of a 3 x 2
grid, so they never overlap, and keeps each shape's exact box: the smallest pixel rectangle
holding all its pixels, as a careful worker would draw it. The same index gives the same scene.
"""

import math
import random
from dataclasses import dataclass

from PIL import Image, ImageDraw

from microwork.demo.shapes import ShapeSpec, saturated_colour, shape_polygon

SEED = 2026
WIDTH, HEIGHT = 360, 240
COLUMNS, ROWS = 3, 2
LABELS = ("circle", "square", "triangle")


@dataclass(frozen=True)
class SceneObject:
    spec: ShapeSpec

    @property
    def box(self) -> dict:
        """{"label", "x1", "y1", "x2", "y2"} in pixels, as the bounding-box answers are."""
        if self.spec.shape == "circle":
            cx, cy = self.spec.center
            r = self.spec.radius
            x1, y1, x2, y2 = cx - r, cy - r, cx + r, cy + r
        else:
            points = shape_polygon(self.spec)
            x1 = math.floor(min(x for x, _y in points))
            y1 = math.floor(min(y for _x, y in points))
            x2 = math.ceil(max(x for x, _y in points))
            y2 = math.ceil(max(y for _x, y in points))
        return {"label": self.spec.shape, "x1": x1, "y1": y1, "x2": x2, "y2": y2}


@dataclass(frozen=True)
class Scene:
    index: int
    objects: tuple[SceneObject, ...]
    background: tuple[int, int, int]
    seed: int

    @property
    def filename(self) -> str:
        return f"scene-{self.index:03d}.png"

    @property
    def boxes(self) -> list[dict]:
        return [item.box for item in self.objects]


def scene(index: int, *, seed: int = SEED) -> Scene:
    rng = random.Random(f"{seed}:scene:{index}")  # nosec B311  # seeded demo data, not a secret
    cell_w, cell_h = WIDTH // COLUMNS, HEIGHT // ROWS
    cells = rng.sample(range(COLUMNS * ROWS), rng.randint(1, 3))
    objects = []
    for number, cell in enumerate(sorted(cells)):
        radius = rng.randint(22, min(cell_w, cell_h) // 2 - 6)
        left, top = (cell % COLUMNS) * cell_w, (cell // COLUMNS) * cell_h
        center = (
            rng.randint(left + radius + 3, left + cell_w - radius - 3),
            rng.randint(top + radius + 3, top + cell_h - radius - 3),
        )
        spec = ShapeSpec(
            index=index * 10 + number,
            shape=rng.choice(LABELS),
            center=center,
            radius=radius,
            rotation=rng.uniform(0, 360),
            fill=saturated_colour(rng),
            background=(0, 0, 0),  # unused: the scene has one background
            seed=seed,
        )
        objects.append(SceneObject(spec=spec))
    background = (rng.randint(228, 248), rng.randint(228, 248), rng.randint(228, 248))
    return Scene(index=index, objects=tuple(objects), background=background, seed=seed)


def scenes(count: int, *, seed: int = SEED) -> list[Scene]:
    """`count` scenes, numbered from 1."""
    return [scene(index, seed=seed) for index in range(1, count + 1)]


def draw_scene(item: Scene) -> Image.Image:
    """The scene as a WIDTH x HEIGHT RGB picture."""
    image = Image.new("RGB", (WIDTH, HEIGHT), item.background)
    draw = ImageDraw.Draw(image)
    noise = random.Random(f"{item.seed}:scene:{item.index}:noise")  # nosec B311  # seeded demo data, not a secret
    for _ in range(300):
        x, y = noise.randrange(WIDTH), noise.randrange(HEIGHT)
        grey = noise.randint(150, 215)
        draw.point((x, y), fill=(grey,) * 3)
    for obj in item.objects:
        spec = obj.spec
        if spec.shape == "circle":
            cx, cy = spec.center
            r = spec.radius
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=spec.fill)
        else:
            draw.polygon(shape_polygon(spec), fill=spec.fill)
    return image
