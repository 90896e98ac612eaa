#!/usr/bin/env python3
"""Regularized evolution over NAS-Bench-201, scored by a tenas-server.

A training-free search controller: the service supplies the two TE-NAS
measures of each architecture, κ (NTK condition number, lower is better) and
R (linear regions, higher is better); this script does aging evolution
(Real et al., 2019) over the NB201 cell, batching each cycle's children into
one ScoreArchitectures call (TenasClient.score_many), so a cycle fans out over
the server's workers (or over many replicas behind a round_robin channel).

  population   --population P architectures, the first drawn at random
  cycle        --batch B tournaments: each samples --sample-size S members
               and picks the fittest as parent; a child = the parent with
               one edge's op changed to a different op; the B children are
               scored in one call, appended, and the B oldest members die
  result       the fittest architecture ever scored

Fitness (--fitness):
  log   (default) fitness = log(R) - log(κ): each measure enters with equal
        weight on a log scale, so it is free of their units and monotone in
        both (lower κ, higher R is better). Fixed per architecture.
  rank  TE-NAS's own rank-sum rule applied to everything scored so far:
        fitness = -(rank of κ ascending + rank of R descending), ranks from 1
        (best). It is relative, so it is recomputed as the history grows.

With --accuracy-table (NAS-Bench-201 CSV with columns arch, cifar10_test, ...,
e.g. the repository's data/nb201_accuracy.csv) it also prints the best
architecture's benchmark test accuracy; the search itself never reads it.

Example:
  python3 examples/evolution.py --server 127.0.0.1:50051 --cycles 20 \
      --population 16 --sample-size 4 --batch 4 --repeats 1 --batch-size 16 \
      --accuracy-table data/nb201_accuracy.csv
"""

import argparse
import collections
import csv
import json
import math
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import grpc  # noqa: E402
from tenas_client import TenasClient, TenasError  # noqa: E402

OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
# The 6 edges of the NB201 cell as (node, input): node 1 <- 0; node 2 <- 0, 1;
# node 3 <- 0, 1, 2.
EDGES = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))


def arch_string(ops):
    """NB201 string |op~0|+|op~0|op~1|+|op~0|op~1|op~2| of 6 edge ops."""
    nodes = []
    for node in (1, 2, 3):
        parts = ["%s~%d" % (ops[i], inp)
                 for i, (n, inp) in enumerate(EDGES) if n == node]
        nodes.append("|" + "|".join(parts) + "|")
    return "+".join(nodes)


def random_arch(rng):
    return tuple(rng.choice(OPS) for _ in EDGES)


def mutate(ops, rng):
    """Changes the op of one random edge to a different op."""
    i = rng.randrange(len(ops))
    new = list(ops)
    new[i] = rng.choice([o for o in OPS if o != ops[i]])
    return tuple(new)


def log_fitness(result):
    kappa = max(float(result.ntk_condition_number), 1e-12)
    regions = max(float(result.linear_regions), 1e-12)
    return math.log(regions) - math.log(kappa)


def average_ranks(values):
    """1-based ranks of values (ascending), ties share their mean rank."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return ranks


class Fitness:
    """Fitness of scored architectures (see the module docstring)."""

    def __init__(self, mode):
        self.mode = mode
        self.scores = {}   # ops -> ScoreResult (None: failed to score)
        self._rank_cache = None

    def add(self, ops, result):
        self.scores[ops] = result
        self._rank_cache = None

    def __call__(self, ops):
        result = self.scores.get(ops)
        if result is None:
            return -math.inf
        if self.mode == "log":
            return log_fitness(result)
        if self._rank_cache is None:
            keys = [k for k, v in self.scores.items() if v is not None]
            kappa_rank = average_ranks(
                [self.scores[k].ntk_condition_number for k in keys])
            region_rank = average_ranks(
                [-self.scores[k].linear_regions for k in keys])
            self._rank_cache = {k: -(a + b) for k, a, b in
                                zip(keys, kappa_rank, region_rank)}
        return self._rank_cache[ops]


def score_batch(client, batch, fitness, args, log):
    """Scores the not-yet-scored architectures of batch in one call."""
    todo = sorted({ops for ops in batch if ops not in fitness.scores})
    if not todo:
        return 0
    strings = [arch_string(ops) for ops in todo]
    for index, item in client.score_many(
            strings, dataset=args.dataset, seed=args.seed,
            repeats=args.repeats, batch_size=args.batch_size):
        if isinstance(item, TenasError):
            log("  could not score %s: %s" % (strings[index], item))
            fitness.add(todo[index], None)
        else:
            fitness.add(todo[index], item)
    return len(todo)


def load_accuracy(path):
    with open(path, newline="") as f:
        return {row["arch"]: row for row in csv.DictReader(f)}


def run(args, out=sys.stdout):
    rng = random.Random(args.seed)
    log = (lambda msg: None) if args.quiet else \
        (lambda msg: print(msg, file=sys.stderr))
    fitness = Fitness(args.fitness)
    with TenasClient(args.server, timeout=args.timeout) as client:
        if args.wait:
            client.wait_until_ready(timeout=args.wait)
        population = collections.deque(
            random_arch(rng) for _ in range(args.population))
        scored = score_batch(client, population, fitness, args, log)
        log("initial population: %d architectures (%d scored)" %
            (len(population), scored))
        for cycle in range(args.cycles):
            children = []
            for _ in range(args.batch):
                members = rng.sample(list(population),
                                     min(args.sample_size, len(population)))
                parent = max(members, key=fitness)
                children.append(mutate(parent, rng))
            scored = score_batch(client, children, fitness, args, log)
            for child in children:
                population.append(child)
                population.popleft()
            best = max(fitness.scores, key=fitness)
            log("cycle %d/%d: %d children (%d new), best %s fitness %.4g" %
                (cycle + 1, args.cycles, len(children), scored,
                 arch_string(best), fitness(best)))
    best = max(fitness.scores, key=fitness)
    result = fitness.scores[best]
    if result is None:
        raise TenasError(grpc.StatusCode.UNKNOWN,
                         "no architecture could be scored")
    summary = {
        "arch": arch_string(best),
        "fitness": fitness(best),
        "fitness_mode": args.fitness,
        "ntk_condition_number": result.ntk_condition_number,
        "linear_regions": result.linear_regions,
        "evaluated": len(fitness.scores),
        "cycles": args.cycles,
    }
    if args.accuracy_table:
        row = load_accuracy(args.accuracy_table).get(summary["arch"])
        if row is not None:
            summary["benchmark"] = {k: float(v) for k, v in row.items()
                                    if k.endswith("_test")}
    if args.json:
        print(json.dumps(summary), file=out)
    else:
        print("architecture: %s" % summary["arch"], file=out)
        print("kappa: %.6g  regions: %.6g  fitness (%s): %.6g  evaluated: %d"
              % (summary["ntk_condition_number"], summary["linear_regions"],
                 args.fitness, summary["fitness"], summary["evaluated"]),
              file=out)
        if "benchmark" in summary:
            print("NB201 test accuracy: " + ", ".join(
                "%s %.2f" % (k, v) for k, v in summary["benchmark"].items()),
                file=out)
        elif args.accuracy_table:
            print("NB201 test accuracy: architecture not in the table",
                  file=out)
    return summary


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--server", default="localhost:50051",
                   help="gRPC target (host:port, dns:///..., ipv4:a:p,b:p)")
    p.add_argument("--dataset", default="cifar10")
    p.add_argument("--population", type=int, default=16)
    p.add_argument("--sample-size", type=int, default=4)
    p.add_argument("--cycles", type=int, default=20)
    p.add_argument("--batch", type=int, default=4,
                   help="children per cycle, scored in one call")
    p.add_argument("--fitness", choices=("log", "rank"), default="log")
    p.add_argument("--seed", type=int, default=0,
                   help="seeds the evolution and the service's measures")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=0,
                   help="NTK batch (0: the server's default, 72)")
    p.add_argument("--timeout", type=float, default=None,
                   help="deadline of each scoring call, seconds")
    p.add_argument("--wait", type=float, default=0,
                   help="first wait up to this many seconds for readiness")
    p.add_argument("--accuracy-table", default=None)
    p.add_argument("--json", action="store_true",
                   help="print the result as one JSON object")
    p.add_argument("--quiet", action="store_true")
    args = p.parse_args(argv)
    for name in ("population", "sample_size", "batch"):
        if getattr(args, name) < 1:
            p.error("--%s must be at least 1" % name.replace("_", "-"))
    if args.cycles < 0:
        p.error("--cycles must be at least 0")
    return args


if __name__ == "__main__":
    try:
        run(parse_args())
    except TenasError as e:
        print("evolution: %s" % e, file=sys.stderr)
        sys.exit(2 if e.code.name == "INVALID_ARGUMENT" else 1)
