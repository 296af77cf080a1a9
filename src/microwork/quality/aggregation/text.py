"""Text answer aggregation (transcriptions, translations): a normalised exact-match vote, and
when no spelling wins outright, the medoid: the answer closest to all the others in edit
distance.

Levenshtein distance is computed here with Hyyrö's bit-parallel form of Myers' algorithm on
Python integers: one pass over the longer string with a handful of integer operations per
character, fast enough for sentence-length answers without a compiled dependency.
"""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

_PUNCTUATION = {ord(c): " " for c in string.punctuation}


def normalise_text(text: str) -> str:
    """Case-fold, NFKC-normalise, turn ASCII and Unicode punctuation into spaces, collapse
    whitespace: "Hello,  World!" and "hello world" are the same answer."""
    text = unicodedata.normalize("NFKC", str(text)).casefold().translate(_PUNCTUATION)
    text = "".join(" " if unicodedata.category(c).startswith("P") else c for c in text)
    return " ".join(text.split())


def levenshtein(a: str, b: str) -> int:
    """Edit distance (insertions, deletions, substitutions, each 1) between `a` and `b`."""
    if len(a) < len(b):
        a, b = b, a
    m = len(b)
    if m == 0:
        return len(a)
    # Bit i of peq[c] is set where b[i] == c.
    peq: dict[str, int] = {}
    for i, c in enumerate(b):
        peq[c] = peq.get(c, 0) | (1 << i)
    full = (1 << m) - 1
    high = 1 << (m - 1)
    pv, mv, score = full, 0, m
    for c in a:
        eq = peq.get(c, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = mv | ~(xh | pv)
        mh = pv & xh
        if ph & high:
            score += 1
        elif mh & high:
            score -= 1
        ph = (ph << 1) | 1  # row 0 of the DP is 0, 1, 2, ...: a global, not a search, distance
        mh <<= 1
        pv = (mh | ~(xv | ph)) & full
        mv = ph & xv & full
    return score


def normalised_distance(a: str, b: str) -> float:
    """Edit distance of the normalised texts over the longer one's length: 0 same, 1 unrelated."""
    a, b = normalise_text(a), normalise_text(b)
    longest = max(len(a), len(b))
    return levenshtein(a, b) / longest if longest else 0.0


@dataclass(frozen=True)
class TextResult:
    """Per task: the chosen answer (as one worker wrote it), a confidence and the number of
    answers. Confidence is the mean similarity (1 - normalised distance) of the task's answers
    to the chosen one, itself included: 1.0 when all agree after normalisation."""

    labels: dict
    confidence: dict
    n_answers: dict
    how: dict  # task -> "vote" or "medoid"


def _choose(texts: list[str]) -> tuple[str, float, str]:
    normal = [normalise_text(t) for t in texts]
    groups: dict[str, list[int]] = {}
    for i, key in enumerate(normal):
        groups.setdefault(key, []).append(i)
    ranked = sorted(groups.values(), key=lambda members: (-len(members), members[0]))
    top = ranked[0]
    if len(top) >= 2 and (len(ranked) == 1 or len(top) > len(ranked[1])):
        chosen, how = top[0], "vote"
    else:
        # Medoid over distinct normalised forms, each weighted by how many gave it; ties go to
        # the form given first.
        keys = list(groups)
        weights = [len(groups[k]) for k in keys]
        totals = [
            sum(w * levenshtein(k, other) for other, w in zip(keys, weights, strict=True))
            for k in keys
        ]
        best = min(range(len(keys)), key=lambda i: (totals[i], groups[keys[i]][0]))
        chosen, how = groups[keys[best]][0], "medoid"
    target = normal[chosen]
    similarity = []
    for key in normal:
        longest = max(len(key), len(target))
        similarity.append(1.0 - levenshtein(key, target) / longest if longest else 1.0)
    return texts[chosen], sum(similarity) / len(similarity), how


def aggregate_text(answers: Iterable[tuple[Hashable, Hashable, str]]) -> TextResult:
    """Choose one answer per task: a normalised spelling given by at least two workers and by
    strictly more than any other wins (its first writer's original spelling is returned);
    otherwise the answer with the least total edit distance to the others."""
    by_task: dict = {}
    for _worker, task, text in answers:
        by_task.setdefault(task, []).append("" if text is None else str(text))
    labels, confidence, n_answers, how = {}, {}, {}, {}
    for task, texts in by_task.items():
        labels[task], confidence[task], how[task] = _choose(texts)
        n_answers[task] = len(texts)
    return TextResult(labels, confidence, n_answers, how)
