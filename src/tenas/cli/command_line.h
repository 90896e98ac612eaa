// Copyright 2026 The tenas Authors.
//
// command_line.h: what the two command-line tools (`tenas-bench` and the
// `tenas` client) share on top of CLI11: exit codes, help output that shows
// every option's default, strict integer options, flags that also take
// `=true` / `=false`, parsing that reports a usage error on ONE stderr line,
// one-line error reports of a failed command, and the NAS-Bench-201 accuracy
// table a search uses by default. LibTorch-free and gRPC-free.

#ifndef TENAS_CLI_COMMAND_LINE_H_
#define TENAS_CLI_COMMAND_LINE_H_

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tenas/space/accuracy_table.h"

namespace tenas::cli {

/// Exit codes of both CLIs.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
/// Bad usage (unknown flag, missing or malformed value) or INVALID_ARGUMENT.
inline constexpr int kExitUsage = 2;

/// CLI11 help output with the default of every option (and "off" for flags)
/// at the end of its description.
class HelpFormatter : public CLI::Formatter {
 public:
  HelpFormatter();
  std::string make_option_opts(const CLI::Option* opt) const override;
  std::string make_option_desc(const CLI::Option* opt) const override;
};

/// Sets up `app` (the main app; subcommands inherit it): HelpFormatter and
/// option defaults captured for --help.
void ConfigureApp(CLI::App* app);

/// A validator accepting decimal integers in [min, max]; otherwise the error
/// "'VALUE' is not an integer in [MIN, MAX]" (CLI11 prefixes the flag).
CLI::Validator IntegerIn(int64_t min, int64_t max);

/// Adds integer option `name` (e.g. "--repeats") bound to `value`, whose
/// current value is the default, accepting integers in [min, max].
template <typename T>
CLI::Option* AddInt(CLI::App* app, const std::string& name, T* value,
                    int64_t min, int64_t max, const std::string& description) {
  return app->add_option(name, *value, description)
      ->type_name("INT")
      ->check(IntegerIn(min, max));
}

/// A validator accepting exactly one of `values`; otherwise the error
/// "'VALUE' is not one of A, B".
CLI::Validator OneOf(std::vector<std::string> values);

/// Adds option `name` bound to `value` (its current value is the default),
/// accepting one of `values`; --help shows them as "A|B".
CLI::Option* AddChoice(CLI::App* app, const std::string& name,
                       std::string* value, std::vector<std::string> values,
                       const std::string& description);

/// Adds boolean flag `name` (e.g. "--fp64"), off by default: `--fp64` and
/// `--fp64=true` set it, `--fp64=false` clears it.
CLI::Option* AddFlag(CLI::App* app, const std::string& name, bool* value,
                     const std::string& description);

/// Adds the required `--arch STR` option of the score commands: an NB201
/// architecture string or a DARTS genotype, as `--space` says.
CLI::Option* AddArchOption(CLI::App* app, std::string* arch);

/// Parses `argv` into `app`. Returns nullopt when the selected command should
/// run. Otherwise returns the exit code after printing: the help of the
/// selected (sub)command on stdout for --help, -h or `help` (0); the help on
/// stderr when no arguments are given but a subcommand is required (2); one
/// line "APP [COMMAND]: MESSAGE" on stderr for any usage error (2).
std::optional<int> ParseCommandLine(CLI::App* app, int argc,
                                    const char* const* argv);

/// `text` with every newline replaced by a space.
std::string OneLine(std::string text);

/// Prints "PREFIX: MESSAGE" on one stderr line; returns kExitUsage for
/// INVALID_ARGUMENT, else kExitFailure.
int ReportError(const std::string& prefix, const absl::Status& status);

/// The NAS-Bench-201 accuracy table of a search: the CSV at `path`, or when
/// `path` is empty the bundled one (tenas::BundledAccuracyTablePath());
/// nullopt when `path` is empty and nothing is bundled. Errors name the file;
/// a `path` that does not load is INVALID_ARGUMENT naming --accuracy-table.
absl::StatusOr<std::optional<nb201::AccuracyTable>> LoadAccuracyTable(
    const std::string& path);

}  // namespace tenas::cli

#endif  // TENAS_CLI_COMMAND_LINE_H_
