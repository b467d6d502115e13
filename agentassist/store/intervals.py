"""Confidence intervals for the outcomes of calls: a share (Wilson score), a difference of two shares
(Newcombe's hybrid score) and a mean (Student's t). Pure functions of counts and values.

Why these: a campaign's first days give tens of calls per script version and rates near 0 or 1
(a sale in 3 % of calls), where the textbook normal interval ``p ± z·sqrt(p(1-p)/n)`` leaves [0, 1] and
covers the truth far less often than it says; Wilson's interval keeps 95 % near 95 % down to a few
calls (Brown, Cai and DasGupta 2001), and Newcombe's method 10 builds the difference's from the two
Wilson intervals (Newcombe 1998). Handle times are means of tens of values: Student's t, whose
quantile comes from the regularized incomplete beta function (no SciPy in the dependencies).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist, fmean, stdev

CONFIDENCE = 0.95


@dataclass(frozen=True, slots=True)
class Interval:
    value: float | None  # None: no data (no calls; a mean of one value has no interval either)
    low: float | None
    high: float | None


def z_quantile(confidence: float = CONFIDENCE) -> float:
    """The two-sided normal quantile: 1.959964 for 95 %."""
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def wilson(k: int, n: int, confidence: float = CONFIDENCE) -> Interval:
    """``k`` of ``n`` and Wilson's score interval around ``k / n``; nothing when ``n`` is 0."""
    if not 0 <= k <= n:
        raise ValueError(f"expected 0 <= k <= n, got k={k}, n={n}")
    if n == 0:
        return Interval(None, None, None)
    p, z = k / n, z_quantile(confidence)
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return Interval(p, max(0.0, centre - half), min(1.0, centre + half))


def difference(k1: int, n1: int, k2: int, n2: int, confidence: float = CONFIDENCE) -> Interval:
    """``k1/n1 - k2/n2`` and Newcombe's hybrid score interval (method 10); nothing when a side has no calls."""
    a, b = wilson(k1, n1, confidence), wilson(k2, n2, confidence)
    if a.value is None or b.value is None or a.low is None or a.high is None or b.low is None or b.high is None:
        return Interval(None, None, None)
    d = a.value - b.value
    low = d - math.sqrt((a.value - a.low) ** 2 + (b.high - b.value) ** 2)
    high = d + math.sqrt((a.high - a.value) ** 2 + (b.value - b.low) ** 2)
    return Interval(d, low, high)


def mean(values: list[float], confidence: float = CONFIDENCE) -> Interval:
    """The mean and its t interval ``mean ± t(n-1)·s/sqrt(n)``; no interval below two values."""
    if not values:
        return Interval(None, None, None)
    m = fmean(values)
    if len(values) < 2:
        return Interval(m, None, None)
    half = t_quantile(len(values) - 1, confidence) * stdev(values) / math.sqrt(len(values))
    return Interval(m, m - half, m + half)


def t_quantile(df: int, confidence: float = CONFIDENCE) -> float:
    """The two-sided quantile of Student's t with ``df`` degrees of freedom (12.7062 for df 1 at 95 %,
    1.9842 for df 99), by bisection on its tail ``P(|T| > t) = I_{df/(df+t²)}(df/2, 1/2)``."""
    if df < 1:
        raise ValueError(f"expected df >= 1, got {df}")
    tail = 1 - confidence
    low, high = 0.0, 1e4
    for _ in range(200):  # bisection halves 1e4 down to below 1e-12 in about 55 steps
        mid = (low + high) / 2
        if _beta_regularized(df / (df + mid * mid), df / 2, 0.5) > tail:
            low = mid
        else:
            high = mid
        if high - low < 1e-12:
            break
    return (low + high) / 2


def _beta_regularized(x: float, a: float, b: float) -> float:
    """``I_x(a, b)`` by its continued fraction (Lentz), as Numerical Recipes' ``betai``."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log(1 - x))
    if x < (a + 1) / (a + b + 2):
        return front * _beta_fraction(x, a, b) / a
    return 1 - front * _beta_fraction(1 - x, b, a) / b


def _beta_fraction(x: float, a: float, b: float) -> float:
    tiny = 1e-300
    c, d = 1.0, 1 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        for numerator in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                          -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):  # fmt: skip
            d = 1 + numerator * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + numerator / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1) < 1e-15:
            break
    return h
