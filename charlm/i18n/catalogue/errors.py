"""The library's checks of what a user asked for: numbers, probabilities, limits, devices."""

TEXTS = {
    "errors.whole": ("{name} must be a whole number ≥ {minimum}, not {value!r}",
                     "{name} 必须是 ≥ {minimum} 的整数，而不是 {value!r}"),
    "errors.probability": ("{name} must be a probability in [0, 1), not {value!r}",
                           "{name} 必须是 [0, 1) 之间的概率，而不是 {value!r}"),
}
