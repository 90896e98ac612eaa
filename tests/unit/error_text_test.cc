// Copyright 2026 The tenas Authors.
//
// Error messages quote user input only in short: ShortInput, and the NB201
// and DARTS parsers on 1 MB inputs (short messages that still name the bad
// token).

#include "tenas/util/error_text.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "tenas/options/datasets.h"
#include "tenas/space/darts.h"
#include "tenas/space/nb201.h"

namespace tenas {
namespace {

constexpr size_t kMegabyte = 1 << 20;
// A bound on the parsers' messages for inputs of any size: the longest is
// about 400 bytes (DARTS, whose fixed explanation takes about 300).
constexpr size_t kMaxMessageBytes = 512;

TEST(ShortInputTest, KeepsShortTextWhole) {
  EXPECT_EQ(ShortInput(""), "");
  EXPECT_EQ(ShortInput("cifar10"), "cifar10");
  const std::string exact(kMaxQuotedInputBytes, 'a');
  EXPECT_EQ(ShortInput(exact), exact);
}

TEST(ShortInputTest, CutsLongTextAndGivesItsSize) {
  const std::string text(kMegabyte, 'x');
  EXPECT_EQ(ShortInput(text),
            absl::StrCat(std::string(kMaxQuotedInputBytes, 'x'),
                         "... (1048576 bytes)"));
  EXPECT_EQ(ShortInput("abcdef", 3), "abc... (6 bytes)");
}

TEST(ShortInputTest, NeverCutsInsideAUtf8Character) {
  // "é" is 2 bytes (C3 A9): a cut after byte 3 of "aéé" would split one.
  EXPECT_EQ(ShortInput("a\xC3\xA9\xC3\xA9", 4), "a\xC3\xA9... (5 bytes)");
  EXPECT_EQ(ShortInput("a\xC3\xA9\xC3\xA9", 3), "a\xC3\xA9... (5 bytes)");
  EXPECT_EQ(ShortInput("a\xC3\xA9\xC3\xA9", 2), "a... (5 bytes)");
}

struct HugeCase {
  std::string name;
  std::string text;
  std::string needle;  // the message names the problem with this
};

void ExpectShortError(const absl::Status& status, const HugeCase& c) {
  SCOPED_TRACE(c.name);
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.name;
  EXPECT_LT(status.message().size(), kMaxMessageBytes) << status.message();
  EXPECT_NE(status.message().find(c.needle), std::string::npos)
      << status.message();
}

TEST(ErrorTextTest, MegabyteNb201StringsGiveShortErrors) {
  const std::string big(kMegabyte, 'x');
  const std::string valid =
      "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+"
      "|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|";
  const std::vector<HugeCase> cases = {
      {"no bars", big, "expected '|' to open node 1"},
      {"huge op", absl::StrCat("|", big, "~0|+"), "unknown op 'xxx"},
      {"huge token", absl::StrCat("|", big, "|+"), "is not of the form op~j"},
      {"huge index",
       absl::StrCat("|nor_conv_3x3~", std::string(kMegabyte, '7'), "|"),
       "wrong input index '777"},
      {"trailing", absl::StrCat(valid, big), "unexpected trailing text 'xxx"},
      {"unterminated", absl::StrCat("|nor_conv_3x3", big),
       "unterminated token for node 1 input 0"},
  };
  for (const HugeCase& c : cases) {
    ExpectShortError(nb201::ParseArchitecture(c.text).status(), c);
    EXPECT_NE(
        nb201::ParseArchitecture(c.text).status().message().find("bytes)"),
        std::string::npos);
  }
  ExpectShortError(nb201::ParseOp(big).status(),
                   {"op", big, "unknown NB201 op 'xxx"});
}

TEST(ErrorTextTest, MegabyteDartsGenotypesGiveShortErrors) {
  const std::string big(kMegabyte, 'x');
  const std::string valid(darts::kTenasCifar10Text);
  std::string huge_op = valid;
  huge_op.replace(huge_op.find("dil_conv_3x3"), 12, big);
  const std::vector<HugeCase> cases = {
      {"huge op", huge_op, "unknown op 'xxx"},
      {"huge field", absl::StrCat("Genotype(", big, "=[])"),
       "expected 'normal' (field 'normal'), found 'xxx"},
      {"huge word", big, "expected 'Genotype'"},
      {"trailing", absl::StrCat(valid, " ", big), "unexpected trailing text"},
      {"unterminated op", absl::StrCat("Genotype(normal=[('", big),
       "unterminated op name (normal item 0"},
  };
  for (const HugeCase& c : cases) {
    ExpectShortError(darts::ParseGenotype(c.text).status(), c);
  }
  ExpectShortError(darts::ParseOp(big).status(),
                   {"op", big, "unknown DARTS op 'xxx"});
}

TEST(ErrorTextTest, MegabyteDatasetNameGivesAShortError) {
  const std::string big(kMegabyte, 'x');
  ExpectShortError(data::ResolveDatasetName(big, "dataset").status(),
                   {"dataset", big, "dataset: unknown dataset 'xxx"});
}

}  // namespace
}  // namespace tenas
