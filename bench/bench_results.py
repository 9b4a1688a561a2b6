"""Reads a Google Benchmark JSON file into {name: items per second}: the medians when it was run
with --benchmark_repetitions, so that one noisy interval (another process on the machine) cannot
decide a ratio; otherwise the single runs."""
import json


def load_rates(path):
    with open(path) as f:
        doc = json.load(f)
    rate = {}
    medians = {}
    for b in doc["benchmarks"]:
        if "items_per_second" not in b:
            continue
        name = b.get("run_name", b["name"])
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") == "median":
            medians[name] = b["items_per_second"]
        elif b.get("run_type", "iteration") == "iteration":
            rate.setdefault(name, b["items_per_second"])
    rate.update(medians)
    return rate


def k(x):
    """A rate for people: 12.3k/s, 1.05M/s."""
    return f"{x / 1e6:.2f}M/s" if x >= 1e6 else f"{x / 1e3:.1f}k/s"
