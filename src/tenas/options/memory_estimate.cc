// Copyright 2026 The tenas Authors.

#include "tenas/options/memory_estimate.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tenas/options/measures.h"

namespace tenas::measures {
namespace {

constexpr int64_t kMiB = int64_t{1} << 20;

// Per-space constants of the estimate. The per-pixel coefficients are bytes
// per image and per input pixel (H x W): every activation of these networks
// scales with the input's area. They are the peak-RSS measurements of
// docs/RELIABILITY.md §6.6 (worst op of each space for scores, the supernet
// for searches), rounded up by a quarter or more.
struct Coefficients {
  // Forward graph kept for the backward, per network.
  int64_t forward_per_pixel;
  // One row of a batched backward pass (its gradients for the whole batch).
  int64_t row_per_pixel;
};

Coefficients CoefficientsOf(search::SpaceKind space, bool supernet) {
  if (space == search::SpaceKind::kNb201) {
    // Measured at most: 350 / 344 (score), 683 / 610 (supernet; the rows
    // grow with B: 500 at B=128, 610 at B=256).
    return supernet ? Coefficients{768, 896} : Coefficients{448, 448};
  }
  // DARTS. Measured at most: 488 / 194 (score, sep_conv_5x5), 2230 / 300
  // (supernet).
  return supernet ? Coefficients{2816, 384} : Coefficients{640, 256};
}

// Bytes per image and per input pixel of the zero-cost proxies' passes on
// one network: a score's proxy network (NB201 C=16 N=5, DARTS C=16 N=2) or
// a search's NTK supernet; `second_order` with grasp (its gradient graph is
// kept and differentiated again). Peak-RSS measurements of the worst
// architecture (tenas-bench memory --proxies, docs/RELIABILITY.md §6.6),
// rounded up.
int64_t ProxyBytesPerPixel(search::SpaceKind space, bool supernet,
                           bool second_order) {
  // Measured at most, proxy batch 32 (NB201 scores also 64 and 128: 14.5,
  // 14.9, 14.8 K), first order / with grasp: NB201 score 14.9 K / 38.5 K,
  // DARTS score 30.2 K / 76.9 K, NB201 search 2.2 K / 4.2 K, DARTS search
  // 5.0 K / 11.0 K (searches: the whole evaluation at NTK batch 8).
  if (space == search::SpaceKind::kNb201) {
    if (supernet) return second_order ? 5376 : 2816;
    return second_order ? 49152 : 19456;
  }
  if (supernet) return second_order ? 13824 : 6400;
  return second_order ? 98304 : 38912;
}

// ReLU outputs per 1x3x3 crop of the linear-region network (an upper bound
// on num_columns of CountLinearRegions, supernets included).
int64_t LinearRegionColumns(search::SpaceKind space) {
  return space == search::SpaceKind::kNb201 ? 256 : 1024;
}

// Fixed part: LibTorch and oneDNN scratch, thread stacks, allocator slack.
constexpr int64_t kOverheadBytes = 32 * kMiB;

bool Fits(const EvaluationShape& shape, const NtkPlan& plan,
          int64_t max_bytes) {
  return max_bytes <= 0 ||
         EstimateEvaluationMemory(shape, plan).total_bytes <= max_bytes;
}

// The proxy fields of `shape` for `measures` (any measures: only the
// zero-cost proxies that run passes count) on batches of `batch_size`.
void SetProxyShape(const std::vector<Measure>& measures, int batch_size,
                   EvaluationShape& shape) {
  shape.proxy_batch_size = 0;
  shape.proxy_second_order = false;
  for (Measure m : measures) {
    if (!IsZeroCostProxy(m) || m == Measure::kParams || m == Measure::kFlops ||
        m == Measure::kL2Norm) {
      continue;
    }
    shape.proxy_batch_size = batch_size;
    if (m == Measure::kGrasp) shape.proxy_second_order = true;
  }
}

// The largest value in [1, shape.*field] of `field` (a batch: the estimate
// grows with it) whose smallest plan fits `max_bytes`; 1 when none does.
int LargestThatFits(const EvaluationShape& shape, int EvaluationShape::*field,
                    int64_t max_bytes) {
  EvaluationShape probe = shape;
  int lo = 1, hi = shape.*field;  // lo: fits or nothing; hi: too big
  while (hi - lo > 1) {
    const int mid = lo + (hi - lo) / 2;
    probe.*field = mid;
    if (MinimalEvaluationMemory(probe).total_bytes <= max_bytes) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return lo;
}

// OverBudgetError's refusal when the proxies are what does not fit.
absl::Status ProxyOverBudgetError(const EvaluationShape& shape, int64_t need,
                                  int64_t max_bytes,
                                  absl::string_view field_prefix,
                                  absl::string_view limit_name) {
  const int lo =
      LargestThatFits(shape, &EvaluationShape::proxy_batch_size, max_bytes);
  EvaluationShape probe = shape;
  probe.proxy_batch_size = lo;
  const bool any =
      lo >= 2 && MinimalEvaluationMemory(probe).total_bytes <= max_bytes;
  return absl::InvalidArgumentError(absl::StrCat(
      field_prefix, "proxy_batch_size: the zero-cost proxies",
      shape.proxy_second_order ? " (grasp among them)" : "", " on ",
      shape.proxy_batch_size, " images of ", shape.channels, "x", shape.height,
      "x", shape.width, shape.search ? " in a search (supernets)" : "",
      " need an estimated ", FormatBytes(need), ", above ", limit_name, " (",
      FormatBytes(max_bytes), "); ",
      any ? absl::StrCat("at most ", lo, " images fit")
          : "no proxy batch fits"));
}

}  // namespace

int64_t NtkWeightEntries(search::SpaceKind space, int num_classes) {
  // The supernet's weights without the classifier, and the classifier's
  // input width (tests/unit/memory_estimate_test.cc checks them against the
  // networks).
  const int64_t base = space == search::SpaceKind::kNb201 ? 14244 : 5058;
  const int64_t classifier_in = space == search::SpaceKind::kNb201 ? 12 : 8;
  return base + classifier_in * num_classes;
}

NtkPlan MinimalNtkPlan() { return NtkPlan{1, 1, 1}; }

MemoryEstimate EstimateEvaluationMemory(const EvaluationShape& shape,
                                        const NtkPlan& plan) {
  MemoryEstimate e;
  const int64_t B = shape.batch_size;
  const int64_t pixels = int64_t{shape.height} * shape.width;
  const int64_t image_entries = shape.channels * pixels;
  const Coefficients c = CoefficientsOf(shape.space, shape.search);
  const int64_t P = NtkWeightEntries(shape.space, shape.num_classes);
  if (shape.compute_ntk) {
    const bool fast = shape.ntk_method == NtkMethod::kFast;
    // The reference path runs one network at a time, one row per pass.
    const int64_t calls = fast ? std::max(1, plan.evaluations_per_call) : 1;
    const int64_t networks = calls * (shape.search ? 2 : 1);
    const int64_t rows = fast ? std::max(1, plan.rows_per_pass) : 1;
    const int64_t passes = fast ? std::max(1, plan.parallel_passes) : 1;
    e.forward_bytes = networks * B * c.forward_per_pixel * pixels;
    e.batch_bytes = calls * B * image_entries * 4;
    // Each row: its gradients for the batch, and its P weight gradients
    // (once as returned, once copied into G).
    e.pass_bytes = passes * rows * (B * c.row_per_pixel * pixels + 2 * P * 4);
    // G [B, P] float32 per network; the reference path also stacks it.
    e.rows_bytes = networks * B * P * 4 * (fast ? 1 : 2);
    // One network's Gram at a time: G in float64 with fp64, the B x B Gram
    // and eigvalsh's copies and workspace.
    const int64_t element = shape.fp64 ? 8 : 4;
    e.gram_bytes = (shape.fp64 ? B * P * 8 : 0) + 4 * B * B * element;
  }
  if (shape.compute_regions) {
    // Per crop and ReLU output: the float activation, its 0/1 pattern (in
    // its block and concatenated), the packed bits; two networks in a
    // search, one after the other.
    const int64_t crops = int64_t{shape.lr_batch_size} * shape.lr_num_batches;
    e.regions_bytes = crops * (LinearRegionColumns(shape.space) * 8 + 64);
  }
  if (shape.proxy_batch_size > 0) {
    const int64_t Bp = shape.proxy_batch_size;
    e.proxies_bytes = Bp * pixels *
                          ProxyBytesPerPixel(shape.space, shape.search,
                                             shape.proxy_second_order) +
                      Bp * image_entries * 4;
  }
  e.overhead_bytes = kOverheadBytes;
  const int64_t ntk_and_regions = e.forward_bytes + e.batch_bytes +
                                  e.pass_bytes + e.rows_bytes + e.gram_bytes +
                                  e.regions_bytes;
  e.total_bytes = std::max(ntk_and_regions, e.proxies_bytes) + e.overhead_bytes;
  return e;
}

MemoryEstimate MinimalEvaluationMemory(const EvaluationShape& shape) {
  return EstimateEvaluationMemory(shape, MinimalNtkPlan());
}

absl::StatusOr<NtkPlan> PlanEvaluation(const EvaluationShape& shape,
                                       int threads, int64_t max_bytes,
                                       int preferred_rows) {
  NtkPlan plan = MinimalNtkPlan();
  if (!Fits(shape, plan, max_bytes)) {
    return OverBudgetError(shape, max_bytes, "", "the memory bound");
  }
  // Parallelism first: passes at once, then rows per pass (both speed up
  // the NTK); then repeats per call (they only help when B / R is below
  // the thread count), as many as still fit.
  const int max_rows =
      std::max(1, std::min(preferred_rows, std::max(1, shape.batch_size)));
  const int max_passes = std::max(1, threads);
  NtkPlan best = plan;
  for (int passes = 1; passes <= max_passes; ++passes) {
    for (int rows = 1; rows <= max_rows; ++rows) {
      const NtkPlan candidate{1, rows, passes};
      // Most rows in flight; ties: more passes at once.
      const int64_t in_flight = int64_t{rows} * passes;
      const int64_t best_in_flight =
          int64_t{best.rows_per_pass} * best.parallel_passes;
      if ((in_flight > best_in_flight ||
           (in_flight == best_in_flight && passes > best.parallel_passes)) &&
          Fits(shape, candidate, max_bytes)) {
        best = candidate;
      }
    }
  }
  const int max_calls = std::max(1, shape.repeats);
  for (int calls = max_calls; calls > 1; --calls) {
    NtkPlan candidate = best;
    candidate.evaluations_per_call = calls;
    if (Fits(shape, candidate, max_bytes)) return candidate;
  }
  return best;
}

std::string FormatBytes(int64_t bytes) {
  const double b = static_cast<double>(bytes);
  if (bytes >= (int64_t{1} << 30)) {
    return absl::StrFormat("%.2f GiB", b / (int64_t{1} << 30));
  }
  if (bytes >= kMiB) return absl::StrFormat("%.1f MiB", b / kMiB);
  if (bytes >= 1024) return absl::StrFormat("%.1f KiB", b / 1024);
  return absl::StrCat(bytes, " B");
}

absl::Status OverBudgetError(const EvaluationShape& shape, int64_t max_bytes,
                             absl::string_view field_prefix,
                             absl::string_view limit_name) {
  const int64_t need = MinimalEvaluationMemory(shape).total_bytes;
  EvaluationShape without_proxies = shape;
  without_proxies.proxy_batch_size = 0;
  if (shape.proxy_batch_size > 0 &&
      MinimalEvaluationMemory(without_proxies).total_bytes <= max_bytes) {
    return ProxyOverBudgetError(shape, need, max_bytes, field_prefix,
                                limit_name);
  }
  // The largest batch whose smallest plan fits (the estimate grows with B).
  const int lo =
      LargestThatFits(shape, &EvaluationShape::batch_size, max_bytes);
  EvaluationShape probe = shape;
  probe.batch_size = lo;
  const bool any = lo >= 2 && shape.compute_ntk &&
                   MinimalEvaluationMemory(probe).total_bytes <= max_bytes;
  return absl::InvalidArgumentError(absl::StrCat(
      field_prefix, "batch_size: one evaluation of ", shape.batch_size,
      " images of ", shape.channels, "x", shape.height, "x", shape.width,
      shape.fp64 ? absl::StrCat(" with ", field_prefix, "fp64") : "",
      shape.search ? " in a search (two supernets)" : "",
      " needs an estimated ", FormatBytes(need), ", above ", limit_name, " (",
      FormatBytes(max_bytes), "); ",
      any ? absl::StrCat("at most ", lo, " images fit") : "no NTK batch fits"));
}

EvaluationShape ScoreShape(const ScoreOptions& options, search::SpaceKind space,
                           int num_classes, int channels, int height,
                           int width) {
  EvaluationShape s;
  s.space = space;
  s.search = false;
  s.num_classes = num_classes;
  s.channels = channels;
  s.height = height;
  s.width = width;
  s.batch_size = options.batch_size;
  s.repeats = options.repeats;
  s.fp64 = options.fp64;
  s.ntk_method = options.ntk_method;
  s.compute_ntk = options.compute_ntk;
  s.compute_regions = options.compute_regions;
  s.lr_batch_size = options.lr_batch_size;
  s.lr_num_batches = options.lr_num_batches;
  SetProxyShape(options.proxies, options.proxy_batch_size, s);
  return s;
}

EvaluationShape SearchShape(const search::SearchOptions& options,
                            int num_classes, int channels, int height,
                            int width, int ntk_jobs_per_call) {
  EvaluationShape s;
  s.space = options.space;
  s.search = true;
  s.num_classes = num_classes;
  s.channels = channels;
  s.height = height;
  s.width = width;
  s.batch_size = options.batch_size;
  s.repeats = std::max(1, ntk_jobs_per_call);
  s.fp64 = options.fp64;
  s.ntk_method = options.ntk_method;
  s.lr_batch_size = options.lr_batch_size;
  s.lr_num_batches = options.lr_num_batches;
  SetProxyShape(options.measures, options.proxy_batch_size, s);
  return s;
}

absl::Status CheckEvaluationMemory(const EvaluationShape& shape,
                                   int64_t max_bytes,
                                   absl::string_view field_prefix,
                                   absl::string_view limit_name) {
  if (max_bytes <= 0 ||
      MinimalEvaluationMemory(shape).total_bytes <= max_bytes) {
    return absl::OkStatus();
  }
  return OverBudgetError(shape, max_bytes, field_prefix, limit_name);
}

}  // namespace tenas::measures
