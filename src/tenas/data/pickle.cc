// Copyright 2026 The tenas Authors.
//
// pickle.cc: a bounded pickle virtual machine that builds a small value tree
// (arena of nodes, no recursion, no code execution) and extracts the
// Imagenet16 `data` / `labels` dict from it.

#include "tenas/data/pickle.h"

#include <cstdint>
#include <cstring>
#include <deque>
#include <limits>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "tenas/util/status_macros.h"

namespace tenas::data {
namespace {

// Bounds. Real Imagenet16 files need a stack of a few thousand entries, a few
// dozen marks, memo entries and nodes; these limits are far above that and
// far below anything that could exhaust memory.
constexpr size_t kMaxStack = size_t{1} << 21;
constexpr size_t kMaxMarks = 4096;
constexpr size_t kMaxMemo = size_t{1} << 20;
constexpr size_t kMaxNodes = size_t{1} << 20;
constexpr size_t kMaxDims = 32;
constexpr size_t kMaxDescr = 16;
constexpr size_t kMaxShownName = 80;
/// Decoded objects may use this many bytes plus twice the input size.
constexpr int64_t kBaseBudget = int64_t{64} << 20;
constexpr int kHighestProtocol = 5;

/// Kind of a stack / memo / container value. Scalars are held inline;
/// everything else lives in the node arena.
enum class ValKind : uint8_t { kNone, kBool, kInt, kBigInt, kFloat, kNode };

struct Val {
  ValKind kind = ValKind::kNone;
  /// kBool / kInt value, or the node index for kNode.
  int64_t i = 0;
  /// kFloat value.
  double f = 0.0;
};

enum class NodeKind : uint8_t {
  kStr,    // unicode text, stored as UTF-8
  kBytes,  // bytes, bytearray or Python 2 str
  kTuple,
  kList,
  kDict,  // items hold key, value, key, value, ...
  kGlobal,
  kDtype,
  kArray,
};

/// The whitelisted globals.
enum class GlobalId : uint8_t {
  kReconstruct,   // numpy.core.multiarray._reconstruct
  kNdarray,       // numpy.ndarray
  kDtype,         // numpy.dtype
  kCodecsEncode,  // _codecs.encode
  kFrombuffer,    // numpy.core.numeric._frombuffer (protocol 5)
  kBytes,         // builtins.bytes, only as bytes() (empty bytes, protocols
                  // 0-2 from Python 3)
};

struct Node {
  NodeKind kind = NodeKind::kStr;
  /// Byte offset of the opcode that created the node.
  int64_t offset = 0;
  // kStr / kBytes: `view` points into the input unless `is_owned`.
  absl::string_view view;
  std::string owned;  // also the dtype descr for kDtype
  bool is_owned = false;
  // kTuple / kList / kDict.
  std::vector<Val> items;
  // kGlobal.
  GlobalId global = GlobalId::kNdarray;
  // kDtype: kind character ('u', 'f', ...) and item size; 0 if unsupported.
  char dtype_kind = 0;
  int64_t itemsize = 0;
  // kDtype: '<', '>', '|' or '=' (from the descr or the BUILD state).
  char byteorder = '|';
  // kArray: set once the state is known (BUILD or _frombuffer).
  bool has_state = false;
  std::vector<int64_t> shape;
  int64_t dtype_node = -1;
  bool fortran = false;
  int64_t data_node = -1;

  absl::string_view text() const {
    return is_owned ? absl::string_view(owned) : view;
  }
};

/// Opcode name for messages, e.g. "GLOBAL (0x63)".
std::string OpName(uint8_t op) {
  const char* name = nullptr;
  switch (op) {
    // clang-format off
    case '(': name = "MARK"; break;
    case '.': name = "STOP"; break;
    case '0': name = "POP"; break;
    case '1': name = "POP_MARK"; break;
    case '2': name = "DUP"; break;
    case 'F': name = "FLOAT"; break;
    case 'I': name = "INT"; break;
    case 'J': name = "BININT"; break;
    case 'K': name = "BININT1"; break;
    case 'L': name = "LONG"; break;
    case 'M': name = "BININT2"; break;
    case 'N': name = "NONE"; break;
    case 'P': name = "PERSID"; break;
    case 'Q': name = "BINPERSID"; break;
    case 'R': name = "REDUCE"; break;
    case 'S': name = "STRING"; break;
    case 'T': name = "BINSTRING"; break;
    case 'U': name = "SHORT_BINSTRING"; break;
    case 'V': name = "UNICODE"; break;
    case 'X': name = "BINUNICODE"; break;
    case 'a': name = "APPEND"; break;
    case 'b': name = "BUILD"; break;
    case 'c': name = "GLOBAL"; break;
    case 'd': name = "DICT"; break;
    case '}': name = "EMPTY_DICT"; break;
    case 'e': name = "APPENDS"; break;
    case 'g': name = "GET"; break;
    case 'h': name = "BINGET"; break;
    case 'i': name = "INST"; break;
    case 'j': name = "LONG_BINGET"; break;
    case 'l': name = "LIST"; break;
    case ']': name = "EMPTY_LIST"; break;
    case 'o': name = "OBJ"; break;
    case 'p': name = "PUT"; break;
    case 'q': name = "BINPUT"; break;
    case 'r': name = "LONG_BINPUT"; break;
    case 's': name = "SETITEM"; break;
    case 't': name = "TUPLE"; break;
    case ')': name = "EMPTY_TUPLE"; break;
    case 'u': name = "SETITEMS"; break;
    case 'G': name = "BINFLOAT"; break;
    case 0x80: name = "PROTO"; break;
    case 0x81: name = "NEWOBJ"; break;
    case 0x82: name = "EXT1"; break;
    case 0x83: name = "EXT2"; break;
    case 0x84: name = "EXT4"; break;
    case 0x85: name = "TUPLE1"; break;
    case 0x86: name = "TUPLE2"; break;
    case 0x87: name = "TUPLE3"; break;
    case 0x88: name = "NEWTRUE"; break;
    case 0x89: name = "NEWFALSE"; break;
    case 0x8a: name = "LONG1"; break;
    case 0x8b: name = "LONG4"; break;
    case 'B': name = "BINBYTES"; break;
    case 'C': name = "SHORT_BINBYTES"; break;
    case 0x8c: name = "SHORT_BINUNICODE"; break;
    case 0x8d: name = "BINUNICODE8"; break;
    case 0x8e: name = "BINBYTES8"; break;
    case 0x8f: name = "EMPTY_SET"; break;
    case 0x90: name = "ADDITEMS"; break;
    case 0x91: name = "FROZENSET"; break;
    case 0x92: name = "NEWOBJ_EX"; break;
    case 0x93: name = "STACK_GLOBAL"; break;
    case 0x94: name = "MEMOIZE"; break;
    case 0x95: name = "FRAME"; break;
    case 0x96: name = "BYTEARRAY8"; break;
    case 0x97: name = "NEXT_BUFFER"; break;
    case 0x98: name = "READONLY_BUFFER"; break;
    default: break;
      // clang-format on
  }
  static constexpr char kHex[] = "0123456789abcdef";
  const std::string hex = {'0', 'x', kHex[op >> 4], kHex[op & 15]};
  if (name == nullptr) return absl::StrCat(hex, " (unknown)");
  return absl::StrCat(name, " (", hex, ")");
}

/// A name from the input, made printable and short for messages.
std::string Shown(absl::string_view s) {
  std::string out = absl::CHexEscape(s.substr(0, kMaxShownName));
  if (s.size() > kMaxShownName) out += "...";
  return out;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Parses an optionally signed decimal integer (the whole of `s`). Returns
/// false if `s` is not one; sets `*overflow` if it does not fit in int64.
bool ParseDecimal(absl::string_view s, int64_t* value, bool* overflow) {
  *overflow = false;
  bool negative = false;
  size_t p = 0;
  if (p < s.size() && (s[p] == '-' || s[p] == '+')) {
    negative = s[p] == '-';
    ++p;
  }
  if (p == s.size()) return false;
  // Accumulate as a negative number so that INT64_MIN fits.
  int64_t acc = 0;
  for (; p < s.size(); ++p) {
    if (!IsDigit(s[p])) return false;
    const int d = s[p] - '0';
    if (!*overflow) {
      if (acc < (std::numeric_limits<int64_t>::min() + d) / 10) {
        *overflow = true;
      } else {
        acc = acc * 10 - d;
      }
    }
  }
  if (!negative) {
    if (acc == std::numeric_limits<int64_t>::min()) {
      *overflow = true;
    } else {
      acc = -acc;
    }
  }
  *value = acc;
  return true;
}

/// Appends code point `cp` (< 0x110000) as UTF-8 (surrogates included, as
/// Python's "surrogatepass").
void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

/// Encodes UTF-8 text as latin-1 (Python `s.encode('latin1')`). Returns false
/// on invalid UTF-8 or a code point above 255.
bool Utf8ToLatin1(absl::string_view s, std::string* out) {
  out->clear();
  out->reserve(s.size());
  size_t p = 0;
  while (p < s.size()) {
    const uint8_t c = static_cast<uint8_t>(s[p]);
    if (c < 0x80) {
      out->push_back(static_cast<char>(c));
      ++p;
    } else if ((c & 0xE0) == 0xC0) {
      if (p + 1 >= s.size()) return false;
      const uint8_t c1 = static_cast<uint8_t>(s[p + 1]);
      if ((c1 & 0xC0) != 0x80) return false;
      const uint32_t cp = (uint32_t{c & 0x1Fu} << 6) | (c1 & 0x3Fu);
      if (cp < 0x80 || cp > 0xFF) return false;
      out->push_back(static_cast<char>(cp));
      p += 2;
    } else {
      return false;  // 3- and 4-byte sequences are all above 255.
    }
  }
  return true;
}

/// Python's raw-unicode-escape decoding (protocol 0 UNICODE), to UTF-8.
bool DecodeRawUnicodeEscape(absl::string_view s, std::string* out) {
  out->clear();
  size_t p = 0;
  while (p < s.size()) {
    const char c = s[p];
    if (c == '\\' && p + 1 < s.size() && (s[p + 1] == 'u' || s[p + 1] == 'U')) {
      const size_t digits = s[p + 1] == 'u' ? 4 : 8;
      if (s.size() - p - 2 < digits) return false;
      uint32_t cp = 0;
      for (size_t k = 0; k < digits; ++k) {
        const int h = HexValue(s[p + 2 + k]);
        if (h < 0) return false;
        cp = (cp << 4) | static_cast<uint32_t>(h);
      }
      if (cp > 0x10FFFF) return false;
      AppendUtf8(cp, out);
      p += 2 + digits;
    } else {
      AppendUtf8(static_cast<uint8_t>(c), out);
      ++p;
    }
  }
  return true;
}

/// Python's `codecs.escape_decode` (protocol 0 STRING body). Returns false on
/// a malformed escape.
bool EscapeDecode(absl::string_view s, std::string* out) {
  out->clear();
  out->reserve(s.size());
  size_t p = 0;
  while (p < s.size()) {
    const char c = s[p++];
    if (c != '\\') {
      out->push_back(c);
      continue;
    }
    if (p == s.size()) return false;  // trailing backslash
    const char e = s[p++];
    switch (e) {
      case '\n':
        break;
      case '\\':
      case '\'':
      case '"':
        out->push_back(e);
        break;
      case 'b':
        out->push_back('\b');
        break;
      case 'f':
        out->push_back('\f');
        break;
      case 't':
        out->push_back('\t');
        break;
      case 'n':
        out->push_back('\n');
        break;
      case 'r':
        out->push_back('\r');
        break;
      case 'v':
        out->push_back('\v');
        break;
      case 'a':
        out->push_back('\a');
        break;
      case 'x': {
        if (s.size() - p < 2) return false;
        const int hi = HexValue(s[p]);
        const int lo = HexValue(s[p + 1]);
        if (hi < 0 || lo < 0) return false;
        out->push_back(static_cast<char>(hi * 16 + lo));
        p += 2;
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          int v = e - '0';
          for (int k = 0; k < 2 && p < s.size() && s[p] >= '0' && s[p] <= '7';
               ++k) {
            v = v * 8 + (s[p++] - '0');
          }
          out->push_back(static_cast<char>(v & 0xFF));
        } else {
          out->push_back('\\');
          out->push_back(e);
        }
    }
  }
  return true;
}

/// Parses a numpy dtype descr such as "u1", "|u1", "<f8". Returns false if
/// unsupported (object, datetime, structured, ...).
bool ParseDescr(absl::string_view d, char* kind, int64_t* itemsize) {
  if (d.empty() || d.size() > kMaxDescr) return false;
  size_t p = 0;
  if (d[0] == '<' || d[0] == '>' || d[0] == '|' || d[0] == '=') p = 1;
  if (p >= d.size()) return false;
  const char k = d[p++];
  if (absl::string_view("biufcSUV").find(k) == absl::string_view::npos) {
    return false;
  }
  if (p >= d.size() || d.size() - p > 6) return false;
  int64_t n = 0;
  for (; p < d.size(); ++p) {
    if (!IsDigit(d[p])) return false;
    n = n * 10 + (d[p] - '0');
  }
  if (n <= 0) return false;
  *kind = k;
  *itemsize = k == 'U' ? 4 * n : n;
  return true;
}

/// The pickle machine. Run() executes the opcodes and returns the object
/// given to STOP; nodes stay owned by the machine.
class Unpickler {
 public:
  explicit Unpickler(absl::string_view in)
      : in_(in),
        budget_(kBaseBudget + 2 * static_cast<int64_t>(in.size())),
        budget_limit_(budget_) {}

  absl::StatusOr<Val> Run();

  /// Interprets `top` (the STOP value) as an Imagenet16 dict.
  absl::StatusOr<Imagenet16Batch> ExtractImagenet16(const Val& top) const;
  /// The ints of a list / tuple of ints or of a 1-D numpy integer array.
  absl::StatusOr<std::vector<int64_t>> ExtractLabels(
      const Val& labels, const std::string& where) const;

 private:
  // --- messages --------------------------------------------------------------
  absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat("pickle opcode ", OpName(op_), " at byte offset ",
                     op_offset_, ": ", what));
  }
  std::string Describe(const Val& v) const;

  // --- input -----------------------------------------------------------------
  size_t Remaining() const { return in_.size() - pos_; }
  absl::StatusOr<absl::string_view> Take(uint64_t n);
  absl::StatusOr<uint64_t> ReadLe(int bytes);
  absl::StatusOr<absl::string_view> ReadLine();

  // --- resources -------------------------------------------------------------
  absl::Status Charge(uint64_t bytes);
  absl::StatusOr<int64_t> NewNode(NodeKind kind);

  // --- stack -----------------------------------------------------------------
  size_t Base() const { return marks_.empty() ? 0 : marks_.back(); }
  absl::Status Push(const Val& v);
  absl::Status PushNode(int64_t index);
  absl::StatusOr<Val> Pop();
  absl::StatusOr<Val*> Top();
  absl::Status PopMark(std::vector<Val>* items);

  bool IsKind(const Val& v, NodeKind kind) const {
    return v.kind == ValKind::kNode && nodes_[v.i].kind == kind;
  }
  bool IsText(const Val& v) const {
    return IsKind(v, NodeKind::kStr) || IsKind(v, NodeKind::kBytes);
  }
  const Node& At(const Val& v) const { return nodes_[v.i]; }

  // --- opcodes ---------------------------------------------------------------
  absl::Status Step();
  absl::Status PushText(NodeKind kind, absl::string_view bytes);
  absl::Status PushOwnedText(NodeKind kind, std::string text);
  absl::Status PushInt(int64_t v);
  absl::Status PushLong(absl::string_view le);
  absl::Status PushContainer(NodeKind kind, std::vector<Val> items);
  absl::Status SetItems(std::vector<Val> items);
  absl::Status Appends(std::vector<Val> items);
  absl::Status Put(int64_t key);
  absl::Status Get(int64_t key);
  absl::Status Global(absl::string_view module, absl::string_view name);
  absl::Status Reduce();
  absl::Status Build();
  absl::Status SetArray(int64_t array, const Val& shape, const Val& dtype,
                        bool fortran, const Val& data);

  absl::string_view in_;
  size_t pos_ = 0;
  uint8_t op_ = 0;
  size_t op_offset_ = 0;
  int64_t budget_;
  const int64_t budget_limit_;
  std::vector<Val> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<int64_t, Val> memo_;
  std::deque<Node> nodes_;  // deque: references stay valid on push_back
};

std::string Unpickler::Describe(const Val& v) const {
  switch (v.kind) {
    case ValKind::kNone:
      return "None";
    case ValKind::kBool:
      return "bool";
    case ValKind::kInt:
      return absl::StrCat("int ", v.i);
    case ValKind::kBigInt:
      return "int (beyond 64 bits)";
    case ValKind::kFloat:
      return "float";
    case ValKind::kNode:
      break;
  }
  const Node& n = At(v);
  switch (n.kind) {
    case NodeKind::kStr:
      return absl::StrCat("str '", Shown(n.text()), "'");
    case NodeKind::kBytes:
      return absl::StrCat("bytes of length ", n.text().size());
    case NodeKind::kTuple:
      return absl::StrCat("tuple of ", n.items.size());
    case NodeKind::kList:
      return absl::StrCat("list of ", n.items.size());
    case NodeKind::kDict:
      return absl::StrCat("dict of ", n.items.size() / 2);
    case NodeKind::kGlobal:
      return "whitelisted global";
    case NodeKind::kDtype:
      return absl::StrCat("numpy dtype '", Shown(n.owned), "'");
    case NodeKind::kArray:
      return "numpy array";
  }
  return "object";
}

absl::StatusOr<absl::string_view> Unpickler::Take(uint64_t n) {
  if (n > Remaining()) {
    return Error(absl::StrCat("truncated input: needs ", n,
                              " more bytes but only ", Remaining(), " remain"));
  }
  const absl::string_view out = in_.substr(pos_, static_cast<size_t>(n));
  pos_ += static_cast<size_t>(n);
  return out;
}

absl::StatusOr<uint64_t> Unpickler::ReadLe(int bytes) {
  TENAS_ASSIGN_OR_RETURN(absl::string_view b, Take(bytes));
  uint64_t v = 0;
  for (int k = bytes - 1; k >= 0; --k) {
    v = (v << 8) | static_cast<uint8_t>(b[k]);
  }
  return v;
}

absl::StatusOr<absl::string_view> Unpickler::ReadLine() {
  const size_t nl = in_.find('\n', pos_);
  if (nl == absl::string_view::npos) {
    return Error(absl::StrCat("truncated input: no end of line in the last ",
                              Remaining(), " bytes"));
  }
  const absl::string_view line = in_.substr(pos_, nl - pos_);
  pos_ = nl + 1;
  return line;
}

absl::Status Unpickler::Charge(uint64_t bytes) {
  if (bytes > static_cast<uint64_t>(budget_)) {
    return Error(absl::StrCat(
        "decoded objects exceed the allocation budget of ", budget_limit_,
        " bytes for an input of ", in_.size(), " bytes"));
  }
  budget_ -= static_cast<int64_t>(bytes);
  return absl::OkStatus();
}

absl::StatusOr<int64_t> Unpickler::NewNode(NodeKind kind) {
  if (nodes_.size() >= kMaxNodes) {
    return Error(absl::StrCat("more than ", kMaxNodes, " objects"));
  }
  TENAS_RETURN_IF_ERROR(Charge(sizeof(Node)));
  nodes_.emplace_back();
  nodes_.back().kind = kind;
  nodes_.back().offset = static_cast<int64_t>(op_offset_);
  return static_cast<int64_t>(nodes_.size() - 1);
}

absl::Status Unpickler::Push(const Val& v) {
  if (stack_.size() >= kMaxStack) {
    return Error(absl::StrCat("stack deeper than ", kMaxStack, " entries"));
  }
  stack_.push_back(v);
  return absl::OkStatus();
}

absl::Status Unpickler::PushNode(int64_t index) {
  Val v;
  v.kind = ValKind::kNode;
  v.i = index;
  return Push(v);
}

absl::StatusOr<Val> Unpickler::Pop() {
  if (stack_.size() <= Base()) return Error("stack underflow");
  const Val v = stack_.back();
  stack_.pop_back();
  return v;
}

absl::StatusOr<Val*> Unpickler::Top() {
  if (stack_.size() <= Base()) return Error("stack underflow");
  return &stack_.back();
}

absl::Status Unpickler::PopMark(std::vector<Val>* items) {
  if (marks_.empty()) return Error("no MARK on the stack");
  const size_t base = marks_.back();
  marks_.pop_back();
  items->assign(stack_.begin() + static_cast<std::ptrdiff_t>(base),
                stack_.end());
  stack_.resize(base);
  return absl::OkStatus();
}

absl::Status Unpickler::PushText(NodeKind kind, absl::string_view bytes) {
  TENAS_ASSIGN_OR_RETURN(int64_t index, NewNode(kind));
  nodes_[index].view = bytes;
  return PushNode(index);
}

absl::Status Unpickler::PushOwnedText(NodeKind kind, std::string text) {
  TENAS_ASSIGN_OR_RETURN(int64_t index, NewNode(kind));
  nodes_[index].owned = std::move(text);
  nodes_[index].is_owned = true;
  return PushNode(index);
}

absl::Status Unpickler::PushInt(int64_t v) {
  Val val;
  val.kind = ValKind::kInt;
  val.i = v;
  return Push(val);
}

absl::Status Unpickler::PushLong(absl::string_view le) {
  // Little-endian two's complement of any length.
  Val val;
  val.kind = ValKind::kInt;
  if (le.empty()) return Push(val);
  const size_t n = le.size();
  const bool negative = (static_cast<uint8_t>(le[n - 1]) & 0x80) != 0;
  const uint8_t fill = negative ? 0xFF : 0x00;
  if (n > 8) {
    for (size_t k = 8; k < n; ++k) {
      if (static_cast<uint8_t>(le[k]) != fill) {
        val.kind = ValKind::kBigInt;
        return Push(val);
      }
    }
    if (((static_cast<uint8_t>(le[7]) & 0x80) != 0) != negative) {
      val.kind = ValKind::kBigInt;
      return Push(val);
    }
  }
  uint64_t u = negative ? ~uint64_t{0} : 0;
  const size_t used = n < 8 ? n : 8;
  for (size_t k = 0; k < used; ++k) {
    u &= ~(uint64_t{0xFF} << (8 * k));
    u |= uint64_t{static_cast<uint8_t>(le[k])} << (8 * k);
  }
  val.i = static_cast<int64_t>(u);
  return Push(val);
}

absl::Status Unpickler::PushContainer(NodeKind kind, std::vector<Val> items) {
  TENAS_RETURN_IF_ERROR(Charge(items.size() * sizeof(Val)));
  TENAS_ASSIGN_OR_RETURN(int64_t index, NewNode(kind));
  nodes_[index].items = std::move(items);
  return PushNode(index);
}

absl::Status Unpickler::SetItems(std::vector<Val> items) {
  if (items.size() % 2 != 0) {
    return Error("odd number of items for a dict (a key without a value)");
  }
  TENAS_ASSIGN_OR_RETURN(Val * target, Top());
  if (!IsKind(*target, NodeKind::kDict)) {
    return Error(absl::StrCat("target is ", Describe(*target), ", not a dict"));
  }
  TENAS_RETURN_IF_ERROR(Charge(items.size() * sizeof(Val)));
  std::vector<Val>& dst = nodes_[target->i].items;
  dst.insert(dst.end(), items.begin(), items.end());
  return absl::OkStatus();
}

absl::Status Unpickler::Appends(std::vector<Val> items) {
  TENAS_ASSIGN_OR_RETURN(Val * target, Top());
  if (!IsKind(*target, NodeKind::kList)) {
    return Error(absl::StrCat("target is ", Describe(*target), ", not a list"));
  }
  TENAS_RETURN_IF_ERROR(Charge(items.size() * sizeof(Val)));
  std::vector<Val>& dst = nodes_[target->i].items;
  dst.insert(dst.end(), items.begin(), items.end());
  return absl::OkStatus();
}

absl::Status Unpickler::Put(int64_t key) {
  if (key < 0) return Error(absl::StrCat("negative memo key ", key));
  TENAS_ASSIGN_OR_RETURN(Val * top, Top());
  const Val v = *top;
  auto it = memo_.find(key);
  if (it != memo_.end()) {
    it->second = v;
    return absl::OkStatus();
  }
  if (memo_.size() >= kMaxMemo) {
    return Error(absl::StrCat("memo larger than ", kMaxMemo, " entries"));
  }
  TENAS_RETURN_IF_ERROR(Charge(64));
  memo_.emplace(key, v);
  return absl::OkStatus();
}

absl::Status Unpickler::Get(int64_t key) {
  auto it = memo_.find(key);
  if (it == memo_.end()) {
    return Error(absl::StrCat("memo key ", key, " was never stored"));
  }
  return Push(it->second);
}

absl::Status Unpickler::Global(absl::string_view module,
                               absl::string_view name) {
  struct Allowed {
    const char* module;
    const char* name;
    GlobalId id;
  };
  static constexpr Allowed kAllowed[] = {
      {"numpy.core.multiarray", "_reconstruct", GlobalId::kReconstruct},
      {"numpy._core.multiarray", "_reconstruct", GlobalId::kReconstruct},
      {"numpy", "ndarray", GlobalId::kNdarray},
      {"numpy", "dtype", GlobalId::kDtype},
      {"_codecs", "encode", GlobalId::kCodecsEncode},
      {"numpy.core.numeric", "_frombuffer", GlobalId::kFrombuffer},
      {"numpy._core.numeric", "_frombuffer", GlobalId::kFrombuffer},
      {"__builtin__", "bytes", GlobalId::kBytes},
      {"builtins", "bytes", GlobalId::kBytes},
  };
  for (const Allowed& a : kAllowed) {
    if (module == a.module && name == a.name) {
      TENAS_ASSIGN_OR_RETURN(int64_t index, NewNode(NodeKind::kGlobal));
      nodes_[index].global = a.id;
      return PushNode(index);
    }
  }
  return Error(absl::StrCat(
      "global '", Shown(module), ".", Shown(name),
      "' is not allowed (only numpy array reconstruction globals are "
      "accepted; pickled code is never executed)"));
}

absl::Status Unpickler::SetArray(int64_t array, const Val& shape,
                                 const Val& dtype, bool fortran,
                                 const Val& data) {
  if (!IsKind(shape, NodeKind::kTuple)) {
    return Error(
        absl::StrCat("ndarray shape is ", Describe(shape), ", not a tuple"));
  }
  const std::vector<Val>& dims = At(shape).items;
  if (dims.size() > kMaxDims) {
    return Error(absl::StrCat("ndarray has ", dims.size(),
                              " dimensions (at most ", kMaxDims, ")"));
  }
  std::vector<int64_t> extents;
  int64_t count = 1;
  for (const Val& d : dims) {
    if (d.kind != ValKind::kInt || d.i < 0) {
      return Error(absl::StrCat("ndarray dimension is ", Describe(d),
                                ", not a non-negative int"));
    }
    if (d.i != 0 && count > std::numeric_limits<int64_t>::max() / d.i) {
      return Error("ndarray shape overflows 64 bits");
    }
    count *= d.i;
    extents.push_back(d.i);
  }
  if (!IsKind(dtype, NodeKind::kDtype)) {
    return Error(
        absl::StrCat("ndarray dtype is ", Describe(dtype), ", not a dtype"));
  }
  const Node& dt = At(dtype);
  if (dt.itemsize <= 0) {
    return Error(absl::StrCat("unsupported numpy dtype '", Shown(dt.owned),
                              "' (only plain numeric dtypes are read)"));
  }
  if (count > std::numeric_limits<int64_t>::max() / dt.itemsize) {
    return Error("ndarray size overflows 64 bits");
  }
  if (!IsKind(data, NodeKind::kBytes)) {
    return Error(absl::StrCat("ndarray data is ", Describe(data),
                              ", not a byte string (object arrays are not "
                              "supported)"));
  }
  const int64_t expected = count * dt.itemsize;
  const int64_t got = static_cast<int64_t>(At(data).text().size());
  if (got != expected) {
    return Error(absl::StrCat("ndarray data has ", got,
                              " bytes but shape x itemsize needs ", expected));
  }
  TENAS_RETURN_IF_ERROR(Charge(extents.size() * sizeof(int64_t)));
  Node& a = nodes_[array];
  a.shape = std::move(extents);
  a.dtype_node = dtype.i;
  a.fortran = fortran;
  a.data_node = data.i;
  a.has_state = true;
  return absl::OkStatus();
}

absl::Status Unpickler::Reduce() {
  TENAS_ASSIGN_OR_RETURN(const Val args, Pop());
  TENAS_ASSIGN_OR_RETURN(const Val callable, Pop());
  if (!IsKind(callable, NodeKind::kGlobal)) {
    return Error(absl::StrCat("cannot call ", Describe(callable)));
  }
  if (!IsKind(args, NodeKind::kTuple)) {
    return Error(
        absl::StrCat("call arguments are ", Describe(args), ", not a tuple"));
  }
  const std::vector<Val>& a = At(args).items;
  switch (At(callable).global) {
    case GlobalId::kReconstruct: {
      // _reconstruct(ndarray, shape, typecode): an empty array that a later
      // BUILD fills in.
      if (a.size() != 3 || !IsKind(a[0], NodeKind::kGlobal) ||
          At(a[0]).global != GlobalId::kNdarray ||
          !IsKind(a[1], NodeKind::kTuple) || !IsText(a[2])) {
        return Error(
            "_reconstruct expects (numpy.ndarray, shape tuple, typecode)");
      }
      TENAS_ASSIGN_OR_RETURN(int64_t index, NewNode(NodeKind::kArray));
      return PushNode(index);
    }
    case GlobalId::kDtype: {
      // dtype(descr, align, copy).
      if (a.empty() || a.size() > 3 || !IsText(a[0])) {
        return Error("numpy.dtype expects (descr string, align, copy)");
      }
      const absl::string_view descr = At(a[0]).text();
      if (descr.size() > kMaxDescr) {
        return Error(
            absl::StrCat("numpy dtype descr '", Shown(descr), "' is too long"));
      }
      TENAS_ASSIGN_OR_RETURN(int64_t index, NewNode(NodeKind::kDtype));
      Node& n = nodes_[index];
      n.owned = std::string(descr);
      if (!ParseDescr(descr, &n.dtype_kind, &n.itemsize)) {
        n.dtype_kind = 0;
        n.itemsize = 0;
      }
      if (!descr.empty() &&
          absl::string_view("<>|=").find(descr[0]) != absl::string_view::npos) {
        n.byteorder = descr[0];
      }
      return PushNode(index);
    }
    case GlobalId::kCodecsEncode: {
      // _codecs.encode(text, 'latin1'): how Python 3 writes bytes at
      // protocols 0-2.
      if (a.size() != 2 || !IsKind(a[0], NodeKind::kStr) ||
          !IsKind(a[1], NodeKind::kStr)) {
        return Error("_codecs.encode expects (str, encoding str)");
      }
      const absl::string_view encoding = At(a[1]).text();
      if (encoding != "latin1" && encoding != "latin-1" &&
          encoding != "iso-8859-1" && encoding != "iso8859-1") {
        return Error(absl::StrCat("_codecs.encode with encoding '",
                                  Shown(encoding),
                                  "' is not supported (only latin1)"));
      }
      const absl::string_view text = At(a[0]).text();
      TENAS_RETURN_IF_ERROR(Charge(text.size()));
      std::string bytes;
      if (!Utf8ToLatin1(text, &bytes)) {
        return Error("_codecs.encode: text is not latin-1 encodable");
      }
      return PushOwnedText(NodeKind::kBytes, std::move(bytes));
    }
    case GlobalId::kFrombuffer: {
      // _frombuffer(buffer, dtype, shape, order): protocol 5 arrays.
      if (a.size() != 4 || !IsKind(a[3], NodeKind::kStr)) {
        return Error("_frombuffer expects (buffer, dtype, shape, order)");
      }
      const absl::string_view order = At(a[3]).text();
      if (order != "C" && order != "F") {
        return Error(absl::StrCat("_frombuffer order '", Shown(order),
                                  "' is not 'C' or 'F'"));
      }
      TENAS_ASSIGN_OR_RETURN(int64_t index, NewNode(NodeKind::kArray));
      TENAS_RETURN_IF_ERROR(SetArray(index, a[2], a[1], order == "F", a[0]));
      return PushNode(index);
    }
    case GlobalId::kBytes:
      // bytes(): how Python 3 writes b'' at protocols 0-2.
      if (!a.empty())
        return Error("bytes() is only accepted without arguments");
      return PushText(NodeKind::kBytes, absl::string_view());
    case GlobalId::kNdarray:
      break;
  }
  return Error("calling numpy.ndarray directly is not supported");
}

absl::Status Unpickler::Build() {
  TENAS_ASSIGN_OR_RETURN(const Val state, Pop());
  TENAS_ASSIGN_OR_RETURN(Val * target_ptr, Top());
  const Val target = *target_ptr;
  if (IsKind(target, NodeKind::kDtype)) {
    // dtype state: (version, byteorder, subarray, names, fields, elsize,
    // alignment, flags[, metadata]). Only the byte order is used.
    if (!IsKind(state, NodeKind::kTuple)) {
      return Error(
          absl::StrCat("dtype state is ", Describe(state), ", not a tuple"));
    }
    const std::vector<Val>& s = At(state).items;
    if (s.size() >= 2 && IsText(s[1])) {
      const absl::string_view order = At(s[1]).text();
      if (order.size() != 1 ||
          absl::string_view("<>|=").find(order[0]) == absl::string_view::npos) {
        return Error(absl::StrCat("dtype byte order '", Shown(order),
                                  "' is not one of < > | ="));
      }
      nodes_[target.i].byteorder = order[0];
    }
    return absl::OkStatus();
  }
  if (!IsKind(target, NodeKind::kArray)) {
    return Error(absl::StrCat("BUILD on ", Describe(target),
                              " is not supported (only numpy arrays and "
                              "dtypes)"));
  }
  // ndarray state: ([version,] shape, dtype, is_fortran, data).
  if (!IsKind(state, NodeKind::kTuple)) {
    return Error(
        absl::StrCat("ndarray state is ", Describe(state), ", not a tuple"));
  }
  const std::vector<Val>& s = At(state).items;
  size_t first = 0;
  if (s.size() == 5) {
    if (s[0].kind != ValKind::kInt) {
      return Error("ndarray state version is not an int");
    }
    first = 1;
  } else if (s.size() != 4) {
    return Error(absl::StrCat("ndarray state has ", s.size(),
                              " items (expected 4 or 5)"));
  }
  const Val& fortran = s[first + 2];
  if (fortran.kind != ValKind::kBool && fortran.kind != ValKind::kInt) {
    return Error("ndarray is_fortran flag is not a bool");
  }
  return SetArray(target.i, s[first], s[first + 1], fortran.i != 0,
                  s[first + 3]);
}

absl::Status Unpickler::Step() {
  switch (op_) {
    case 0x80: {  // PROTO
      TENAS_ASSIGN_OR_RETURN(uint64_t v, ReadLe(1));
      if (v > kHighestProtocol) {
        return Error(absl::StrCat("unsupported pickle protocol ", v));
      }
      return absl::OkStatus();
    }
    case 0x95: {  // FRAME: framing is only a hint; check its length.
      TENAS_ASSIGN_OR_RETURN(uint64_t n, ReadLe(8));
      if (n > Remaining()) {
        return Error(absl::StrCat("frame of ", n, " bytes but only ",
                                  Remaining(), " remain"));
      }
      return absl::OkStatus();
    }
    case '(':  // MARK
      if (marks_.size() >= kMaxMarks) {
        return Error(absl::StrCat("more than ", kMaxMarks, " nested MARKs"));
      }
      marks_.push_back(stack_.size());
      return absl::OkStatus();
    case '0':  // POP
      if (stack_.size() > Base()) {
        stack_.pop_back();
        return absl::OkStatus();
      } else {
        std::vector<Val> discard;
        return PopMark(&discard);
      }
    case '1': {  // POP_MARK
      std::vector<Val> discard;
      return PopMark(&discard);
    }
    case '2': {  // DUP
      TENAS_ASSIGN_OR_RETURN(Val * top, Top());
      const Val v = *top;
      return Push(v);
    }
    case '}':
      return PushContainer(NodeKind::kDict, {});
    case ']':
      return PushContainer(NodeKind::kList, {});
    case ')':
      return PushContainer(NodeKind::kTuple, {});
    case 'd':
    case 'l':
    case 't': {  // DICT, LIST, TUPLE
      std::vector<Val> items;
      TENAS_RETURN_IF_ERROR(PopMark(&items));
      if (op_ == 'd' && items.size() % 2 != 0) {
        return Error("odd number of items for a dict (a key without a value)");
      }
      const NodeKind kind = op_ == 'd'   ? NodeKind::kDict
                            : op_ == 'l' ? NodeKind::kList
                                         : NodeKind::kTuple;
      return PushContainer(kind, std::move(items));
    }
    case 0x85:
    case 0x86:
    case 0x87: {  // TUPLE1..3
      const size_t n = op_ - 0x84;
      if (stack_.size() - Base() < n) return Error("stack underflow");
      std::vector<Val> items(stack_.end() - static_cast<std::ptrdiff_t>(n),
                             stack_.end());
      stack_.resize(stack_.size() - n);
      return PushContainer(NodeKind::kTuple, std::move(items));
    }
    case 's': {  // SETITEM
      TENAS_ASSIGN_OR_RETURN(const Val value, Pop());
      TENAS_ASSIGN_OR_RETURN(const Val key, Pop());
      return SetItems({key, value});
    }
    case 'u': {  // SETITEMS
      std::vector<Val> items;
      TENAS_RETURN_IF_ERROR(PopMark(&items));
      return SetItems(std::move(items));
    }
    case 'a': {  // APPEND
      TENAS_ASSIGN_OR_RETURN(const Val value, Pop());
      return Appends({value});
    }
    case 'e': {  // APPENDS
      std::vector<Val> items;
      TENAS_RETURN_IF_ERROR(PopMark(&items));
      return Appends(std::move(items));
    }
    case 'N':
      return Push(Val());
    case 0x88:
    case 0x89: {  // NEWTRUE, NEWFALSE
      Val v;
      v.kind = ValKind::kBool;
      v.i = op_ == 0x88 ? 1 : 0;
      return Push(v);
    }
    case 'J': {  // BININT
      TENAS_ASSIGN_OR_RETURN(uint64_t v, ReadLe(4));
      return PushInt(static_cast<int32_t>(static_cast<uint32_t>(v)));
    }
    case 'K': {  // BININT1
      TENAS_ASSIGN_OR_RETURN(uint64_t v, ReadLe(1));
      return PushInt(static_cast<int64_t>(v));
    }
    case 'M': {  // BININT2
      TENAS_ASSIGN_OR_RETURN(uint64_t v, ReadLe(2));
      return PushInt(static_cast<int64_t>(v));
    }
    case 0x8a: {  // LONG1
      TENAS_ASSIGN_OR_RETURN(uint64_t n, ReadLe(1));
      TENAS_ASSIGN_OR_RETURN(absl::string_view b, Take(n));
      return PushLong(b);
    }
    case 0x8b: {  // LONG4
      TENAS_ASSIGN_OR_RETURN(uint64_t n, ReadLe(4));
      if (static_cast<int32_t>(static_cast<uint32_t>(n)) < 0) {
        return Error("negative LONG4 byte count");
      }
      TENAS_ASSIGN_OR_RETURN(absl::string_view b, Take(n));
      return PushLong(b);
    }
    case 'I':
    case 'L': {  // INT, LONG (text)
      TENAS_ASSIGN_OR_RETURN(absl::string_view line, ReadLine());
      if (op_ == 'I' && (line == "00" || line == "01")) {
        Val v;
        v.kind = ValKind::kBool;
        v.i = line == "01" ? 1 : 0;
        return Push(v);
      }
      if (op_ == 'L' && !line.empty() && line.back() == 'L') {
        line.remove_suffix(1);
      }
      int64_t value = 0;
      bool overflow = false;
      if (!ParseDecimal(line, &value, &overflow)) {
        return Error(absl::StrCat("malformed integer '", Shown(line), "'"));
      }
      if (overflow) {
        Val v;
        v.kind = ValKind::kBigInt;
        return Push(v);
      }
      return PushInt(value);
    }
    case 'F': {  // FLOAT (text)
      TENAS_ASSIGN_OR_RETURN(absl::string_view line, ReadLine());
      Val v;
      v.kind = ValKind::kFloat;
      if (line.size() > 64 || !absl::SimpleAtod(line, &v.f)) {
        return Error(absl::StrCat("malformed float '", Shown(line), "'"));
      }
      return Push(v);
    }
    case 'G': {  // BINFLOAT (big-endian IEEE 754 double)
      TENAS_ASSIGN_OR_RETURN(absl::string_view b, Take(8));
      uint64_t bits = 0;
      for (int k = 0; k < 8; ++k)
        bits = (bits << 8) | static_cast<uint8_t>(b[k]);
      Val v;
      v.kind = ValKind::kFloat;
      std::memcpy(&v.f, &bits, sizeof(bits));
      return Push(v);
    }
    case 'X':
    case 0x8c:
    case 0x8d: {  // BINUNICODE, SHORT_BINUNICODE, BINUNICODE8
      const int width = op_ == 'X' ? 4 : op_ == 0x8c ? 1 : 8;
      TENAS_ASSIGN_OR_RETURN(uint64_t n, ReadLe(width));
      TENAS_ASSIGN_OR_RETURN(absl::string_view b, Take(n));
      return PushText(NodeKind::kStr, b);
    }
    case 'T': {  // BINSTRING (Python 2 str; signed length)
      TENAS_ASSIGN_OR_RETURN(uint64_t n, ReadLe(4));
      if (static_cast<int32_t>(static_cast<uint32_t>(n)) < 0) {
        return Error("negative BINSTRING length");
      }
      TENAS_ASSIGN_OR_RETURN(absl::string_view b, Take(n));
      return PushText(NodeKind::kBytes, b);
    }
    case 'U':
    case 'C':
    case 'B':
    case 0x8e:
    case 0x96: {  // SHORT_BINSTRING, SHORT_BINBYTES, BINBYTES, BINBYTES8,
                  // BYTEARRAY8
      const int width = (op_ == 'U' || op_ == 'C') ? 1 : op_ == 'B' ? 4 : 8;
      TENAS_ASSIGN_OR_RETURN(uint64_t n, ReadLe(width));
      TENAS_ASSIGN_OR_RETURN(absl::string_view b, Take(n));
      return PushText(NodeKind::kBytes, b);
    }
    case 'S': {  // STRING: a quoted, backslash-escaped Python 2 str literal
      TENAS_ASSIGN_OR_RETURN(absl::string_view line, ReadLine());
      if (line.size() < 2 || (line[0] != '\'' && line[0] != '"') ||
          line.back() != line[0]) {
        return Error("STRING argument is not a quoted string");
      }
      TENAS_RETURN_IF_ERROR(Charge(line.size()));
      std::string decoded;
      if (!EscapeDecode(line.substr(1, line.size() - 2), &decoded)) {
        return Error("STRING argument has a malformed escape");
      }
      return PushOwnedText(NodeKind::kBytes, std::move(decoded));
    }
    case 'V': {  // UNICODE: raw-unicode-escape text
      TENAS_ASSIGN_OR_RETURN(absl::string_view line, ReadLine());
      TENAS_RETURN_IF_ERROR(Charge(2 * line.size()));
      std::string decoded;
      if (!DecodeRawUnicodeEscape(line, &decoded)) {
        return Error("UNICODE argument has a malformed \\u escape");
      }
      return PushOwnedText(NodeKind::kStr, std::move(decoded));
    }
    case 'p':
    case 'g': {  // PUT, GET (text index)
      TENAS_ASSIGN_OR_RETURN(absl::string_view line, ReadLine());
      int64_t key = 0;
      bool overflow = false;
      if (!ParseDecimal(line, &key, &overflow) || overflow) {
        return Error(absl::StrCat("malformed memo key '", Shown(line), "'"));
      }
      return op_ == 'p' ? Put(key) : Get(key);
    }
    case 'q':
    case 'r': {  // BINPUT, LONG_BINPUT
      TENAS_ASSIGN_OR_RETURN(uint64_t key, ReadLe(op_ == 'q' ? 1 : 4));
      return Put(static_cast<int64_t>(key));
    }
    case 'h':
    case 'j': {  // BINGET, LONG_BINGET
      TENAS_ASSIGN_OR_RETURN(uint64_t key, ReadLe(op_ == 'h' ? 1 : 4));
      return Get(static_cast<int64_t>(key));
    }
    case 0x94:  // MEMOIZE
      return Put(static_cast<int64_t>(memo_.size()));
    case 'c': {  // GLOBAL
      TENAS_ASSIGN_OR_RETURN(absl::string_view module, ReadLine());
      TENAS_ASSIGN_OR_RETURN(absl::string_view name, ReadLine());
      return Global(module, name);
    }
    case 0x93: {  // STACK_GLOBAL
      TENAS_ASSIGN_OR_RETURN(const Val name, Pop());
      TENAS_ASSIGN_OR_RETURN(const Val module, Pop());
      if (!IsKind(name, NodeKind::kStr) || !IsKind(module, NodeKind::kStr)) {
        return Error("STACK_GLOBAL requires str module and name");
      }
      return Global(At(module).text(), At(name).text());
    }
    case 'R':
      return Reduce();
    case 'b':
      return Build();
    case 'i':
    case 'o':
    case 0x81:
    case 0x92:
    case 0x82:
    case 0x83:
    case 0x84:
    case 'P':
    case 'Q':
      return Error(
          "forbidden opcode (it would create arbitrary objects or run code; "
          "this reader never executes pickled code)");
    default:
      break;
  }
  return Error("unsupported opcode for an Imagenet16 pickle");
}

absl::StatusOr<Val> Unpickler::Run() {
  if (in_.empty()) return absl::InvalidArgumentError("empty pickle (0 bytes)");
  while (pos_ < in_.size()) {
    op_offset_ = pos_;
    op_ = static_cast<uint8_t>(in_[pos_++]);
    if (op_ == '.') return Pop();  // STOP
    TENAS_RETURN_IF_ERROR(Step());
  }
  return absl::InvalidArgumentError(
      absl::StrCat("truncated pickle: no STOP opcode in ", in_.size(),
                   " bytes (ended at byte offset ", in_.size(), ")"));
}

absl::StatusOr<std::vector<int64_t>> Unpickler::ExtractLabels(
    const Val& labels, const std::string& where) const {
  std::vector<int64_t> out;
  if (IsKind(labels, NodeKind::kList) || IsKind(labels, NodeKind::kTuple)) {
    const std::vector<Val>& items = At(labels).items;
    out.reserve(items.size());
    for (size_t k = 0; k < items.size(); ++k) {
      if (items[k].kind != ValKind::kInt) {
        return absl::InvalidArgumentError(
            absl::StrCat("pickle 'labels'[", k, "] is ", Describe(items[k]),
                         ", not an int", where));
      }
      out.push_back(items[k].i);
    }
    return out;
  }
  if (IsKind(labels, NodeKind::kArray) && At(labels).has_state) {
    const Node& array = At(labels);
    const Node& dtype = nodes_[array.dtype_node];
    const int64_t size = dtype.itemsize;
    if (array.shape.size() != 1 ||
        (dtype.dtype_kind != 'i' && dtype.dtype_kind != 'u') ||
        (size != 1 && size != 2 && size != 4 && size != 8) ||
        (dtype.byteorder == '>' && size != 1)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "pickle 'labels' is a numpy array of dtype '", Shown(dtype.owned),
          "' (byte order ", std::string(1, dtype.byteorder), ") with ",
          array.shape.size(),
          " dimensions; expected a list or a 1-D little-endian integer array",
          where));
    }
    const absl::string_view bytes = nodes_[array.data_node].text();
    const size_t n = bytes.size() / static_cast<size_t>(size);
    out.reserve(n);
    for (size_t k = 0; k < n; ++k) {
      uint64_t u = 0;
      for (int64_t b = size - 1; b >= 0; --b) {
        u = (u << 8) |
            static_cast<uint8_t>(
                bytes[k * static_cast<size_t>(size) + static_cast<size_t>(b)]);
      }
      int64_t v = static_cast<int64_t>(u);
      if (dtype.dtype_kind == 'i' && size < 8) {
        const int shift = static_cast<int>(64 - 8 * size);
        v = static_cast<int64_t>(u << shift) >> shift;  // sign-extend
      } else if (dtype.dtype_kind == 'u' && size == 8 && v < 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "pickle 'labels'[", k, "] does not fit in 64 bits", where));
      }
      out.push_back(v);
    }
    return out;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "pickle 'labels' is ", Describe(labels), ", not a list of ints", where));
}

absl::StatusOr<Imagenet16Batch> Unpickler::ExtractImagenet16(
    const Val& top) const {
  const std::string where =
      absl::StrCat(" (STOP at byte offset ", op_offset_, ")");
  if (!IsKind(top, NodeKind::kDict)) {
    return absl::InvalidArgumentError(
        absl::StrCat("pickle top-level object is ", Describe(top),
                     ", expected a dict with 'data' and 'labels'", where));
  }
  const std::vector<Val>& items = At(top).items;
  const Val* data = nullptr;
  const Val* labels = nullptr;
  for (size_t k = 0; k + 1 < items.size(); k += 2) {
    if (!IsText(items[k])) continue;
    const absl::string_view key = At(items[k]).text();
    if (key == "data") data = &items[k + 1];
    if (key == "labels") labels = &items[k + 1];
  }
  if (data == nullptr || labels == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("pickle dict lacks key '",
                     data == nullptr ? "data" : "labels", "'", where));
  }
  if (!IsKind(*data, NodeKind::kArray) || !At(*data).has_state) {
    return absl::InvalidArgumentError(absl::StrCat(
        "pickle 'data' is ", Describe(*data), ", not a numpy array", where));
  }
  const Node& array = At(*data);
  const std::string array_where =
      absl::StrCat(" ('data' array created at byte offset ", array.offset, ")");
  const Node& dtype = nodes_[array.dtype_node];
  if (dtype.dtype_kind != 'u' || dtype.itemsize != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("pickle 'data' has dtype '", Shown(dtype.owned),
                     "', expected uint8 ('u1')", array_where));
  }
  if (array.shape.size() != 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("pickle 'data' has ", array.shape.size(),
                     " dimensions, expected 2 (rows x bytes)", array_where));
  }
  if (array.fortran) {
    return absl::InvalidArgumentError(absl::StrCat(
        "pickle 'data' is in Fortran order, expected C order", array_where));
  }
  Imagenet16Batch batch;
  batch.rows = array.shape[0];
  batch.cols = array.shape[1];
  TENAS_ASSIGN_OR_RETURN(batch.labels, ExtractLabels(*labels, where));
  if (static_cast<int64_t>(batch.labels.size()) != batch.rows) {
    return absl::InvalidArgumentError(
        absl::StrCat("pickle 'labels' has ", batch.labels.size(),
                     " entries but 'data' has ", batch.rows, " rows", where));
  }
  const absl::string_view pixels = nodes_[array.data_node].text();
  batch.data.assign(pixels.begin(), pixels.end());
  return batch;
}

}  // namespace

absl::StatusOr<Imagenet16Batch> ParseImagenet16Pickle(absl::string_view bytes) {
  Unpickler unpickler(bytes);
  TENAS_ASSIGN_OR_RETURN(const Val top, unpickler.Run());
  return unpickler.ExtractImagenet16(top);
}

}  // namespace tenas::data
