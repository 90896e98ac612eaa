// Copyright 2026 The tenas Authors.
//
// stats.h: rank statistics used by the validation report, and the spread
// (sample standard deviation, standard error of the mean) of repeated
// measurements used by the scores.

#ifndef TENAS_UTIL_STATS_H_
#define TENAS_UTIL_STATS_H_

#include <vector>

namespace tenas {

/// Kendall's tau-b between x and y (ties handled as scipy.stats.kendalltau).
/// Precondition: x.size() == y.size() >= 2. O(n^2), fine for n <= 10^4.
/// Returns NaN when either side is constant.
double KendallTauB(const std::vector<double>& x, const std::vector<double>& y);

/// Average ranks (1-based; ties share the mean of their positions), like
/// scipy.stats.rankdata(method="average").
std::vector<double> AverageRanks(const std::vector<double>& values);

/// Spearman's rank correlation: the Pearson correlation of AverageRanks(x)
/// and AverageRanks(y) (scipy.stats.spearmanr). Precondition: equal sizes
/// >= 2. Returns NaN when either side is constant.
double SpearmanRho(const std::vector<double>& x, const std::vector<double>& y);

/// Sample standard deviation of `values`, with Bessel's correction
/// (divides by n - 1, like numpy.std(ddof=1)). Returns 0 when there are
/// fewer than two values: one value carries no estimate of the spread.
double SampleStandardDeviation(const std::vector<double>& values);

/// Standard error of the mean of `values`: SampleStandardDeviation / sqrt(n)
/// (scipy.stats.sem). Returns 0 when there are fewer than two values, so a
/// single repeat reports 0, meaning "not estimated", not "exact".
double StandardErrorOfMean(const std::vector<double>& values);

}  // namespace tenas

#endif  // TENAS_UTIL_STATS_H_
