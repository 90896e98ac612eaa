// Copyright 2026 The tenas Authors.

#include "tenas/space/darts.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "tenas/util/error_text.h"

namespace tenas::darts {

int EdgeIndex(int node, int input) {
  for (int e = 0; e < kNumEdges; ++e) {
    if (kEdges[e].node == node && kEdges[e].input == input) return e;
  }
  return -1;
}

std::string EdgeKey(int edge) {
  return absl::StrCat(kEdges[edge].node, "<-", kEdges[edge].input);
}

absl::StatusOr<Op> ParseOp(absl::string_view name) {
  for (int i = 0; i < kNumOps; ++i) {
    if (kOpNames[i] == name) return static_cast<Op>(i);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown DARTS op '", ShortInput(name), "'"));
}

namespace {

// Number of cell states a genotype can refer to: c_{k-2}, c_{k-1}, 4 nodes.
constexpr int kNumStates = 2 + kNumSteps;

// Recursive-descent parser of the genotype repr. Every error names the
// 0-based character position where the problem was detected.
class GenotypeParser {
 public:
  explicit GenotypeParser(absl::string_view text) : text_(text) {}

  absl::StatusOr<Genotype> Parse() {
    Genotype g;
    SkipSpace();
    if (AtEnd()) return Error(pos_, "empty string");
    if (absl::Status s = ExpectWord("Genotype", "at the start"); !s.ok()) {
      return s;
    }
    if (absl::Status s = Expect('(', "after 'Genotype'"); !s.ok()) return s;
    if (absl::Status s = Field("normal"); !s.ok()) return s;
    if (absl::Status s = Cell("normal", &g.normal); !s.ok()) return s;
    if (absl::Status s = Expect(',', "after the normal list"); !s.ok()) {
      return s;
    }
    if (absl::Status s = Field("normal_concat"); !s.ok()) return s;
    if (absl::Status s = Concat("normal_concat", &g.normal_concat); !s.ok()) {
      return s;
    }
    if (absl::Status s = Expect(',', "after normal_concat"); !s.ok()) return s;
    if (absl::Status s = Field("reduce"); !s.ok()) return s;
    if (absl::Status s = Cell("reduce", &g.reduce); !s.ok()) return s;
    if (absl::Status s = Expect(',', "after the reduce list"); !s.ok()) {
      return s;
    }
    if (absl::Status s = Field("reduce_concat"); !s.ok()) return s;
    if (absl::Status s = Concat("reduce_concat", &g.reduce_concat); !s.ok()) {
      return s;
    }
    SkipSpace();
    if (Peek() == ',') {  // trailing comma after the last field
      ++pos_;
      SkipSpace();
    }
    if (absl::Status s = Expect(')', "to close 'Genotype('"); !s.ok()) {
      return s;
    }
    SkipSpace();
    if (!AtEnd()) return Error(pos_, "unexpected trailing text");
    return g;
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }

  void SkipSpace() {
    while (!AtEnd() &&
           absl::ascii_isspace(static_cast<unsigned char>(text_[pos_]))) {
      ++pos_;
    }
  }

  absl::Status Error(size_t pos, absl::string_view what) const {
    const std::string near =
        pos >= text_.size()
            ? std::string("at end of text")
            : absl::StrCat("near '", text_.substr(pos, 24), "'");
    return absl::InvalidArgumentError(absl::StrFormat(
        "malformed DARTS genotype: %s at position %d (%s); expected "
        "Genotype(normal=[('op', j), ... 8 items], normal_concat=[2, 3, 4, 5], "
        "reduce=[... 8 items], reduce_concat=[2, 3, 4, 5])",
        what, pos, near));
  }

  std::string Found() const {
    if (AtEnd()) return "end of text";
    return absl::StrCat("'", text_.substr(pos_, 1), "'");
  }

  absl::Status Expect(char c, absl::string_view context) {
    SkipSpace();
    if (Peek() != c) {
      return Error(pos_, absl::StrFormat("expected '%c' %s, found %s", c,
                                         context, Found()));
    }
    ++pos_;
    return absl::OkStatus();
  }

  // An identifier [A-Za-z_][A-Za-z0-9_]* (possibly empty if none is there).
  absl::string_view Identifier() {
    SkipSpace();
    const size_t start = pos_;
    while (!AtEnd() &&
           (absl::ascii_isalnum(static_cast<unsigned char>(text_[pos_])) ||
            text_[pos_] == '_')) {
      ++pos_;
    }
    return text_.substr(start, pos_ - start);
  }

  absl::Status ExpectWord(absl::string_view word, absl::string_view context) {
    SkipSpace();
    const size_t start = pos_;
    const absl::string_view got = Identifier();
    if (got != word) {
      pos_ = start;
      return Error(
          start,
          absl::StrFormat(
              "expected '%s' %s, found %s", word, context,
              got.empty()
                  ? Found()
                  : absl::StrCat("'", ShortInput(got, kMaxQuotedTokenBytes),
                                 "'")));
    }
    return absl::OkStatus();
  }

  // `name =`
  absl::Status Field(absl::string_view name) {
    if (absl::Status s = ExpectWord(name, absl::StrCat("(field '", name, "')"));
        !s.ok()) {
      return s;
    }
    return Expect('=', absl::StrCat("after '", name, "'"));
  }

  // An optionally negative decimal integer of at most 9 digits.
  absl::Status Integer(absl::string_view what, int* value, size_t* at) {
    SkipSpace();
    *at = pos_;
    size_t p = pos_;
    if (p < text_.size() && text_[p] == '-') ++p;
    const size_t digits = p;
    while (p < text_.size() &&
           absl::ascii_isdigit(static_cast<unsigned char>(text_[p]))) {
      ++p;
    }
    if (p == digits || p - digits > 9) {
      return Error(pos_, absl::StrFormat("expected an integer (%s), found %s",
                                         what, Found()));
    }
    *value = std::atoi(std::string(text_.substr(pos_, p - pos_)).c_str());
    pos_ = p;
    return absl::OkStatus();
  }

  // ('op', j) for item `index` of cell `field`.
  absl::Status Item(absl::string_view field, int index, GenotypeItem* item) {
    const int node = index / 2;
    const std::string where =
        absl::StrFormat("%s item %d, node %d", field, index, node);
    if (absl::Status s = Expect('(', absl::StrCat("to open ", where));
        !s.ok()) {
      return s;
    }
    SkipSpace();
    const char quote = Peek();
    if (quote != '\'' && quote != '"') {
      return Error(pos_, absl::StrFormat("expected a quoted op name (%s), "
                                         "found %s",
                                         where, Found()));
    }
    const size_t name_pos = pos_;
    const size_t close = text_.find(quote, pos_ + 1);
    if (close == absl::string_view::npos) {
      return Error(name_pos,
                   absl::StrFormat("unterminated op name (%s)", where));
    }
    const absl::string_view name =
        text_.substr(name_pos + 1, close - name_pos - 1);
    absl::StatusOr<Op> op = ParseOp(name);
    if (!op.ok()) {
      return Error(name_pos,
                   absl::StrFormat("unknown op '%s' (%s; expected one of %s)",
                                   ShortInput(name, kMaxQuotedTokenBytes),
                                   where, absl::StrJoin(kOpNames, ", ")));
    }
    pos_ = close + 1;
    if (absl::Status s =
            Expect(',', absl::StrCat("after the op name (", where, ")"));
        !s.ok()) {
      return s;
    }
    int input = 0;
    size_t input_pos = 0;
    if (absl::Status s =
            Integer(absl::StrCat("input index, ", where), &input, &input_pos);
        !s.ok()) {
      return s;
    }
    if (input < 0 || input > node + 1) {
      return Error(input_pos,
                   absl::StrFormat("input %d out of range (%s may use inputs "
                                   "0..%d)",
                                   input, where, node + 1));
    }
    if (absl::Status s = Expect(')', absl::StrCat("to close ", where));
        !s.ok()) {
      return s;
    }
    item->op = *op;
    item->input = input;
    return absl::OkStatus();
  }

  // [item, ... 8 items]
  absl::Status Cell(absl::string_view field,
                    std::array<GenotypeItem, kGenotypeItems>* items) {
    if (absl::Status s =
            Expect('[', absl::StrCat("to open the ", field, " list"));
        !s.ok()) {
      return s;
    }
    int count = 0;
    for (;;) {
      SkipSpace();
      if (Peek() == ']') break;
      if (count == kGenotypeItems) {
        return Error(pos_, absl::StrFormat("too many items in %s (expected "
                                           "exactly %d)",
                                           field, kGenotypeItems));
      }
      if (absl::Status s = Item(field, count, &(*items)[count]); !s.ok()) {
        return s;
      }
      ++count;
      SkipSpace();
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      if (Peek() != ']') {
        return Error(pos_, absl::StrFormat("expected ',' or ']' after %s item "
                                           "%d, found %s",
                                           field, count - 1, Found()));
      }
    }
    if (count != kGenotypeItems) {
      return Error(pos_, absl::StrFormat("%s has %d items, expected exactly %d "
                                         "(2 per node)",
                                         field, count, kGenotypeItems));
    }
    ++pos_;  // ']'
    return absl::OkStatus();
  }

  // [i, j, ...] or range(a, b), each state index in 0..5.
  absl::Status Concat(absl::string_view field, std::vector<int>* concat) {
    concat->clear();
    SkipSpace();
    const size_t start = pos_;
    if (Peek() != '[') {
      if (Identifier() != "range") {
        return Error(start, absl::StrFormat("expected a list or range(a, b) "
                                            "for %s",
                                            field));
      }
      if (absl::Status s = Expect('(', "after 'range'"); !s.ok()) return s;
      int a = 0, b = 0;
      size_t a_pos = 0, b_pos = 0;
      if (absl::Status s = Integer("range start", &a, &a_pos); !s.ok()) {
        return s;
      }
      if (absl::Status s = Expect(',', "between the range bounds"); !s.ok()) {
        return s;
      }
      if (absl::Status s = Integer("range stop", &b, &b_pos); !s.ok()) {
        return s;
      }
      if (absl::Status s = Expect(')', "to close 'range('"); !s.ok()) return s;
      if (a < 0 || a >= kNumStates) {
        return Error(a_pos, absl::StrFormat("%s range start %d out of range "
                                            "0..%d",
                                            field, a, kNumStates - 1));
      }
      if (b <= a || b > kNumStates) {
        return Error(b_pos, absl::StrFormat("%s range stop %d must be in "
                                            "%d..%d",
                                            field, b, a + 1, kNumStates));
      }
      for (int i = a; i < b; ++i) concat->push_back(i);
      return absl::OkStatus();
    }
    ++pos_;  // '['
    for (;;) {
      SkipSpace();
      if (Peek() == ']') break;
      int value = 0;
      size_t at = 0;
      if (absl::Status s = Integer(absl::StrCat(field, " entry"), &value, &at);
          !s.ok()) {
        return s;
      }
      if (value < 0 || value >= kNumStates) {
        return Error(at, absl::StrFormat("%s entry %d out of range 0..%d",
                                         field, value, kNumStates - 1));
      }
      concat->push_back(value);
      SkipSpace();
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      if (Peek() != ']') {
        return Error(pos_, absl::StrFormat("expected ',' or ']' in %s, found "
                                           "%s",
                                           field, Found()));
      }
    }
    if (concat->empty()) return Error(pos_, absl::StrCat(field, " is empty"));
    ++pos_;  // ']'
    return absl::OkStatus();
  }

  absl::string_view text_;
  size_t pos_ = 0;
};

void AppendCell(std::string* out,
                const std::array<GenotypeItem, kGenotypeItems>& items) {
  out->push_back('[');
  for (int i = 0; i < kGenotypeItems; ++i) {
    if (i > 0) out->append(", ");
    absl::StrAppend(out, "('", kOpNames[items[i].op], "', ", items[i].input,
                    ")");
  }
  out->push_back(']');
}

std::array<GenotypeItem, kGenotypeItems> DeriveCell(const EdgeWeights& w) {
  std::array<GenotypeItem, kGenotypeItems> items{};
  for (int node = 0; node < kNumSteps; ++node) {
    struct Candidate {
      Op op;
      int input;
      float weight;
    };
    std::vector<Candidate> candidates;
    for (int input = 0; input < node + 2; ++input) {
      const int e = EdgeIndex(node, input);
      for (int op = 0; op < kNumOps; ++op) {
        if (op == kNone) continue;
        candidates.push_back({static_cast<Op>(op), input, w[e][op]});
      }
    }
    std::stable_sort(candidates.begin(), candidates.end(),
                     [](const Candidate& a, const Candidate& b) {
                       return -a.weight < -b.weight;
                     });
    for (int k = 0; k < 2; ++k) {
      items[2 * node + k] = {candidates[k].op, candidates[k].input};
    }
  }
  return items;
}

Genotype MustParse(absl::string_view text) {
  absl::StatusOr<Genotype> g = ParseGenotype(text);
  if (!g.ok()) std::abort();  // the built-in strings are tested
  return *g;
}

}  // namespace

absl::StatusOr<Genotype> ParseGenotype(absl::string_view text) {
  return GenotypeParser(text).Parse();
}

absl::Status CheckScoredConcat(const int* entries, size_t count) {
  if (count == 0) return absl::InvalidArgumentError("is empty");
  const size_t n = std::min<size_t>(count, kMultiplier + 1);
  bool seen[kNumStates] = {};
  for (size_t i = 0; i < n; ++i) {
    const int v = entries[i];
    if (v < 2 || v >= kNumStates) {
      return absl::InvalidArgumentError(
          absl::StrFormat("entry %d is %d, not an intermediate node (2..%d)", i,
                          v, kNumStates - 1));
    }
    if (seen[v]) {
      return absl::InvalidArgumentError(
          absl::StrFormat("entry %d repeats node %d", i, v));
    }
    seen[v] = true;
  }
  if (count != kScoredConcat.size() ||
      !std::equal(kScoredConcat.begin(), kScoredConcat.end(), entries)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "only [2, 3, 4, 5] is supported (", count,
        " entries given): the scored network concatenates all four "
        "intermediate nodes, so another list would be ignored"));
  }
  return absl::OkStatus();
}

std::string FormatGenotype(const Genotype& genotype) {
  std::string out = "Genotype(normal=";
  AppendCell(&out, genotype.normal);
  absl::StrAppend(&out, ", normal_concat=[",
                  absl::StrJoin(genotype.normal_concat, ", "), "], reduce=");
  AppendCell(&out, genotype.reduce);
  absl::StrAppend(&out, ", reduce_concat=[",
                  absl::StrJoin(genotype.reduce_concat, ", "), "])");
  return out;
}

Genotype TenasCifar10Genotype() {
  static const Genotype* const g = new Genotype(MustParse(kTenasCifar10Text));
  return *g;
}

Genotype TenasImagenetGenotype() {
  static const Genotype* const g = new Genotype(MustParse(kTenasImagenetText));
  return *g;
}

Genotype DeriveGenotype(const EdgeWeights& normal, const EdgeWeights& reduce) {
  Genotype g;
  g.normal = DeriveCell(normal);
  g.reduce = DeriveCell(reduce);
  g.normal_concat = {2, 3, 4, 5};
  g.reduce_concat = {2, 3, 4, 5};
  return g;
}

}  // namespace tenas::darts
