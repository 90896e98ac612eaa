// Copyright 2026 The tenas Authors.

#include "tenas/space/nb201.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tenas/util/error_text.h"

namespace tenas::nb201 {

int EdgeIndex(int to, int from) {
  for (int e = 0; e < kNumEdges; ++e) {
    if (kEdges[e].to == to && kEdges[e].from == from) return e;
  }
  return -1;
}

std::string EdgeKey(int edge) {
  return absl::StrCat(kEdges[edge].to, "<-", kEdges[edge].from);
}

absl::StatusOr<Op> ParseOp(absl::string_view name) {
  for (int i = 0; i < kNumOps; ++i) {
    if (kOpNames[i] == name) return static_cast<Op>(i);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown NB201 op '", ShortInput(name), "'"));
}

namespace {

absl::Status ArchError(absl::string_view text, size_t pos,
                       absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrFormat(
      "malformed NB201 architecture string: %s at position %d in '%s' "
      "(expected |op~0|+|op~0|op~1|+|op~0|op~1|op~2|)",
      what, pos, ShortInput(text)));
}

}  // namespace

absl::StatusOr<Architecture> ParseArchitecture(absl::string_view text) {
  if (text.empty()) return ArchError(text, 0, "empty string");
  Architecture arch;
  size_t pos = 0;
  for (int node = 1; node < kNumNodes; ++node) {
    if (node > 1) {
      if (pos >= text.size()) {
        return ArchError(
            text, pos, absl::StrFormat("missing node %d (string ends)", node));
      }
      if (text[pos] != '+') {
        return ArchError(
            text, pos,
            absl::StrFormat("expected '+' before node %d, got '%c'", node,
                            text[pos]));
      }
      ++pos;
    }
    if (pos >= text.size() || text[pos] != '|') {
      return ArchError(text, pos,
                       absl::StrFormat("expected '|' to open node %d", node));
    }
    ++pos;
    for (int input = 0; input < node; ++input) {
      const size_t start = pos;
      const size_t bar = text.find('|', start);
      if (bar == absl::string_view::npos) {
        return ArchError(
            text, start,
            absl::StrFormat("unterminated token for node %d input %d", node,
                            input));
      }
      const absl::string_view token = text.substr(start, bar - start);
      const size_t tilde = token.find('~');
      if (token.empty() || token == "+") {
        return ArchError(text, start,
                         absl::StrFormat("missing input %d of node %d (node %d "
                                         "needs %d inputs)",
                                         input, node, node, node));
      }
      if (tilde == absl::string_view::npos) {
        return ArchError(
            text, start,
            absl::StrFormat("token '%s' (node %d, input %d) is not "
                            "of the form op~j",
                            ShortInput(token, kMaxQuotedTokenBytes), node,
                            input));
      }
      const absl::string_view op_name = token.substr(0, tilde);
      const absl::string_view index_text = token.substr(tilde + 1);
      auto op = ParseOp(op_name);
      if (!op.ok()) {
        return ArchError(
            text, start,
            absl::StrFormat("unknown op '%s' (node %d, input %d)",
                            ShortInput(op_name, kMaxQuotedTokenBytes), node,
                            input));
      }
      const std::string expected_index = absl::StrCat(input);
      if (index_text != expected_index) {
        return ArchError(
            text, start + tilde + 1,
            absl::StrFormat("wrong input index '%s' in token '%s' (node %d "
                            "must list inputs 0..%d in order; expected ~%d)",
                            ShortInput(index_text, 8),
                            ShortInput(token, kMaxQuotedTokenBytes), node,
                            node - 1, input));
      }
      arch.ops[EdgeIndex(node, input)] = *op;
      pos = bar + 1;
    }
  }
  if (pos != text.size()) {
    return ArchError(
        text, pos,
        absl::StrFormat("unexpected trailing text '%s'",
                        ShortInput(text.substr(pos), kMaxQuotedTokenBytes)));
  }
  return arch;
}

std::string FormatArchitecture(const Architecture& arch) {
  std::string out;
  for (int node = 1; node < kNumNodes; ++node) {
    if (node > 1) out += '+';
    out += '|';
    for (int input = 0; input < node; ++input) {
      absl::StrAppend(&out, kOpNames[arch.ops[EdgeIndex(node, input)]], "~",
                      input, "|");
    }
  }
  return out;
}

Architecture ArchitectureFromOrdinal(int n) {
  Architecture arch;
  for (int e = 0; e < kNumEdges; ++e) {
    arch.ops[e] = static_cast<Op>(n % kNumOps);
    n /= kNumOps;
  }
  return arch;
}

int ArchitectureOrdinal(const Architecture& arch) {
  int n = 0;
  for (int e = kNumEdges - 1; e >= 0; --e) n = n * kNumOps + arch.ops[e];
  return n;
}

}  // namespace tenas::nb201
