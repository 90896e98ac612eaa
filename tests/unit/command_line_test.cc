// Copyright 2026 The tenas Authors.
//
// tenas/cli/command_line.h: the CLI11 setup both CLIs share: defaults in --help,
// strict integers, flags with =true / =false, options of the main app that
// also work after the subcommand, and usage errors on one stderr line.

#include "tenas/cli/command_line.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tenas::cli {
namespace {

// A small CLI shaped like tenas: --server on the main app and the
// subcommand, a subcommand with an integer, a choice and a flag.
struct Toy {
  CLI::App app{"toy CLI", "toy"};
  std::string server = "localhost:50051";
  int repeats = 3;
  std::string init = "shipped";
  bool fp64 = false;
  bool ran = false;

  Toy() {
    ConfigureApp(&app);
    app.require_subcommand(1);
    app.add_option("--server", server, "address");
    CLI::App* score = app.add_subcommand("score", "score one");
    score->add_option("--server", server, "address");
    AddInt(score, "--repeats", &repeats, 1, 20, "repeats");
    AddChoice(score, "--init", &init, {"shipped", "paper"}, "init mode");
    AddFlag(score, "--fp64", &fp64, "float64");
    score->callback([this] { ran = true; });
  }

  // Parses `args` (without the program name); the exit code or nullopt.
  std::optional<int> Parse(std::vector<std::string> args) {
    args.insert(args.begin(), "toy");
    std::vector<const char*> argv;
    for (const std::string& a : args) argv.push_back(a.c_str());
    return ParseCommandLine(&app, static_cast<int>(argv.size()), argv.data());
  }
};

// The exit code and stderr of parsing `args` with a fresh Toy.
std::pair<std::optional<int>, std::string> ParseError(
    std::vector<std::string> args) {
  Toy toy;
  testing::internal::CaptureStderr();
  std::optional<int> code = toy.Parse(std::move(args));
  return {code, testing::internal::GetCapturedStderr()};
}

TEST(CommandLineTest, ParsesValuesAndFlags) {
  Toy toy;
  EXPECT_EQ(toy.Parse({"score", "--repeats", "7", "--init=paper", "--fp64"}),
            std::nullopt);
  EXPECT_TRUE(toy.ran);
  EXPECT_EQ(toy.repeats, 7);
  EXPECT_EQ(toy.init, "paper");
  EXPECT_TRUE(toy.fp64);
}

TEST(CommandLineTest, FlagsTakeTrueAndFalse) {
  for (const auto& [arg, want] : std::vector<std::pair<std::string, bool>>{
           {"--fp64", true}, {"--fp64=true", true}, {"--fp64=false", false}}) {
    Toy toy;
    ASSERT_EQ(toy.Parse({"score", arg}), std::nullopt) << arg;
    EXPECT_EQ(toy.fp64, want) << arg;
  }
}

TEST(CommandLineTest, MainAppOptionsWorkBeforeAndAfterTheSubcommand) {
  Toy before;
  ASSERT_EQ(before.Parse({"--server", "a:1", "score"}), std::nullopt);
  EXPECT_EQ(before.server, "a:1");
  Toy after;
  ASSERT_EQ(after.Parse({"score", "--server", "b:2"}), std::nullopt);
  EXPECT_EQ(after.server, "b:2");
}

TEST(CommandLineTest, UsageErrorsAreOneLineNamingTheFlag) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"score", "--repeats", "0"},
       "toy score: --repeats: '0' is not an integer in [1, 20]\n"},
      {{"score", "--repeats", "x"},
       "toy score: --repeats: 'x' is not an integer in [1, 20]\n"},
      {{"score", "--init", "kaiming"},
       "toy score: --init: 'kaiming' is not one of shipped, paper\n"},
      {{"score", "--bogus", "1"}, "toy score: unknown flag --bogus\n"},
      {{"score", "--bogus=1"}, "toy score: unknown flag --bogus\n"},
      {{"score", "extra"}, "toy score: unexpected argument 'extra'\n"},
      {{"frobnicate"},
       "toy: unknown command 'frobnicate' (run 'toy --help' for the "
       "commands)\n"},
  };
  for (const auto& [args, want] : cases) {
    auto [code, err] = ParseError(args);
    EXPECT_EQ(code, kExitUsage) << args[1];
    EXPECT_EQ(err, want);
  }
  auto [code, err] = ParseError({"score", "--repeats"});
  EXPECT_EQ(code, kExitUsage);
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_NE(err.find("--repeats"), std::string::npos) << err;
}

TEST(CommandLineTest, HelpShowsDefaultsAndExitsZero) {
  Toy toy;
  testing::internal::CaptureStdout();
  EXPECT_EQ(toy.Parse({"score", "--help"}), kExitOk);
  const std::string help = testing::internal::GetCapturedStdout();
  EXPECT_FALSE(toy.ran);
  EXPECT_NE(help.find("(default: 3)"), std::string::npos) << help;
  EXPECT_NE(help.find("--init shipped|paper"), std::string::npos) << help;
  EXPECT_NE(help.find("(default: shipped)"), std::string::npos) << help;
  EXPECT_NE(help.find("(default: off)"), std::string::npos) << help;

  Toy main_help;
  testing::internal::CaptureStdout();
  EXPECT_EQ(main_help.Parse({"--help"}), kExitOk);
  const std::string top = testing::internal::GetCapturedStdout();
  EXPECT_NE(top.find("score"), std::string::npos) << top;
}

TEST(CommandLineTest, NoArgumentsPrintTheHelpAndFail) {
  Toy toy;
  testing::internal::CaptureStderr();
  EXPECT_EQ(toy.Parse({}), kExitUsage);
  EXPECT_NE(testing::internal::GetCapturedStderr().find("score"),
            std::string::npos);
}

TEST(CommandLineTest, ReportErrorMapsInvalidArgumentToUsage) {
  testing::internal::CaptureStderr();
  EXPECT_EQ(ReportError("toy x", absl::InvalidArgumentError("bad\nvalue")),
            kExitUsage);
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "toy x: bad value\n");
  testing::internal::CaptureStderr();
  EXPECT_EQ(ReportError("toy x", absl::NotFoundError("gone")), kExitFailure);
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "toy x: gone\n");
}

TEST(CommandLineTest, AccuracyTableDefaultsToTheBundledOne) {
  auto bundled = LoadAccuracyTable("");
  ASSERT_TRUE(bundled.ok()) << bundled.status();
  EXPECT_TRUE(bundled->has_value());  // data/nb201_accuracy.csv
  auto missing = LoadAccuracyTable("/nonexistent/table.csv");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("--accuracy-table"),
            std::string::npos);
}

}  // namespace
}  // namespace tenas::cli
