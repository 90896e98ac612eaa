// Copyright 2026 The tenas Authors.
//
// flag_parser.h: a small, strict parser for `--name value`, `--name=value`
// and boolean `--name` flags of one subcommand. Unknown flags, missing values
// and malformed numbers are usage errors (exit code 2 in the CLIs).

#ifndef TENAS_BENCH_FLAG_PARSER_H_
#define TENAS_BENCH_FLAG_PARSER_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace tenas::cli {

/// Parsed flags of one subcommand.
class Flags {
 public:
  /// Parses args (without program and subcommand names). `value_flags` take a
  /// value; `bool_flags` do not. Positional arguments are collected.
  static absl::StatusOr<Flags> Parse(const std::vector<std::string>& args,
                                     const std::set<std::string>& value_flags,
                                     const std::set<std::string>& bool_flags);

  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  std::string GetString(const std::string& name,
                        const std::string& fallback = "") const;
  /// Integer value in [min, max]; a usage error names the flag otherwise.
  absl::StatusOr<int64_t> GetInt(const std::string& name, int64_t fallback,
                                 int64_t min, int64_t max) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

}  // namespace tenas::cli

#endif  // TENAS_BENCH_FLAG_PARSER_H_
