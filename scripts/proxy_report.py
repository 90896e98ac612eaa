#!/usr/bin/env python3
"""The zero-cost proxy section of docs/VALIDATION.md (scripts/validation_report.py
calls proxy_study), and the best measure combination.

usage: proxy_report.py docs/validation          (prints the section)

Inputs:
  docs/validation/proxies_nb201_cifar10.csv   `tenas-bench validate
      --measures all --csv` over the 724 CIFAR-10 architectures of NASLib's
      stored proxy table (scripts/validate.sh proxies);
  docs/validation/proxies_nb201_cifar10[_perarch|_naslib]_seed<S>.csv   more
      draws of some proxies over the same architectures, shared, per
      architecture or in NASLib's protocol (scripts/validate.sh proxyseeds),
      and proxies_nb201_cifar10_{perarch,naslib}_others_seed0.csv (the other
      stored proxies, one draw each);
  tests/data/nb201_zc_proxies_naslib_subset.csv   NASLib's stored values;
  docs/validation/search_nb201_cifar10_combo_seed*.json   searches pruned
      with the best combination (scripts/validate.sh combos).
Writes docs/validation/best_combination.txt (the combination's measure
names, comma-separated), which scripts/validate.sh combos reads.

Pure Python (no numpy): Kendall tau-b and Spearman rho as scipy computes
them, with average ranks for ties.
"""
import csv
import glob
import itertools
import json
import math
import os
import random
import sys

NASLIB_PROXIES = ["params", "flops", "synflow", "snip", "grasp", "fisher",
                  "grad_norm", "l2_norm", "plain", "jacov", "nwot", "epe_nas"]
ACCURACY = [("cifar10_test", "CIFAR-10"), ("cifar100_test", "CIFAR-100"),
            ("imagenet16_test", "ImageNet16-120")]
# Kendall tau of NASLib's stored values on the 724 CIFAR-10 architectures, as
# the issue quotes them (recomputed below from the stored table).
SPLIT_SEED = 0
TARGET_TAU = 0.74


def average_ranks(values):
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def median(values):
    v = sorted(values)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def kendall_tau_b(x, y):
    n = len(x)
    concordant = discordant = ties_x = ties_y = 0
    for i in range(n):
        xi, yi = x[i], y[i]
        for j in range(i + 1, n):
            dx = xi - x[j]
            dy = yi - y[j]
            if dx == 0 and dy == 0:
                continue
            if dx == 0:
                ties_x += 1
            elif dy == 0:
                ties_y += 1
            elif (dx > 0) == (dy > 0):
                concordant += 1
            else:
                discordant += 1
    denom = math.sqrt((concordant + discordant + ties_x) *
                      (concordant + discordant + ties_y))
    return (concordant - discordant) / denom if denom else float("nan")


def spearman(x, y):
    rx, ry = average_ranks(x), average_ranks(y)
    n = len(rx)
    mx, my = sum(rx) / n, sum(ry) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    sxx = sum((a - mx) ** 2 for a in rx)
    syy = sum((b - my) ** 2 for b in ry)
    return sxy / math.sqrt(sxx * syy) if sxx and syy else float("nan")


def oriented(name, values):
    """Every measure as 'higher is better': κ negated."""
    return [-v for v in values] if name == "ntk" else list(values)


def load(folder):
    root = os.path.dirname(os.path.dirname(os.path.abspath(folder)))
    path = os.path.join(folder, "proxies_nb201_cifar10.csv")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        rows = list(csv.DictReader(f))
    naslib = {}
    with open(os.path.join(root, "tests", "data",
                           "nb201_zc_proxies_naslib_subset.csv")) as f:
        for r in csv.DictReader(f):
            if r["dataset"] == "cifar10":
                naslib[int(r["index"])] = r
    measures = [c for c in rows[0].keys()
                if c not in ("index", "arch", "seconds") and
                c not in dict(ACCURACY)]
    return rows, naslib, measures


def seed_study(folder, rows, naslib, w):
    """6.1b: how much one draw (network seed and batch) moves τ."""
    runs = {}
    for seed in (1, 2):
        path = os.path.join(folder,
                            "proxies_nb201_cifar10_seed%d_first300.csv" % seed)
        if os.path.exists(path):
            with open(path) as f:
                runs[seed] = {int(r["index"]): r for r in csv.DictReader(f)}
    if not runs:
        return
    by_index = {int(r["index"]): r for r in rows}
    idx = sorted(set.intersection(*(set(v) for v in runs.values())))
    names = [m for m in next(iter(runs.values()))[idx[0]].keys()
             if m in by_index[idx[0]] and m not in
             ("index", "arch", "seconds") and m not in dict(ACCURACY)]
    acc = [float(by_index[i]["cifar10_test"]) for i in idx]
    w("### 6.1b One draw moves some proxies' τ by more than 0.05\n")
    w("Each value above comes from one network initialisation and one batch "
      "(seed 0), as each of NASLib's stored values does. The same %d "
      "architectures (the first of the table), scored again with seeds 1 and "
      "2 (`tenas-bench validate --arch-indices ... --measures %s --seed S "
      "--repeats 1`; CSVs `proxies_nb201_cifar10_seed{1,2}_first300.csv`):\n"
      % (len(idx), ",".join(names)))
    w("| measure | τ seed 0 | τ seed 1 | τ seed 2 | NASLib τ | ρ(seed 0, seed 1) "
      "| ρ(seed 0, NASLib) |")
    w("|---|---|---|---|---|---|---|")
    for m in names:
        v0 = [float(by_index[i][m]) for i in idx]
        taus = [kendall_tau_b(v0, acc)] + [
            kendall_tau_b([float(runs[s][i][m]) for i in idx], acc)
            for s in sorted(runs)]
        stored = ([float(naslib[i][m]) for i in idx]
                  if m in NASLIB_PROXIES else None)
        w("| %s | %s | %s | %s | %s |" % (
            m, " | ".join("%+.3f" % t for t in taus),
            "%+.3f" % kendall_tau_b(stored, acc) if stored else "–",
            "%+.3f" % spearman(v0, [float(runs[1][i][m]) for i in idx])
            if 1 in runs else "–",
            "%+.3f" % spearman(v0, stored) if stored else "–"))
    w("\nnwot and jacov barely move from draw to draw; epe_nas moves by about "
      "0.06 and plain by about 0.3 (tenas's plain agrees with itself across "
      "seeds no better than with NASLib: ρ about 0.2-0.3, as batch "
      "normalisation makes every convolution's θ·∂L/∂θ vanish and leaves only "
      "the classifier and the two residual 1x1 convolutions). NASLib's single "
      "draws lie inside tenas's range for both; with seed 1, both would be "
      "within 0.05. The seed-0 run is the one reported above, chosen before "
      "any result was seen.\n")


def read_draws(folder, prefix):
    """{seed: {index: row}} of the CSVs <prefix><seed>.csv in `folder`."""
    runs = {}
    for path in glob.glob(os.path.join(folder, prefix + "*.csv")):
        tail = os.path.basename(path)[len(prefix):-4]
        if tail.isdigit():  # not the *_first300 files of 6.1b
            with open(path) as f:
                runs[int(tail)] = {int(r["index"]): r for r in csv.DictReader(f)}
    return runs


def draw_table(runs, naslib, w):
    """One row per stored proxy present in every draw; returns {proxy: met}."""
    seeds = sorted(runs)
    idx = sorted(set.intersection(*(set(v) for v in runs.values())))
    names = [m for m in NASLIB_PROXIES if all(
        m in runs[s][idx[0]] for s in seeds)]
    acc = [float(runs[seeds[0]][i]["cifar10_test"]) for i in idx]
    w("| measure | %s | mean τ | sd | NASLib τ | mean within 0.05 | draws "
      "within 0.05 | mean ρ(tenas, NASLib) | mean ρ(seed a, seed b) |" %
      " | ".join("τ seed %d" % s for s in seeds))
    w("|---|%s---|---|---|---|---|---|---|" % ("---|" * len(seeds)))
    verdict = {}
    for m in names:
        cols = {s: [float(runs[s][i][m]) for i in idx] for s in seeds}
        taus = [kendall_tau_b(cols[s], acc) for s in seeds]
        mean = sum(taus) / len(taus)
        sd = math.sqrt(sum((t - mean) ** 2 for t in taus) / (len(taus) - 1))
        stored = [float(naslib[i][m]) for i in idx]
        ntau = kendall_tau_b(stored, acc)
        close = sum(abs(t - ntau) <= 0.05 for t in taus)
        with_naslib = sum(spearman(cols[s], stored) for s in seeds) / len(seeds)
        pairs = list(itertools.combinations(seeds, 2))
        between = sum(spearman(cols[a], cols[b]) for a, b in pairs) / len(pairs)
        ok = abs(mean - ntau) <= 0.05
        verdict[m] = ok
        w("| %s | %s | %+.3f | %.3f | %+.3f | %s | %d of %d | %+.3f | %+.3f |"
          % (m, " | ".join("%+.3f" % t for t in taus), mean, sd, ntau,
             "yes" if ok else "**no**", close, len(taus), with_naslib,
             between))
    return verdict, len(idx), names


def seed_draws(folder, rows, naslib, w):
    """6.1c: several draws over all architectures, two protocols."""
    shared = read_draws(folder, "proxies_nb201_cifar10_seed")
    per_arch = read_draws(folder, "proxies_nb201_cifar10_perarch_seed")
    naslib_draws = read_draws(folder, "proxies_nb201_cifar10_naslib_seed")
    if not shared and not per_arch and not naslib_draws:
        return None
    shared[0] = {int(r["index"]): r for r in rows}
    w("### 6.1c Several draws over all architectures\n")
    w("6.1b shows some proxies' τ moving with the draw, so one draw of "
      "tenas's against NASLib's one draw compares two samples of a noisy "
      "quantity. The proxies that move were scored again over every "
      "architecture (`scripts/validate.sh proxyseeds`: `tenas-bench validate "
      "--arch-indices ... --measures epe_nas,plain,jacov --repeats 1 --seed "
      "S [--draws per-arch|naslib]`), in three protocols:\n")
    w("- **shared** (`--draws shared`, the protocol of 6.1): every "
      "architecture of a draw is scored with the same seed, so with the "
      "same batch of images and the same weight stream; seed 0 is the run of "
      "6.1. CSVs `proxies_nb201_cifar10_seed<S>.csv`.")
    w("- **per architecture** (`--draws per-arch`): each architecture gets a "
      "seed of its own (derived from S and its index), so a fresh batch "
      "(NASLib's benchmark runner, `naslib/runners/zc/benchmarks/runner.py`, "
      "takes a new iterator of one shuffled train loader, so a new random "
      "batch of 32, for every architecture) and fresh weights everywhere. "
      "CSVs `proxies_nb201_cifar10_perarch_seed<S>.csv`.")
    w("- **NASLib's** (`--draws naslib`): a fresh batch and fresh cell "
      "operations per architecture, as per architecture, but the stem, the "
      "two residual blocks (with their 1x1 downsampling convolutions) and "
      "the classifier of seed S, shared by every architecture of the draw. "
      "This is how NASLib's runner draws its weights: it builds one "
      "`NasBench201SearchSpace` and, per architecture, deep-copies it "
      "(`Graph.clone`), sets the architecture and parses it (`parse` keeps "
      "the weights); only `convert_op_indices_to_naslib` creates new "
      "modules, for the chosen operations that hold a batch norm "
      "(`update_batchnorms`: the ReLU-conv-BN ops). So every stored "
      "value shares one stem, one pair of residual blocks and one "
      "classifier. CSVs `proxies_nb201_cifar10_naslib_seed<S>.csv`.\n")
    w("The rule was fixed before the runs of each protocol: a proxy meets "
      "the requirement when the **mean** of its τ over the draws is within "
      "0.05 of NASLib's τ. The shared protocol was run first; the "
      "per-architecture protocol was added after its first results, once "
      "NASLib's runner showed that it draws a batch per architecture, and "
      "NASLib's protocol after the per-architecture results, once NASLib's "
      "search-space code showed which weights it re-creates; the rule "
      "stayed the same. All three are reported.\n")
    verdicts = {}
    for title, runs in (("shared", shared), ("per architecture", per_arch),
                        ("NASLib's", naslib_draws)):
        if len(runs) < 2:
            continue
        w("**%s** draws:\n" % (title[0].upper() + title[1:]))
        verdict, n, _ = draw_table(runs, naslib, w)
        w("")
        verdicts[title] = verdict
    w("sd: sample standard deviation over the draws. 'mean ρ(seed a, seed "
      "b)': tenas against itself, averaged over pairs of draws; next to "
      "'mean ρ(tenas, NASLib)' it tells whether tenas disagrees with NASLib "
      "more than with itself.\n")
    return verdicts


OTHERS = (("per architecture", "proxies_nb201_cifar10_perarch_others_seed0.csv",
           "per-arch"),
          ("NASLib's", "proxies_nb201_cifar10_naslib_others_seed0.csv",
           "naslib"))


def per_arch_others(folder, naslib, w):
    """6.1d: the other stored proxies, one draw per protocol of OTHERS.

    Returns {protocol title: {proxy: within 0.05}}."""
    tables = {}
    for title, name, flag in OTHERS:
        path = os.path.join(folder, name)
        if os.path.exists(path):
            with open(path) as f:
                tables[title] = (list(csv.DictReader(f)), name, flag)
    if not tables:
        return {}
    first = next(iter(tables.values()))[0]
    names = [m for m in NASLIB_PROXIES if m in first[0]]
    w("### 6.1d The other proxies, drawn per architecture\n")
    w("The proxies not in 6.1c, over the same %d architectures, one draw "
      "(seed 0) per protocol: %s. params and flops do not depend on the "
      "draw.\n" % (len(first), "; ".join(
          "`--draws %s --seed 0 --measures %s` (CSV `%s`)" % (
              flag, ",".join(names), name)
          for _, name, flag in tables.values())))
    w("| measure | NASLib τ C-10 | %s |" % " | ".join(
        "τ %s draws | within 0.05 | ρ(tenas, NASLib)" % t for t in tables))
    w("|---|---|%s" % ("---|---|---|" * len(tables)))
    verdicts = {t: {} for t in tables}
    for m in names:
        cells = []
        ntau = None
        for title, (rows, _, _) in tables.items():
            acc = [float(r["cifar10_test"]) for r in rows]
            mine = [float(r[m]) for r in rows]
            stored = [float(naslib[int(r["index"])][m]) for r in rows]
            tau, ntau = kendall_tau_b(mine, acc), kendall_tau_b(stored, acc)
            ok = abs(tau - ntau) <= 0.05
            verdicts[title][m] = ok
            cells.append("%+.3f | %s | %+.3f" % (
                tau, "yes" if ok else "**no**", spearman(mine, stored)))
        w("| %s | %+.3f | %s |" % (m, ntau, " | ".join(cells)))
    w("")
    return verdicts


def combination_scores(columns, names, idx):
    """Sum of each measure's average ranks (all oriented higher-is-better)."""
    total = [0.0] * len(idx)
    for name in names:
        ranks = average_ranks([columns[name][i] for i in idx])
        total = [t + r for t, r in zip(total, ranks)]
    return total


def proxy_study(folder, w):
    loaded = load(folder)
    if loaded is None:
        return
    rows, naslib, measures = loaded
    n = len(rows)
    acc = {key: [float(r[key]) for r in rows] for key, _ in ACCURACY}
    columns = {m: oriented(m, [float(r[m]) for r in rows]) for m in measures}
    ranks_k = average_ranks([-v for v in columns["ntk"]])  # κ ascending
    ranks_r = average_ranks([-v for v in columns["lr"]])   # R descending
    columns["TE-NAS rank sum"] = [-(a + b) for a, b in zip(ranks_k, ranks_r)]

    w("## 6. Zero-cost proxies on NAS-Bench-201\n")
    w("Every measure tenas serves (`docs/PROXIES.md`), computed by "
      "`tenas-bench validate --measures all --repeats 1` (one initialisation "
      "and one batch per architecture, as NASLib's stored values) on the %d "
      "CIFAR-10 architectures of NASLib's stored proxy table "
      "(`tests/data/nb201_zc_proxies_naslib_subset.csv`), with the images of "
      "the bundled CIFAR-10 sample. The CIFAR-100 and ImageNet16-120 columns "
      "correlate the same values with those datasets' accuracy columns "
      "(tenas has no ImageNet16-120 images and 20 CIFAR-100 images, fewer than "
      "a batch). Inputs: [CSV](validation/proxies_nb201_cifar10.csv), "
      "[validate's report](validation/proxies_nb201_cifar10.md).\n" % n)
    w("### 6.1 Each measure, and NASLib's stored values\n")
    w("τ: Kendall's tau-b against test accuracy; ρ: Spearman. 'NASLib τ' is "
      "the τ of NASLib's stored values on the same architectures; "
      "'ρ(tenas, NASLib)' the Spearman correlation between tenas's values and "
      "NASLib's. Target: every proxy within 0.05 τ of NASLib's.\n")
    w("| measure | τ C-10 | NASLib τ C-10 | within 0.05 | ρ(tenas, NASLib) "
      "| ρ C-10 | τ C-100 | τ IN16 |")
    w("|---|---|---|---|---|---|---|---|")
    within = []
    for name in measures + ["TE-NAS rank sum"]:
        tau = kendall_tau_b(columns[name], acc["cifar10_test"])
        rho = spearman(columns[name], acc["cifar10_test"])
        tau100 = kendall_tau_b(columns[name], acc["cifar100_test"])
        tau16 = kendall_tau_b(columns[name], acc["imagenet16_test"])
        if name in NASLIB_PROXIES:
            stored = [float(naslib[int(r["index"])][name]) for r in rows]
            ntau = kendall_tau_b(stored, acc["cifar10_test"])
            agree = spearman(columns[name], stored)
            ok = abs(tau - ntau) <= 0.05
            within.append((name, ok))
            w("| %s | %+.3f | %+.3f | %s | %+.3f | %+.3f | %+.3f | %+.3f |" % (
                name, tau, ntau, "yes" if ok else "**no**", agree, rho, tau100,
                tau16))
        else:
            w("| %s | %+.3f | – | – | – | %+.3f | %+.3f | %+.3f |" % (
                name, tau, rho, tau100, tau16))
    missed = [name for name, ok in within if not ok]
    w("\n%d of %d stored proxies within 0.05 of NASLib's τ on this draw%s.\n"
      % (len(within) - len(missed), len(within),
         "" if not missed else " (missed: %s; 6.1c averages several draws)"
         % ", ".join(missed)))
    seed_study(folder, rows, naslib, w)
    verdicts = seed_draws(folder, rows, naslib, w) or {}
    others = per_arch_others(folder, naslib, w)
    per_arch = read_draws(folder, "proxies_nb201_cifar10_perarch_seed")
    if per_arch:
        idx = sorted(naslib)
        med = {}
        for m in ("epe_nas", "plain"):
            med[m] = ([median([float(r[m]) for r in d.values()])
                       for d in per_arch.values()],
                      median([float(naslib[i][m]) for i in idx]))
        w("Drawn per architecture, tenas's values have NASLib's distribution: "
          "medians %s over the draws against NASLib's %.1f (epe_nas) and %s "
          "against %.3f (plain). tenas agrees with NASLib's values about as "
          "well as with another draw of its own (the last two columns of "
          "6.1c), for all three.\n" % (
              "%.1f-%.1f" % (min(med["epe_nas"][0]), max(med["epe_nas"][0])),
              med["epe_nas"][1],
              "%.3f-%.3f" % (min(med["plain"][0]), max(med["plain"][0])),
              med["plain"][1]))
        if not verdicts.get("per architecture", {}).get("plain", True):
            w("plain's τ, though, stays off NASLib's by more than its spread "
              "over the per-architecture draws explains%s\n" % (
                  ". NASLib's protocol explains it: in a network whose "
                  "convolutions feed batch norms, Σ θ·∂L/∂θ of those "
                  "convolutions is zero but for the batch norm's ε, so "
                  "plain is mostly the classifier's and the two 1x1 "
                  "downsampling convolutions' term, and NASLib draws those "
                  "once for all architectures; drawn per architecture, "
                  "their noise weakens the ranking. Sharing them moves "
                  "each draw's τ far more (sd in the table above) and "
                  "puts the mean within 0.05." if verdicts.get(
                      "NASLib's", {}).get("plain", False) else
                  ". The cause is not found."))
    for title, verdict in verdicts.items():
        final = dict(within)
        where = "the draw of 6.1"
        if title in others:
            final.update(others[title])
            where = "the draw of 6.1d (params, flops: 6.1)"
        final.update(verdict)
        failed = [m for m, ok in final.items() if not ok]
        w("**Requirement (every stored proxy within 0.05 of NASLib's τ), %s "
          "draws:** %d of %d met (the proxies of 6.1c by their mean over the "
          "draws, the others on %s)%s.\n" % (
              title, len(final) - len(failed), len(final), where,
              "" if not failed else "; not met: %s" % ", ".join(failed)))

    # 6.2: the best combination on one half, reported on the other.
    order = list(range(n))
    random.Random(SPLIT_SEED).shuffle(order)
    search_idx, held_idx = sorted(order[: n // 2]), sorted(order[n // 2:])
    acc_s = [acc["cifar10_test"][i] for i in search_idx]
    acc_h = [acc["cifar10_test"][i] for i in held_idx]
    candidates = [m for m in measures]
    scored = []
    for size in (1, 2, 3):
        for combo in itertools.combinations(candidates, size):
            tau = kendall_tau_b(combination_scores(columns, combo, search_idx),
                                acc_s)
            scored.append((tau, combo))
    scored.sort(key=lambda t: -t[0])
    best_tau, best = scored[0]
    # Greedy forward steps from the best triple, up to 6 measures.
    greedy = list(best)
    while len(greedy) < 6:
        step = None
        for m in candidates:
            if m in greedy:
                continue
            tau = kendall_tau_b(
                combination_scores(columns, greedy + [m], search_idx), acc_s)
            if step is None or tau > step[0]:
                step = (tau, m)
        if step is None or step[0] <= best_tau:
            break
        best_tau = step[0]
        greedy.append(step[1])
        best = tuple(greedy)
    best = tuple(m for m in measures if m in best)  # canonical order
    held = kendall_tau_b(combination_scores(columns, best, held_idx), acc_h)
    held_rho = spearman(combination_scores(columns, best, held_idx), acc_h)
    tenas_held = kendall_tau_b([columns["TE-NAS rank sum"][i] for i in held_idx],
                               acc_h)
    single = max(candidates, key=lambda m: kendall_tau_b(
        [columns[m][i] for i in search_idx], acc_s))
    single_held = kendall_tau_b([columns[single][i] for i in held_idx], acc_h)
    w("### 6.2 The best combination, on held-out architectures\n")
    w("The %d architectures split at random (seed %d) into a search half (%d) "
      "and a held-out half (%d). A combination ranks by the sum of its "
      "measures' average ranks (κ ascending, every other measure descending). "
      "Every combination of 1 to 3 measures was scored on the search half, "
      "then greedily extended (up to 6) while τ improved there; the winner is "
      "reported on the held-out half only.\n" % (
          n, SPLIT_SEED, len(search_idx), len(held_idx)))
    w("| ranking | τ search half | τ held-out | ρ held-out |")
    w("|---|---|---|---|")
    w("| best combination: **%s** | %+.3f | **%+.3f** | %+.3f |" % (
        " + ".join(best), best_tau, held, held_rho))
    w("| best single measure: %s | %+.3f | %+.3f | – |" % (
        single, kendall_tau_b([columns[single][i] for i in search_idx], acc_s),
        single_held))
    w("| TE-NAS rank sum (κ + R) | %+.3f | %+.3f | – |" % (
        kendall_tau_b([columns["TE-NAS rank sum"][i] for i in search_idx],
                      acc_s), tenas_held))
    w("\nTarget (AZ-NAS's four-proxy combination on all of NB201): τ ≥ %.2f. "
      "Held-out τ of the best combination: %.3f (%s).\n" % (
          TARGET_TAU, held, "met" if held >= TARGET_TAU else "missed"))
    w("Runner-up combinations on the search half: %s.\n" % "; ".join(
        "%s %+.3f" % (" + ".join(c), t) for t, c in scored[1:6]))
    with open(os.path.join(folder, "best_combination.txt"), "w") as f:
        f.write(",".join(best) + "\n")

    runs = []
    for path in sorted(glob.glob(os.path.join(
            folder, "search_nb201_cifar10_combo_seed*.json"))):
        with open(path) as f:
            runs.append(json.loads(f.read()))
    w("### 6.3 NB201 searches pruned with the best combination\n")
    if not runs:
        w("Not run yet (`scripts/validate.sh combos`).\n")
        return
    w("`tenas-bench search --measures %s` (paper settings otherwise: NTK "
      "batch 72, 3 repeats; the proxies run on the NTK network, "
      "`docs/PROXIES.md`).\n" % ",".join(runs[0].get("measures", [])))
    w("| seed | measures | architecture | NB201 index | CIFAR-10 % | CIFAR-100 % "
      "| ImageNet16-120 % | wall time s |")
    w("|---|---|---|---|---|---|---|---|")
    accs = []
    for r in runs:
        b = r.get("benchmark", {})
        accs.append(b.get("cifar10_test", float("nan")))
        w("| %d | %s | `%s` | %s | %.2f | %.2f | %.2f | %.0f |" % (
            r["seed"], ",".join(r.get("measures", [])),
            r["arch"].replace("|", "\\|"), b.get("index", "?"),
            b.get("cifar10_test", float("nan")),
            b.get("cifar100_test", float("nan")),
            b.get("imagenet16_test", float("nan")), r["seconds"]))
    mean = sum(accs) / len(accs)
    std = math.sqrt(sum((a - mean) ** 2 for a in accs) / len(accs))
    w("\nCIFAR-10 test accuracy of the found architectures: **%.2f ± %.2f %%** "
      "over %d seed(s) (population std); TE-NAS's κ + R searches: section 2.\n"
      % (mean, std, len(runs)))


if __name__ == "__main__":
    out = []
    proxy_study(sys.argv[1] if len(sys.argv) > 1 else "docs/validation",
                out.append)
    print("\n".join(out))
