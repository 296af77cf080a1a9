"""Short lines of text drawn as pictures, for the demo's transcription batch.

Each snippet is a line of the kind people transcribe (a parcel label, a receipt total, a
departure board) in Pillow's default font on a slightly speckled paper colour. The text is made
from small word lists with a seeded generator, so each index always gives the same line.
"""

import random
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

SEED = 2026
WIDTH, HEIGHT = 480, 72
FONT_SIZE = 30
# The transcription project allows these characters only; every snippet stays within them.
ALLOWED = "A-Za-z0-9 .,:-"

_CITIES = ("Lyon", "Lille", "Nantes", "Rennes", "Dijon", "Nice", "Metz", "Tours")
_ITEMS = ("Bread", "Coffee", "Apples", "Cheese", "Tea", "Rice", "Soap", "Milk")


@dataclass(frozen=True)
class Snippet:
    index: int
    text: str
    seed: int

    @property
    def filename(self) -> str:
        return f"snippet-{self.index:03d}.png"


def _line(rng: random.Random) -> str:
    form = rng.randrange(4)
    if form == 0:
        return f"Parcel {rng.randint(1000, 9999)}-{rng.choice('ABCDEFGH')} to {rng.choice(_CITIES)}"
    if form == 1:
        return f"{rng.choice(_ITEMS)} x{rng.randint(2, 9)}: {rng.randint(1, 40)}.{rng.randint(0, 99):02d}"
    if form == 2:
        return (
            f"Train {rng.randint(100, 999)} to {rng.choice(_CITIES)}, platform {rng.randint(1, 24)}"
        )
    return f"Gate {rng.choice('ABCD')}{rng.randint(1, 40)} closes {rng.randint(6, 22)}:{rng.choice(('05', '15', '30', '45', '50'))}"


def snippets(count: int, *, seed: int = SEED) -> list[Snippet]:
    """`count` different lines, numbered from 1."""
    rng = random.Random(f"{seed}:snippets")  # nosec B311  # seeded demo data, not a secret
    seen: set[str] = set()
    rows = []
    while len(rows) < count:
        text = _line(rng)
        if text not in seen:
            seen.add(text)
            rows.append(Snippet(index=len(rows) + 1, text=text, seed=seed))
    return rows


def draw_snippet(snippet: Snippet) -> Image.Image:
    """The snippet as a WIDTH x HEIGHT RGB picture, dark text on light paper."""
    noise = random.Random(f"{snippet.seed}:{snippet.index}:noise")  # nosec B311  # seeded demo data, not a secret
    paper = (noise.randint(238, 250), noise.randint(234, 246), noise.randint(220, 235))
    image = Image.new("RGB", (WIDTH, HEIGHT), paper)
    draw = ImageDraw.Draw(image)
    for _ in range(250):
        x, y = noise.randrange(WIDTH), noise.randrange(HEIGHT)
        grey = noise.randint(185, 225)
        draw.point((x, y), fill=(grey,) * 3)
    # Pillow's own font: scalable where FreeType is built in, a small bitmap font otherwise.
    font = ImageFont.load_default(size=FONT_SIZE)
    left, top, right, bottom = draw.textbbox((0, 0), snippet.text, font=font)
    x = max(8, (WIDTH - (right - left)) // 2 - left)
    y = max(4, (HEIGHT - (bottom - top)) // 2 - top)
    ink = noise.randint(20, 60)
    draw.text((x, y), snippet.text, font=font, fill=(ink, ink, ink + 20))
    return image
