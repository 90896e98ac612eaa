// Copyright 2026 The tenas Authors.
//
// Tests of the DARTS search space: edges, op names, genotype parsing and
// formatting, the published TE-NAS genotypes and genotype derivation.

#include "tenas/space/darts.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace tenas::darts {
namespace {

TEST(DartsSpaceTest, OpNamesAreInAlphaColumnOrder) {
  const std::vector<std::string> expected = {
      "none",         "skip_connect", "sep_conv_3x3", "sep_conv_5x5",
      "dil_conv_3x3", "dil_conv_5x5", "avg_pool_3x3", "max_pool_3x3"};
  ASSERT_EQ(kOpNames.size(), expected.size());
  for (int i = 0; i < kNumOps; ++i) {
    EXPECT_EQ(kOpNames[i], expected[i]);
    auto op = ParseOp(expected[i]);
    ASSERT_TRUE(op.ok());
    EXPECT_EQ(*op, i);
  }
  EXPECT_EQ(ParseOp("sep_conv_7x7").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(DartsSpaceTest, EdgesAreSortedKeysAndGroupedByNode) {
  const std::vector<std::string> expected = {
      "0<-0", "0<-1", "1<-0", "1<-1", "1<-2", "2<-0", "2<-1",
      "2<-2", "2<-3", "3<-0", "3<-1", "3<-2", "3<-3", "3<-4"};
  for (int e = 0; e < kNumEdges; ++e) {
    EXPECT_EQ(EdgeKey(e), expected[e]);
    EXPECT_EQ(EdgeIndex(kEdges[e].node, kEdges[e].input), e);
    if (e > 0) {
      EXPECT_LT(EdgeKey(e - 1), EdgeKey(e));
    }
  }
  const int groups[kNumSteps][2] = {{0, 2}, {2, 5}, {5, 9}, {9, 14}};
  for (int node = 0; node < kNumSteps; ++node) {
    EXPECT_EQ(kNodeEdges[node].begin, groups[node][0]);
    EXPECT_EQ(kNodeEdges[node].end, groups[node][1]);
    for (int e = kNodeEdges[node].begin; e < kNodeEdges[node].end; ++e) {
      EXPECT_EQ(kEdges[e].node, node);
      EXPECT_EQ(kEdges[e].input, e - kNodeEdges[node].begin);
    }
  }
  EXPECT_EQ(EdgeIndex(0, 2), -1);
  EXPECT_EQ(EdgeIndex(4, 0), -1);
}

TEST(DartsGenotypeTest, PublishedGenotypesRoundTrip) {
  for (absl::string_view text : {kTenasCifar10Text, kTenasImagenetText}) {
    SCOPED_TRACE(text);
    auto g = ParseGenotype(text);
    ASSERT_TRUE(g.ok()) << g.status();
    // The published text is exactly the canonical format.
    EXPECT_EQ(FormatGenotype(*g), text);
    auto again = ParseGenotype(FormatGenotype(*g));
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, *g);
  }
  const Genotype cifar = TenasCifar10Genotype();
  EXPECT_EQ(cifar.normal[0], (GenotypeItem{kDilConv3x3, 0}));
  EXPECT_EQ(cifar.normal[7], (GenotypeItem{kSepConv5x5, 3}));
  EXPECT_EQ(cifar.reduce[7], (GenotypeItem{kSepConv3x3, 4}));
  EXPECT_EQ(cifar.normal_concat, (std::vector<int>{2, 3, 4, 5}));
  const Genotype imagenet = TenasImagenetGenotype();
  EXPECT_EQ(imagenet.normal[1], (GenotypeItem{kSkipConnect, 1}));
  EXPECT_EQ(imagenet.reduce[7], (GenotypeItem{kSepConv5x5, 4}));
  EXPECT_NE(cifar, imagenet);
}

TEST(DartsGenotypeTest, AcceptsRangeDoubleQuotesAndWhitespace) {
  // The multi-line layout of genotypes.py, double quotes, range() concats
  // and trailing commas.
  const std::string text = R"(  Genotype(
      normal = [
        ("dil_conv_3x3", 0), ('sep_conv_5x5', 1),
        ('sep_conv_3x3',0),('sep_conv_3x3',2),
        ('skip_connect', 0), ('dil_conv_5x5', 1),
        ( 'sep_conv_3x3' , 1 ) , ('sep_conv_5x5', 3),
      ],
      normal_concat = range(2, 6),
      reduce = [('sep_conv_5x5', 0), ('sep_conv_5x5', 1), ('sep_conv_5x5', 1),
                ('sep_conv_5x5', 2), ('sep_conv_3x3', 1), ('sep_conv_3x3', 3),
                ('sep_conv_5x5', 2), ('sep_conv_3x3', 4)],
      reduce_concat = range( 2 , 6 ),
  )
)";
  auto g = ParseGenotype(text);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(*g, TenasCifar10Genotype());
  EXPECT_EQ(FormatGenotype(*g), kTenasCifar10Text);

  // Other concat lists are kept as written.
  const std::string custom = absl::StrReplaceAll(
      kTenasCifar10Text,
      {{"normal_concat=[2, 3, 4, 5]", "normal_concat=[4, 5]"}});
  auto c = ParseGenotype(custom);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->normal_concat, (std::vector<int>{4, 5}));
  EXPECT_EQ(FormatGenotype(*c), custom);
}

struct MalformedCase {
  std::string text;
  std::string message;  // expected substring
  size_t position;      // expected error position
};

std::string Replace(const std::string& from, const std::string& to) {
  const std::string text(kTenasCifar10Text);
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return std::string(text).replace(at, from.size(), to);
}

size_t Find(const std::string& text, const std::string& what) {
  const size_t at = text.find(what);
  EXPECT_NE(at, std::string::npos) << what;
  return at;
}

TEST(DartsGenotypeTest, RejectsMalformedWithMessageAndPosition) {
  const std::string text(kTenasCifar10Text);
  std::vector<MalformedCase> cases;
  cases.push_back({"", "empty string", 0});
  cases.push_back({"   ", "empty string", 3});
  {
    std::string t = Replace("'dil_conv_3x3', 0", "'conv_9x9', 0");
    cases.push_back({t, "unknown op 'conv_9x9' (normal item 0, node 0",
                     Find(t, "'conv_9x9'")});
  }
  {
    // Node 1 (items 2 and 3) may only use inputs 0..2.
    std::string t = Replace("('sep_conv_3x3', 2)", "('sep_conv_3x3', 3)");
    cases.push_back({t,
                     "input 3 out of range (normal item 3, node 1 may use "
                     "inputs 0..2)",
                     Find(t, "3), ('skip")});
  }
  {
    std::string t = Replace("('dil_conv_3x3', 0)", "('dil_conv_3x3', -1)");
    cases.push_back({t, "input -1 out of range", Find(t, "-1")});
  }
  {
    // 7 items in normal.
    std::string t = Replace("('dil_conv_3x3', 0), ", "");
    cases.push_back({t, "normal has 7 items, expected exactly 8",
                     Find(t, "], normal_concat")});
  }
  {
    // 9 items in reduce.
    std::string t = Replace("('sep_conv_3x3', 4)]",
                            "('sep_conv_3x3', 4), ('skip_connect', 0)]");
    cases.push_back({t, "too many items in reduce (expected exactly 8)",
                     Find(t, "('skip_connect', 0)]")});
  }
  cases.push_back(
      {text + " junk", "unexpected trailing text", text.size() + 1});
  {
    std::string t = Replace("normal_concat=", "reduce_concat=");
    cases.push_back({t,
                     "expected 'normal_concat' (field 'normal_concat'), "
                     "found 'reduce_concat'",
                     Find(t, "reduce_concat")});
  }
  {
    std::string t =
        Replace("normal_concat=[2, 3, 4, 5]", "normal_concat=[2, 3, 4, 6]");
    cases.push_back(
        {t, "normal_concat entry 6 out of range 0..5", Find(t, "6]")});
  }
  {
    std::string t =
        Replace("reduce_concat=[2, 3, 4, 5]", "reduce_concat=range(2, 7)");
    cases.push_back(
        {t, "reduce_concat range stop 7 must be in 3..6", Find(t, "7)")});
  }
  {
    std::string t = Replace("'dil_conv_3x3', 0", "'dil_conv_3x3\", 0");
    cases.push_back({t, "unknown op", Find(t, "'dil_conv_3x3\"")});
  }
  {
    std::string t = Replace("Genotype(", "Genome(");
    cases.push_back({t, "expected 'Genotype' at the start, found 'Genome'", 0});
  }
  {
    std::string t = Replace("('sep_conv_5x5', 1), ('sep_conv_3x3', 0)",
                            "('sep_conv_5x5', 1) ('sep_conv_3x3', 0)");
    cases.push_back({t, "expected ',' or ']' after normal item 1, found '('",
                     Find(t, "('sep_conv_3x3', 0)")});
  }
  {
    std::string t = Replace("('sep_conv_5x5', 1)", "('sep_conv_5x5', x)");
    cases.push_back(
        {t, "expected an integer (input index, normal item 1", Find(t, "x)")});
  }
  cases.push_back(
      {text.substr(0, 30), "unterminated op name (normal item 0", 18});
  {
    std::string t = text.substr(0, text.find(", normal_concat"));
    cases.push_back(
        {t, "expected ',' after the normal list, found end of text", t.size()});
  }

  for (const MalformedCase& c : cases) {
    SCOPED_TRACE(c.text);
    auto g = ParseGenotype(c.text);
    ASSERT_FALSE(g.ok());
    EXPECT_EQ(g.status().code(), absl::StatusCode::kInvalidArgument);
    const std::string message(g.status().message());
    EXPECT_NE(message.find(c.message), std::string::npos) << message;
    EXPECT_NE(message.find(absl::StrCat("at position ", c.position, " ")),
              std::string::npos)
        << message;
  }
}

EdgeWeights WeightsSelecting(
    const std::array<GenotypeItem, kGenotypeItems>& items) {
  // After TE-NAS: kept edges have P = 1 on their op, removed edges have
  // uniform P = 1/8 (all alphas -1000).
  EdgeWeights w;
  for (auto& row : w) row.fill(0.125f);
  for (int i = 0; i < kGenotypeItems; ++i) {
    auto& row = w[EdgeIndex(i / 2, items[i].input)];
    row.fill(0.0f);
    row[items[i].op] = 1.0f;
  }
  return w;
}

TEST(DartsGenotypeTest, DeriveGenotypeReturnsSurvivingEdges) {
  for (const Genotype& g : {TenasCifar10Genotype(), TenasImagenetGenotype()}) {
    EXPECT_EQ(
        DeriveGenotype(WeightsSelecting(g.normal), WeightsSelecting(g.reduce)),
        g);
  }
}

TEST(DartsGenotypeTest, DeriveGenotypeSortsStablyByWeight) {
  // Uniform weights: stable order keeps the first two non-none candidates of
  // each node, i.e. (skip_connect, 0) and (sep_conv_3x3, 0), as the original
  // Python sorted() does.
  EdgeWeights w;
  for (auto& row : w) row.fill(0.125f);
  const Genotype g = DeriveGenotype(w, w);
  for (int node = 0; node < kNumSteps; ++node) {
    EXPECT_EQ(g.normal[2 * node], (GenotypeItem{kSkipConnect, 0}));
    EXPECT_EQ(g.normal[2 * node + 1], (GenotypeItem{kSepConv3x3, 0}));
  }
  // The two best (op, input) pairs of a node may share an edge.
  w[EdgeIndex(3, 4)][kMaxPool3x3] = 0.9f;
  w[EdgeIndex(3, 4)][kAvgPool3x3] = 0.8f;
  const Genotype h = DeriveGenotype(w, w);
  EXPECT_EQ(h.reduce[6], (GenotypeItem{kMaxPool3x3, 4}));
  EXPECT_EQ(h.reduce[7], (GenotypeItem{kAvgPool3x3, 4}));
}

// Scoring concatenates nodes 2..5 whatever a genotype says, so only that
// list passes; a list of millions is refused after five entries.
TEST(DartsTest, ScoredConcatIsTwoToFive) {
  EXPECT_TRUE(CheckScoredConcat({2, 3, 4, 5}).ok());
  const struct {
    std::vector<int> concat;
    const char* says;
  } bad[] = {
      {{}, "is empty"},
      {{0}, "entry 0 is 0, not an intermediate node (2..5)"},
      {{2, 3, 6}, "entry 2 is 6"},
      {{2, 2, 3}, "entry 1 repeats node 2"},
      {{2}, "only [2, 3, 4, 5] is supported"},
      {{3, 2, 4, 5}, "only [2, 3, 4, 5] is supported"},
      {{2, 3, 4, 5, 2}, "entry 4 repeats node 2"},
  };
  for (const auto& b : bad) {
    absl::Status s = CheckScoredConcat(b.concat);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << b.says;
    EXPECT_NE(s.message().find(b.says), absl::string_view::npos) << s.message();
  }
  std::vector<int> huge(6'000'000, 2);
  huge[1] = 3;
  huge[2] = 4;
  huge[3] = 5;
  absl::Status s = CheckScoredConcat(huge);
  EXPECT_NE(s.message().find("entry 4 repeats node 2"), absl::string_view::npos)
      << s.message();
}

}  // namespace
}  // namespace tenas::darts
