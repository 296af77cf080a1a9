"""Made-up texts for the demo batches: product reviews, shop listings, slogans and places.

Everything comes from small word lists and a seeded random generator, so the demo needs no
network and the same call always gives the same rows, each with the answer a careful worker
would give (kept in a `true_*` column, as the requester's own check would be).
"""

import random
from dataclasses import dataclass

SEED = 2026
SENTIMENTS = ("positive", "negative")

PRODUCTS = (
    "kettle",
    "desk lamp",
    "backpack",
    "phone case",
    "coffee grinder",
    "rain jacket",
    "bike light",
    "water bottle",
    "headphones",
    "frying pan",
)
_PRAISE = (
    "Works exactly as described and feels solid.",
    "Arrived a day early and was easy to set up.",
    "Great value for the price, I would buy it again.",
    "My second one, and still very happy with it.",
    "Quiet, well made and simple to clean.",
    "Looks even better than in the photos.",
)
_PRAISE_END = (
    "Recommended.",
    "Five stars from me.",
    "Does the job perfectly.",
    "A small pleasure every day.",
)
_COMPLAINT = (
    "Stopped working after two weeks.",
    "The box was damaged and a part was missing.",
    "Much smaller than the pictures suggest.",
    "Feels cheap and the finish is already peeling.",
    "Loud, slow and hard to clean.",
    "The instructions were useless and support never answered.",
)
_COMPLAINT_END = (
    "I sent it back.",
    "Not worth the money.",
    "Avoid.",
    "Very disappointed.",
)


@dataclass(frozen=True)
class Review:
    product: str
    text: str
    sentiment: str  # one of SENTIMENTS


def reviews(count: int, *, seed: int = SEED) -> list[Review]:
    """`count` short reviews, half positive and half negative (give or take one), shuffled."""
    rng = random.Random(f"{seed}:reviews")  # nosec B311  # seeded demo data, not a secret
    sentiments = [SENTIMENTS[i % 2] for i in range(count)]
    rng.shuffle(sentiments)
    rows = []
    for sentiment in sentiments:
        product = rng.choice(PRODUCTS)
        body, end = (
            (_PRAISE, _PRAISE_END) if sentiment == "positive" else (_COMPLAINT, _COMPLAINT_END)
        )
        first, second = rng.sample(body, 2)
        text = f"This {product}: {first[0].lower()}{first[1:]} {second} {rng.choice(end)}"
        rows.append(Review(product=product, text=text, sentiment=sentiment))
    return rows


_SHOP_KINDS = ("Boulangerie", "Librairie", "Fromagerie", "Pharmacie", "Fleuriste", "Épicerie")
_SURNAMES = ("Martin", "Bernard", "Dubois", "Moreau", "Laurent", "Garnier", "Roux", "Fontaine")
_STREETS = (
    "rue des Lilas",
    "avenue Parmentier",
    "rue Oberkampf",
    "boulevard Voltaire",
    "rue de la Roquette",
    "rue du Faubourg Saint-Denis",
)


@dataclass(frozen=True)
class ShopListing:
    listing: str  # the messy source line the worker reads
    name: str
    postcode: str
    phone: str  # "01 23 45 67 89"
    email: str
    founded: int


def shop_listings(count: int, *, seed: int = SEED) -> list[ShopListing]:
    """`count` shop listings written as one careless line each, and their clean fields."""
    rng = random.Random(f"{seed}:shops")  # nosec B311  # seeded demo data, not a secret
    rows = []
    for _ in range(count):
        kind, surname = rng.choice(_SHOP_KINDS), rng.choice(_SURNAMES)
        name = f"{kind} {surname}"
        postcode = f"750{rng.randint(1, 20):02d}"
        digits = [f"0{rng.choice((1, 9))}", *(f"{rng.randint(0, 99):02d}" for _ in range(4))]
        phone = " ".join(digits)
        # .example is reserved (RFC 2606): no mail can ever reach a real shop.
        ascii_kind = kind.replace("É", "E").lower()
        email = f"contact@{surname.lower()}-{ascii_kind}.example"
        founded = rng.randint(1890, 2022)
        address = f"{rng.randint(1, 120)} {rng.choice(_STREETS)}"
        parts = [
            name.upper(),
            f"{address}, {postcode} PARIS",
            f"tel. {''.join(digits) if rng.random() < 0.5 else '.'.join(digits)}",
            email.upper() if rng.random() < 0.5 else email,
            f"since {founded}",
        ]
        head, tail = parts[:2], parts[2:]
        rng.shuffle(tail)  # the order of the details varies, as in real listings
        rows.append(
            ShopListing(
                listing=" - ".join(head + tail),
                name=name,
                postcode=postcode,
                phone=phone,
                email=email,
                founded=founded,
            )
        )
    return rows


_SLOGAN_PRODUCTS = (
    "an oat drink",
    "a bike-sharing app",
    "a reusable coffee cup",
    "a language course",
    "a night train",
    "a solar phone charger",
)
_SLOGAN_CLAIMS = (
    "Good mornings start here.",
    "Less waste, more taste.",
    "Go further, lighter.",
    "Made to last. Made to share.",
    "Your city, your pace.",
    "Small change, big difference.",
    "Sleep now, arrive tomorrow.",
    "Power from the sky.",
)


def slogans(count: int, *, seed: int = SEED) -> list[str]:
    """`count` different slogans, each naming the product it is for."""
    rng = random.Random(f"{seed}:slogans")  # nosec B311  # seeded demo data, not a secret
    pairs = [(product, claim) for product in _SLOGAN_PRODUCTS for claim in _SLOGAN_CLAIMS]
    return [f"For {product}: “{claim}”" for product, claim in rng.sample(pairs, count)]


# The demo's field tasks are around Paris's Hôtel de Ville, all within a short walk of it.
PARIS = (48.856_614, 2.352_222)
_PLACE_KINDS = (
    "the nearest street-name sign",
    "the nearest bus stop",
    "the nearest post box",
    "the nearest public bench",
    "the nearest bicycle rack",
)


@dataclass(frozen=True)
class Place:
    place: str
    latitude: float
    longitude: float


def places(count: int, *, seed: int = SEED, spread_m: int = 1500) -> list[Place]:
    """`count` points at most `spread_m` metres (north-south and east-west) from PARIS."""
    rng = random.Random(f"{seed}:places")  # nosec B311  # seeded demo data, not a secret
    # Metres per degree at this latitude: 111.2 km north-south, 73.3 km east-west.
    per_lat, per_lon = 111_195, 73_250
    rows = []
    for number in range(1, count + 1):
        north, east = rng.uniform(-spread_m, spread_m), rng.uniform(-spread_m, spread_m)
        rows.append(
            Place(
                place=f"Demo point {number}: {rng.choice(_PLACE_KINDS)}",
                latitude=round(PARIS[0] + north / per_lat, 6),
                longitude=round(PARIS[1] + east / per_lon, 6),
            )
        )
    return rows
