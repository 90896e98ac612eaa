// Copyright 2026 The tenas Authors.

#include "tenas/cli/command_line.h"

#include <iostream>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tenas/util/data_dir.h"

namespace tenas::cli {

HelpFormatter::HelpFormatter() { column_width(34); }

std::string HelpFormatter::make_option_opts(const CLI::Option* opt) const {
  std::string out;
  if (opt->get_type_size() != 0 && !opt->get_type_name().empty()) {
    out = " " + opt->get_type_name();
  }
  if (opt->get_required() && !opt->get_positional()) out += " (required)";
  return out;
}

std::string HelpFormatter::make_option_desc(const CLI::Option* opt) const {
  std::string desc = opt->get_description();
  if (!opt->get_positional() && !opt->get_default_str().empty()) {
    absl::StrAppend(&desc, " (default: ", opt->get_default_str(), ")");
  }
  return desc;
}

void ConfigureApp(CLI::App* app) {
  app->formatter(std::make_shared<HelpFormatter>());
  app->option_defaults()->always_capture_default();
}

CLI::Validator IntegerIn(int64_t min, int64_t max) {
  return CLI::Validator(
      [min, max](std::string& text) -> std::string {
        int64_t v = 0;
        if (absl::SimpleAtoi(text, &v) && v >= min && v <= max) return "";
        return absl::StrCat("'", text, "' is not an integer in [", min, ", ",
                            max, "]");
      },
      /*validator_desc=*/"");
}

CLI::Validator OneOf(std::vector<std::string> values) {
  return CLI::Validator(
      [values](std::string& text) -> std::string {
        for (const std::string& v : values) {
          if (text == v) return "";
        }
        return absl::StrCat("'", text, "' is not one of ",
                            absl::StrJoin(values, ", "));
      },
      /*validator_desc=*/"");
}

CLI::Option* AddChoice(CLI::App* app, const std::string& name,
                       std::string* value, std::vector<std::string> values,
                       const std::string& description) {
  const std::string type = absl::StrJoin(values, "|");
  return app->add_option(name, *value, description)
      ->type_name(type)
      ->check(OneOf(std::move(values)));
}

CLI::Option* AddFlag(CLI::App* app, const std::string& name, bool* value,
                     const std::string& description) {
  return app->add_flag(name, *value, description)->default_str("off");
}

CLI::Option* AddArchOption(CLI::App* app, std::string* arch) {
  return app
      ->add_option("--arch", *arch,
                   "NB201 string |op~0|+|op~0|op~1|+|op~0|op~1|op~2| or "
                   "DARTS Genotype(normal=[...], ...)")
      ->type_name("STR")
      ->required();
}

namespace {

// "APP" or "APP COMMAND": the prefix of a usage error.
std::string ErrorPrefix(const CLI::App& app) {
  std::string prefix = app.get_name();
  for (const CLI::App* sub : app.get_subcommands()) {
    absl::StrAppend(&prefix, " ", sub->get_name());
  }
  return prefix;
}

// The message of a usage error, on one line. Arguments nobody took come
// first (CLI11 checks required flags before them): "unknown flag --x" or
// "unexpected argument 'x'"; a word where a command was expected is named as
// an unknown command.
std::string ErrorMessage(const CLI::App& app, const CLI::ParseError& e) {
  const std::vector<std::string> rest = app.remaining(/*recurse=*/true);
  if (!rest.empty()) {
    const std::string& first = rest.front();
    if (first.size() > 1 && first[0] == '-') {
      return absl::StrCat("unknown flag ", first.substr(0, first.find('=')));
    }
    if (app.get_subcommands().empty() && app.get_require_subcommand_min() > 0) {
      return absl::StrCat("unknown command '", first, "' (run '",
                          app.get_name(), " --help' for the commands)");
    }
    return absl::StrCat("unexpected argument '", first, "'");
  }
  return OneLine(e.what());
}

}  // namespace

std::optional<int> ParseCommandLine(CLI::App* app, int argc,
                                    const char* const* argv) {
  if (app->get_name().empty() && argc > 0) app->name(argv[0]);
  if (argc <= 1 && app->get_require_subcommand_min() > 0) {
    std::cerr << app->help();
    return kExitUsage;
  }
  if (argc == 2 && std::string(argv[1]) == "help") {
    std::cout << app->help();
    return kExitOk;
  }
  try {
    app->parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
      return app->exit(e);  // --help: the selected (sub)command's help
    }
    std::cerr << ErrorPrefix(*app) << ": " << ErrorMessage(*app, e)
              << std::endl;
    return kExitUsage;
  }
  return std::nullopt;
}

std::string OneLine(std::string text) {
  for (char& c : text) {
    if (c == '\n') c = ' ';
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

int ReportError(const std::string& prefix, const absl::Status& status) {
  std::cerr << prefix << ": " << OneLine(std::string(status.message()))
            << std::endl;
  return status.code() == absl::StatusCode::kInvalidArgument ? kExitUsage
                                                             : kExitFailure;
}

absl::StatusOr<std::optional<nb201::AccuracyTable>> LoadAccuracyTable(
    const std::string& path) {
  const std::string file = path.empty() ? BundledAccuracyTablePath() : path;
  if (file.empty()) return std::optional<nb201::AccuracyTable>();
  absl::StatusOr<nb201::AccuracyTable> table = nb201::AccuracyTable::Load(file);
  if (!table.ok() && !path.empty()) {
    // A file the user named: bad usage, naming the flag.
    return absl::InvalidArgumentError(
        absl::StrCat("--accuracy-table: ", table.status().message()));
  }
  if (!table.ok()) return table.status();
  return std::optional<nb201::AccuracyTable>(std::move(*table));
}

}  // namespace tenas::cli
