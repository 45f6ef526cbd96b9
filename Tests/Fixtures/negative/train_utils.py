"""Utilities for a training loop (text only, no weights)."""
import json
import math


def cosine_lr(step: int, total: int, base: float = 3e-4, warmup: int = 100) -> float:
    if step < warmup:
        return base * step / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return 0.5 * base * (1 + math.cos(math.pi * progress))


def save_metrics(path: str, metrics: dict) -> None:
    with open(path, "w") as f:
        json.dump(metrics, f, indent=2)


if __name__ == "__main__":
    for s in range(0, 1000, 100):
        print(s, cosine_lr(s, 1000))
"""Utilities for a training loop (text only, no weights)."""
import json
import math


def cosine_lr(step: int, total: int, base: float = 3e-4, warmup: int = 100) -> float:
    if step < warmup:
        return base * step / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return 0.5 * base * (1 + math.cos(math.pi * progress))


def save_metrics(path: str, metrics: dict) -> None:
    with open(path, "w") as f:
        json.dump(metrics, f, indent=2)


if __name__ == "__main__":
    for s in range(0, 1000, 100):
        print(s, cosine_lr(s, 1000))
"""Utilities for a training loop (text only, no weights)."""
import json
import math


def cosine_lr(step: int, total: int, base: float = 3e-4, warmup: int = 100) -> float:
    if step < warmup:
        return base * step / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return 0.5 * base * (1 + math.cos(math.pi * progress))


def save_metrics(path: str, metrics: dict) -> None:
    with open(path, "w") as f:
        json.dump(metrics, f, indent=2)


if __name__ == "__main__":
    for s in range(0, 1000, 100):
        print(s, cosine_lr(s, 1000))
"""Utilities for a training loop (text only, no weights)."""
import json
import math


def cosine_lr(step: int, total: int, base: float = 3e-4, warmup: int = 100) -> float:
    if step < warmup:
        return base * step / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return 0.5 * base * (1 + math.cos(math.pi * progress))


def save_metrics(path: str, metrics: dict) -> None:
    with open(path, "w") as f:
        json.dump(metrics, f, indent=2)


if __name__ == "__main__":
    for s in range(0, 1000, 100):
        print(s, cosine_lr(s, 1000))
"""Utilities for a training loop (text only, no weights)."""
import json
import math


def cosine_lr(step: int, total: int, base: float = 3e-4, warmup: int = 100) -> float:
    if step < warmup:
        return base * step / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return 0.5 * base * (1 + math.cos(math.pi * progress))


def save_metrics(path: str, metrics: dict) -> None:
    with open(path, "w") as f:
        json.dump(metrics, f, indent=2)


if __name__ == "__main__":
    for s in range(0, 1000, 100):
        print(s, cosine_lr(s, 1000))
"""Utilities for a training loop (text only, no weights)."""
import json
import math


def cosine_lr(step: int, total: int, base: float = 3e-4, warmup: int = 100) -> float:
    if step < warmup:
        return base * step / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return 0.5 * base * (1 + math.cos(math.pi * progress))


def save_metrics(path: str, metrics: dict) -> None:
    with open(path, "w") as f:
        json.dump(metrics, f, indent=2)


if __name__ == "__main__":
    for s in range(0, 1000, 100):
        print(s, cosine_lr(s, 1000))
