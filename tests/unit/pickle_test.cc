// Copyright 2026 The tenas Authors.
//
// pickle_test.cc: the safe Imagenet16 pickle reader. Pickles are generated at
// test time by Debian's /usr/bin/python3 + numpy (protocols 0-5) and crafted
// here in the Python 2 cPickle forms of the original release files (checked
// against real Python too). Truncated, mutated, random and hostile inputs must
// give errors, never crashes, hangs or huge allocations.

#include "tenas/data/pickle.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace tenas::data {
namespace {

namespace fs = std::filesystem;

constexpr char kPython[] = "/usr/bin/python3";
constexpr int64_t kCols = 768;
constexpr int64_t kRows = 5;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
}

void WriteAll(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

/// The deterministic pixel byte of row r, column c (same formula in the
/// Python script below). Covers all 256 values, including '\n', '\\', '\''.
uint8_t Pixel(int64_t r, int64_t c) {
  return static_cast<uint8_t>((r * 131 + c * 7 + (c >> 8) * 29) & 255);
}

/// The deterministic 1-based label of row r (same formula in Python).
int64_t Label(int64_t r) { return 1 + (r * 389) % 1000; }

std::string PixelBytes(int64_t rows, int64_t cols) {
  std::string s;
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c)
      s.push_back(static_cast<char>(Pixel(r, c)));
  }
  return s;
}

std::vector<int64_t> Labels(int64_t rows) {
  std::vector<int64_t> out;
  for (int64_t r = 0; r < rows; ++r) out.push_back(Label(r));
  return out;
}

/// Float64 bytes of the `mean` array of the crafted files.
std::string MeanBytes() {
  const double values[3] = {0.5, 0.25, 0.125};
  std::string s(sizeof(values), '\0');
  std::memcpy(s.data(), values, sizeof(values));
  return s;
}

std::string Byte(int v) { return std::string(1, static_cast<char>(v)); }

std::string Le32(uint32_t v) {
  std::string s;
  for (int k = 0; k < 4; ++k) s += Byte((v >> (8 * k)) & 0xFF);
  return s;
}

/// cPickle's shortest binary int opcode.
std::string BinInt(int64_t v) {
  if (v >= 0 && v < 256) return "K" + Byte(static_cast<int>(v));
  if (v >= 0 && v < 65536) {
    return "M" + Byte(static_cast<int>(v & 0xFF)) +
           Byte(static_cast<int>(v >> 8));
  }
  return "J" + Le32(static_cast<uint32_t>(v));
}

/// A Python 2 `str` at protocol >= 1 (SHORT_BINSTRING or BINSTRING).
std::string BinString(const std::string& s) {
  if (s.size() < 256) return "U" + Byte(static_cast<int>(s.size())) + s;
  return "T" + Le32(static_cast<uint32_t>(s.size())) + s;
}

std::string BinPut(int k) { return absl::StrCat("q", Byte(k)); }
std::string BinGet(int k) { return absl::StrCat("h", Byte(k)); }

/// The protocol-2 bytes Python 2 cPickle writes for
/// {'data': uint8 rows x cols, 'labels': [...], 'mean': float64[3]}
/// (numpy's _reconstruct / BUILD form with BINSTRING data).
std::string Py2Protocol2Pickle(int64_t rows, int64_t cols,
                               const std::vector<int64_t>& labels) {
  const std::string minus_one = "J" + Le32(0xFFFFFFFFu);
  std::string p = "\x80\x02}" + BinPut(0) + "(";
  p += BinString("data") + BinPut(1);
  p += "cnumpy.core.multiarray\n_reconstruct\n" + BinPut(2);
  p += "cnumpy\nndarray\n" + BinPut(3);
  p += BinInt(0) + "\x85" + BinPut(4);
  p += BinString("b") + BinPut(5) + "\x87" + BinPut(6) + "R" + BinPut(7);
  p += "(" + BinInt(1) + BinInt(rows) + BinInt(cols) + "\x86" + BinPut(8);
  p += "cnumpy\ndtype\n" + BinPut(9);
  p += BinString("u1") + BinPut(10) + BinInt(0) + BinInt(1) + "\x87" +
       BinPut(11) + "R" + BinPut(12);
  p += "(" + BinInt(3) + BinString("|") + BinPut(13) + "NNN" + minus_one +
       minus_one + BinInt(0) + "t" + BinPut(14) + "b";
  p += "\x89" + BinString(PixelBytes(rows, cols)) + BinPut(15) + "t" +
       BinPut(16) + "b";
  p += BinString("labels") + BinPut(17) + "]" + BinPut(18);
  for (size_t start = 0; start < labels.size(); start += 1000) {
    p += "(";
    for (size_t k = start; k < labels.size() && k < start + 1000; ++k) {
      p += BinInt(labels[k]);
    }
    p += "e";
  }
  // 'mean': reuses the memoised globals like cPickle does.
  p += BinString("mean") + BinPut(19) + BinGet(2) + BinGet(3) + BinGet(4) +
       BinGet(5) + "\x87" + BinPut(20) + "R" + BinPut(21);
  p += "(" + BinInt(1) + BinInt(3) + "\x85" + BinPut(22) + BinGet(9);
  p += BinString("f8") + BinPut(23) + BinInt(0) + BinInt(1) + "\x87" +
       BinPut(24) + "R" + BinPut(25);
  p += "(" + BinInt(3) + BinString("<") + BinPut(26) + "NNN" + minus_one +
       minus_one + BinInt(0) + "t" + BinPut(27) + "b";
  p += "\x89" + BinString(MeanBytes()) + BinPut(28) + "t" + BinPut(29) + "b";
  p += "u.";
  return p;
}

/// Python 2 repr() of a str, as protocol 0 STRING writes it.
std::string Py2Repr(const std::string& s) {
  std::string out = "'";
  for (const char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\'') {
      out += "\\'";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c >= 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    } else {
      out.push_back(ch);
    }
  }
  return out + "'";
}

/// The protocol-0 text Python 2 `pickle.dumps` writes for the same dict.
std::string Py2Protocol0Pickle(int64_t rows, int64_t cols,
                               const std::vector<int64_t>& labels) {
  int memo = 0;
  auto put = [&memo]() { return absl::StrCat("p", memo++, "\n"); };
  auto num = [](int64_t v) { return absl::StrCat("I", v, "\n"); };
  std::string p = "(d" + put();
  p += "S'data'\n" + put();
  p += "cnumpy.core.multiarray\n_reconstruct\n" + put();  // p2
  p += "(cnumpy\nndarray\n" + put();                      // p3
  p += "(" + num(0) + "t" + put();                        // p4
  p += "S'b'\n" + put();                                  // p5
  p += "t" + put() + "R" + put();
  p += "(" + num(1) + "(" + num(rows) + num(cols) + "t" + put();
  p += "cnumpy\ndtype\n" + put();  // p9
  p += "(S'u1'\n" + put() + num(0) + num(1) + "t" + put() + "R" + put();
  p += "(" + num(3) + "S'|'\n" + put() + "NNN" + num(-1) + num(-1) + num(0) +
       "t" + put() + "b";
  p += "I00\nS" + Py2Repr(PixelBytes(rows, cols)) + "\n" + put() + "t" + put() +
       "b";
  p += "sS'labels'\n" + put() + "(l" + put();
  for (const int64_t label : labels) p += num(label) + "a";
  p += "sS'mean'\n" + put() + "g2\n(g3\n(" + num(0) + "t" + put() + "g5\nt" +
       put() + "R" + put();
  p += "(" + num(1) + "(" + num(3) + "t" + put() + "g9\n(S'f8'\n" + put() +
       num(0) + num(1) + "t" + put() + "R" + put();
  p += "(" + num(3) + "S'<'\n" + put() + "NNN" + num(-1) + num(-1) + num(0) +
       "t" + put() + "b";
  p += "I00\nS" + Py2Repr(MeanBytes()) + "\n" + put() + "t" + put() + "b";
  p += "s.";
  return p;
}

/// Writes pickles with Python 3 + numpy (protocols 0-5, error cases) and
/// checks that the crafted Python 2 files load in real Python as expected.
constexpr char kScript[] = R"PY(
import collections, pickle, sys, traceback
import numpy as np
out = sys.argv[1]

def pixels(n, cols=768):
    r = np.arange(n).reshape(-1, 1)
    c = np.arange(cols).reshape(1, -1)
    return ((r * 131 + c * 7 + (c >> 8) * 29) & 255).astype(np.uint8)

def labels(n):
    return [1 + (r * 389) % 1000 for r in range(n)]

def dump(name, obj, protocol):
    with open('%s/%s_p%d.pkl' % (out, name, protocol), 'wb') as f:
        pickle.dump(obj, f, protocol=protocol)

extra = [70000, 2**40, -5, 2**70, -2**70, 1.5, None, True, False, 'text',
         u'\u00e9\u4e2d', b'by\\tes\n', (1, 2), {'k': [1]}, ()]
full = {'data': pixels(5), 'labels': labels(5),
        'mean': np.linspace(0, 1, 768), 'extra': extra}
small = {'data': pixels(2), 'labels': labels(2)}
bad = {
    'fortran': {'data': np.asfortranarray(pixels(3)), 'labels': labels(3)},
    'int64': {'data': pixels(2).astype(np.int64), 'labels': labels(2)},
    'onedim': {'data': pixels(1).reshape(-1), 'labels': labels(1)},
    'nolabels': {'data': pixels(2)},
    'nodata': {'labels': labels(2)},
    'mismatch': {'data': pixels(2), 'labels': labels(3)},
    'strlabel': {'data': pixels(1), 'labels': ['x']},
    'notdict': [pixels(1), labels(1)],
    'ordered': collections.OrderedDict(data=pixels(1), labels=labels(1)),
    'objarray': {'data': np.array([1, 'a'], dtype=object), 'labels': [1, 2]},
}
for p in range(6):
    dump('full', full, p)
    dump('small', small, p)
    dump('empty', {'data': pixels(0), 'labels': []}, p)
for p in range(6):
    dump('arraylabels', {'data': pixels(5), 'labels': np.array(labels(5))}, p)
dump('u2labels', {'data': pixels(5),
                  'labels': np.array(labels(5), dtype=np.uint16)}, 2)
dump('tuplelabels', {'data': pixels(5), 'labels': tuple(labels(5))}, 2)
bad['belabels'] = {'data': pixels(2), 'labels': np.array(labels(2), dtype='>i4')}
bad['floatlabels'] = {'data': pixels(2), 'labels': np.array([1.0, 2.0])}
for name, obj in bad.items():
    for p in (2, 4):
        dump('bad_' + name, obj, p)

status = 'ok'
try:
    for name in ('py2_p2', 'py2_p0'):
        with open('%s/%s.pkl' % (out, name), 'rb') as f:
            d = pickle.load(f, encoding='latin1')
        assert d['data'].dtype == np.uint8, name
        assert d['data'].shape == (5, 768), name
        assert (d['data'] == pixels(5)).all(), name
        assert d['labels'] == labels(5), name
        assert list(d['mean']) == [0.5, 0.25, 0.125], name
except Exception:
    status = traceback.format_exc()
with open(out + '/crafted_check.txt', 'w') as f:
    f.write(status)
)PY";

class PickleTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(
        (fs::path(::testing::TempDir()) / "tenas_pickle_test").string());
    fs::remove_all(*dir_);
    fs::create_directories(*dir_);
    WriteAll(*dir_ + "/py2_p2.pkl",
             Py2Protocol2Pickle(kRows, kCols, Labels(kRows)));
    WriteAll(*dir_ + "/py2_p0.pkl",
             Py2Protocol0Pickle(kRows, kCols, Labels(kRows)));
    const std::string probe =
        std::string(kPython) + " -c 'import numpy' >/dev/null 2>&1";
    if (!fs::exists(kPython) || std::system(probe.c_str()) != 0) return;
    WriteAll(*dir_ + "/gen.py", kScript);
    const std::string cmd =
        std::string(kPython) + " " + *dir_ + "/gen.py " + *dir_;
    script_rc_ = std::system(cmd.c_str());
    python_ok_ = true;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  void SetUp() override {
    // python3-numpy is one of scripts/install-deps.sh's packages: a machine
    // without it is set up wrongly, which must fail, not skip.
    ASSERT_TRUE(python_ok_) << kPython
                            << " with numpy is missing: run "
                               "scripts/install-deps.sh (python3-numpy)";
    ASSERT_EQ(script_rc_, 0) << "the pickle-writing Python script failed";
  }

  static std::string File(const std::string& name) {
    return ReadAll(*dir_ + "/" + name);
  }

  static std::string* dir_;
  static bool python_ok_;
  static int script_rc_;
};

std::string* PickleTest::dir_ = nullptr;
bool PickleTest::python_ok_ = false;
int PickleTest::script_rc_ = -1;

void ExpectBatch(const absl::StatusOr<Imagenet16Batch>& b, int64_t rows,
                 const std::string& what) {
  ASSERT_TRUE(b.ok()) << what << ": " << b.status();
  EXPECT_EQ(b->rows, rows) << what;
  EXPECT_EQ(b->cols, kCols) << what;
  EXPECT_EQ(b->labels, Labels(rows)) << what;
  const std::string expected = PixelBytes(rows, kCols);
  ASSERT_EQ(b->data.size(), expected.size()) << what;
  EXPECT_EQ(std::memcmp(b->data.data(), expected.data(), expected.size()), 0)
      << what;
}

/// Expects an InvalidArgument error whose message contains every `part`.
void ExpectError(const absl::StatusOr<Imagenet16Batch>& b,
                 const std::vector<std::string>& parts,
                 const std::string& what) {
  ASSERT_FALSE(b.ok()) << what;
  EXPECT_EQ(b.status().code(), absl::StatusCode::kInvalidArgument) << what;
  for (const std::string& part : parts) {
    EXPECT_NE(b.status().message().find(part), std::string::npos)
        << what << ": '" << part << "' not in: " << b.status().message();
  }
}

TEST_F(PickleTest, ParsesPython3AllProtocols) {
  for (int p = 0; p <= 5; ++p) {
    ExpectBatch(ParseImagenet16Pickle(File(absl::StrCat("full_p", p, ".pkl"))),
                kRows, absl::StrCat("full protocol ", p));
    ExpectBatch(ParseImagenet16Pickle(File(absl::StrCat("small_p", p, ".pkl"))),
                2, absl::StrCat("small protocol ", p));
    ExpectBatch(ParseImagenet16Pickle(File(absl::StrCat("empty_p", p, ".pkl"))),
                0, absl::StrCat("empty protocol ", p));
  }
}

TEST_F(PickleTest, AcceptsTupleAndNumpyArrayLabels) {
  for (int p = 0; p <= 5; ++p) {
    ExpectBatch(
        ParseImagenet16Pickle(File(absl::StrCat("arraylabels_p", p, ".pkl"))),
        kRows, absl::StrCat("int64 array labels, protocol ", p));
  }
  ExpectBatch(ParseImagenet16Pickle(File("u2labels_p2.pkl")), kRows,
              "uint16 array labels");
  ExpectBatch(ParseImagenet16Pickle(File("tuplelabels_p2.pkl")), kRows,
              "tuple labels");
}

TEST_F(PickleTest, CraftedPython2FilesMatchRealPython) {
  EXPECT_EQ(File("crafted_check.txt"), "ok");
}

TEST(PickleCraftedTest, ParsesPython2Protocol2Form) {
  const std::string bytes = Py2Protocol2Pickle(kRows, kCols, Labels(kRows));
  ExpectBatch(ParseImagenet16Pickle(bytes), kRows, "py2 protocol 2");
  // Large batches: BINSTRING data, several APPENDS batches, BININT2 labels.
  const int64_t rows = 2500;
  ExpectBatch(
      ParseImagenet16Pickle(Py2Protocol2Pickle(rows, kCols, Labels(rows))),
      rows, "py2 protocol 2, 2500 rows");
}

TEST(PickleCraftedTest, ParsesPython2Protocol0Form) {
  ExpectBatch(
      ParseImagenet16Pickle(Py2Protocol0Pickle(kRows, kCols, Labels(kRows))),
      kRows, "py2 protocol 0");
}

TEST_F(PickleTest, RejectsUnsupportedContentsWithClearErrors) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"fortran", "Fortran order"},
      {"int64", "expected uint8"},
      {"onedim", "dimensions"},
      {"nolabels", "lacks key 'labels'"},
      {"nodata", "lacks key 'data'"},
      {"mismatch", "3 entries but 'data' has 2 rows"},
      {"strlabel", "not an int"},
      {"notdict", "expected a dict"},
      {"ordered", "collections.OrderedDict"},
      {"objarray", "dtype"},
      {"belabels", "'i4' (byte order >)"},
      {"floatlabels", "expected a list or a 1-D little-endian integer array"},
  };
  for (const auto& [name, part] : cases) {
    for (int p : {2, 4}) {
      const std::string file = absl::StrCat("bad_", name, "_p", p, ".pkl");
      ExpectError(ParseImagenet16Pickle(File(file)), {part, "byte offset"},
                  file);
    }
  }
}

TEST_F(PickleTest, EveryTruncationOfPython3FilesIsAnError) {
  for (int p = 0; p <= 5; ++p) {
    const std::string bytes = File(absl::StrCat("small_p", p, ".pkl"));
    ASSERT_GT(bytes.size(), 100u);
    for (size_t n = 0; n < bytes.size(); ++n) {
      const absl::StatusOr<Imagenet16Batch> b =
          ParseImagenet16Pickle(absl::string_view(bytes.data(), n));
      ASSERT_FALSE(b.ok()) << "protocol " << p << " prefix " << n;
      if (n > 0) {
        ASSERT_NE(b.status().message().find("byte offset"), std::string::npos)
            << b.status();
      }
    }
  }
}

TEST(PickleCraftedTest, EveryTruncationOfPython2FormsIsAnError) {
  for (const std::string& bytes : {Py2Protocol2Pickle(2, kCols, Labels(2)),
                                   Py2Protocol0Pickle(2, kCols, Labels(2))}) {
    for (size_t n = 0; n < bytes.size(); ++n) {
      const absl::StatusOr<Imagenet16Batch> b =
          ParseImagenet16Pickle(absl::string_view(bytes.data(), n));
      ASSERT_FALSE(b.ok()) << "prefix " << n;
    }
  }
}

TEST(PickleCraftedTest, RejectsForbiddenOpcodesAndGlobals) {
  const std::string marker =
      (fs::path(::testing::TempDir()) / "tenas_pickle_pwned").string();
  fs::remove(marker);
  struct Case {
    std::string bytes;
    std::vector<std::string> parts;
  };
  const std::vector<Case> cases = {
      {"cos\nsystem\n(S'touch " + marker + "'\ntR.",
       {"GLOBAL (0x63) at byte offset 0", "'os.system' is not allowed"}},
      {"\x80\x04\x8c\x08"
       "builtins\x8c\x04"
       "eval\x93(\x8c\x01"
       "1tR.",
       {"STACK_GLOBAL (0x93) at byte offset 18", "'builtins.eval'"}},
      {"\x80\x02"
       "cposix\nsystem\n.",
       {"'posix.system'", "byte offset 2"}},
      {"cnumpy\nload\n.", {"'numpy.load' is not allowed"}},
      {"ccopy_reg\n_reconstructor\n.", {"'copy_reg._reconstructor'"}},
      {"cnumpy.core.multiarray\n_reconstruct_x\n.", {"not allowed"}},
      {"(S'ls'\nios\nsystem\n.", {"INST (0x69) at byte offset 7", "forbidden"}},
      {"(cnumpy\nndarray\no.", {"OBJ (0x6f) at byte offset 16", "forbidden"}},
      {"\x80\x02\x82\x01.", {"EXT1 (0x82) at byte offset 2", "forbidden"}},
      {"\x80\x02\x83\x01\x01.", {"EXT2 (0x83)", "forbidden"}},
      {"\x80\x02\x84\x01\x01\x01\x01.", {"EXT4 (0x84)", "forbidden"}},
      {"P1\n.", {"PERSID (0x50) at byte offset 0"}},
      {"K\x01Q.", {"BINPERSID (0x51) at byte offset 2"}},
      {"cnumpy\nndarray\n)\x81.", {"NEWOBJ (0x81) at byte offset 16"}},
      {"cnumpy\nndarray\n)}\x92.", {"NEWOBJ_EX (0x92)"}},
      {"\x80\x05\x97.", {"NEXT_BUFFER (0x97)", "byte offset 2"}},
      {"\x80\x05K\x01\x98.", {"READONLY_BUFFER (0x98)", "byte offset 4"}},
      {"\x80\x04\x8f.", {"EMPTY_SET (0x8f)", "unsupported"}},
      {"\xff", {"0xff (unknown) at byte offset 0"}},
      {"\x80\x06}.", {"unsupported pickle protocol 6"}},
      {"cnumpy\nndarray\n)R.", {"REDUCE (0x52)", "numpy.ndarray directly"}},
      {"c_codecs\nencode\nX" + Le32(1) + "aX" + Le32(5) + "utf-7\x86R.",
       {"encoding 'utf-7' is not supported"}},
      {"}K\x01"
       "b.",
       {"BUILD (0x62)", "not supported"}},
      {"c__builtin__\nbytes\nK\x01\x85R.", {"bytes() is only accepted"}},
  };
  for (const Case& c : cases) {
    ExpectError(ParseImagenet16Pickle(c.bytes), c.parts, c.bytes);
  }
  EXPECT_FALSE(fs::exists(marker)) << "pickled code was executed";
}

TEST(PickleCraftedTest, RejectsMalformedNumpyState) {
  // A valid py2 file with the state's data one byte short.
  std::string bytes = Py2Protocol2Pickle(1, 4, {1});
  const std::string data4 = BinString(PixelBytes(1, 4));
  const size_t at = bytes.find(data4);
  ASSERT_NE(at, std::string::npos);
  bytes.replace(at, data4.size(), BinString(PixelBytes(1, 3)));
  ExpectError(ParseImagenet16Pickle(bytes),
              {"ndarray data has 3 bytes but shape x itemsize needs 4",
               "BUILD (0x62) at byte offset"},
              "short data");
  // 40 dimensions.
  std::string dims = "(";  // the shape tuple
  for (int k = 0; k < 40; ++k) dims += "K\x01";
  const std::string array =
      "cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\n)U\x01"
      "b\x87R";
  const std::string dtype = "cnumpy\ndtype\nU\x02u1\x85R";
  const std::string many = array + "(" + dims + "t" + dtype +
                           "\x89"
                           "U\x01x"
                           "tb.";
  ExpectError(ParseImagenet16Pickle(many), {"40 dimensions"}, "40 dims");
  // A negative dimension.
  const std::string negative = array + "((J\xff\xff\xff\xfft" + dtype +
                               "\x89U\x01x"
                               "tb.";
  ExpectError(ParseImagenet16Pickle(negative), {"not a non-negative int"},
              "negative dim");
}

TEST(PickleCraftedTest, HostileInputsAreBounded) {
  // Deeply nested MARKs.
  ExpectError(ParseImagenet16Pickle(std::string(100000, '(') + "."),
              {"nested MARKs"}, "marks");
  // A stack of millions of Nones.
  ExpectError(ParseImagenet16Pickle(std::string(3000000, 'N') + "."),
              {"stack deeper than"}, "stack");
  // More memo entries than allowed.
  ExpectError(
      ParseImagenet16Pickle("N" + std::string((1 << 20) + 1, '\x94') + "."),
      {"memo larger than"}, "memo");
  // Length fields far beyond the input.
  ExpectError(ParseImagenet16Pickle("\x80\x04\x8e\xff\xff\xff\xff\xff\xff\xff"
                                    "\xff."),
              {"truncated input", "byte offset 2"}, "BINBYTES8");
  ExpectError(ParseImagenet16Pickle("X\xff\xff\xff\x7f."), {"truncated input"},
              "BINUNICODE");
  ExpectError(ParseImagenet16Pickle("T\xff\xff\xff\xff."),
              {"negative BINSTRING length"}, "BINSTRING");
  ExpectError(ParseImagenet16Pickle("\x8b\xff\xff\xff\xff."),
              {"negative LONG4"}, "LONG4");
  ExpectError(
      ParseImagenet16Pickle("\x80\x04\x95\xff\xff\xff\xff\xff\xff\xff\x7f}."),
      {"frame of"}, "FRAME");
  ExpectError(ParseImagenet16Pickle("h\x05."), {"memo key 5 was never stored"},
              "memo");
  ExpectError(ParseImagenet16Pickle("."), {"stack underflow"}, "underflow");
  ExpectError(ParseImagenet16Pickle("N(."), {"stack underflow"},
              "underflow across a mark");
  ExpectError(ParseImagenet16Pickle("Nu."), {"no MARK"}, "no mark");
  ExpectError(ParseImagenet16Pickle(""), {"empty pickle"}, "empty");
  // A list containing itself, and 100000-deep nested tuples: no recursion.
  ExpectError(ParseImagenet16Pickle("]q\x01h\x01"
                                    "a."),
              {"list of 1", "expected a dict"}, "cycle");
  ExpectError(ParseImagenet16Pickle("N" + std::string(100000, '\x85') + "."),
              {"tuple of 1"}, "deep tuples");
  // Quadratic allocation: _codecs.encode of one 64 KiB string, repeated via
  // the memo 100000 times (6.4 GB if unbounded).
  std::string big =
      "\x80\x02"
      "c_codecs\nencode\nq\x01X" +
      Le32(65536) + std::string(65536, 'a') + "X" + Le32(6) + "latin1\x86q\x02";
  for (int k = 0; k < 100000; ++k) big += "h\x01h\x02R0";
  big += "}.";
  ExpectError(ParseImagenet16Pickle(big), {"allocation budget"}, "budget");
  // Out-of-range integers and malformed text arguments.
  ExpectError(ParseImagenet16Pickle("I12x\n."), {"malformed integer"}, "INT");
  ExpectError(ParseImagenet16Pickle("S'abc\n."), {"not a quoted string"},
              "STRING");
  ExpectError(ParseImagenet16Pickle("S'a\\x4'\n."), {"malformed escape"},
              "STRING escape");
  ExpectError(ParseImagenet16Pickle("V\\u12\n."), {"malformed \\u escape"},
              "UNICODE");
  ExpectError(ParseImagenet16Pickle("Fnotafloat\n."), {"malformed float"},
              "FLOAT");
  ExpectError(ParseImagenet16Pickle("p-1\n."), {"negative memo key"}, "PUT");
}

/// Parses `bytes`; on success checks the result is self-consistent.
void ParseMustNotCrash(const std::string& bytes, int* ok_count) {
  const absl::StatusOr<Imagenet16Batch> b = ParseImagenet16Pickle(bytes);
  if (!b.ok()) {
    ASSERT_FALSE(b.status().message().empty());
    return;
  }
  ++*ok_count;
  ASSERT_EQ(static_cast<int64_t>(b->data.size()), b->rows * b->cols);
  ASSERT_EQ(static_cast<int64_t>(b->labels.size()), b->rows);
}

TEST(PickleFuzzTest, RandomBytesAreErrors) {
  std::mt19937 rng(20260611);
  // Opcode bytes the reader knows, to get past the first opcode more often.
  const std::string ops =
      "(.012FIJKLMNRSTUVXabcdeghjlpqrstu}])GBC\x80\x85"
      "\x86\x87\x88\x89\x8a\x8b\x8c\x8d\x8e\x93\x94\x95"
      "\x96";
  int ok_count = 0;
  for (int it = 0; it < 4000; ++it) {
    const int mode = it % 3;
    const size_t len = rng() % 300;
    std::string bytes;
    if (mode == 1) bytes = "\x80\x02";
    while (bytes.size() < len) {
      if (mode == 2 && rng() % 2 == 0) {
        bytes.push_back(ops[rng() % ops.size()]);
      } else {
        bytes.push_back(static_cast<char>(rng() & 0xFF));
      }
    }
    ParseMustNotCrash(bytes, &ok_count);
  }
  EXPECT_EQ(ok_count, 0);
}

TEST(PickleFuzzTest, RandomMutationsOfValidFilesNeverCrash) {
  const std::vector<std::string> bases = {Py2Protocol2Pickle(2, 16, {3, 7}),
                                          Py2Protocol0Pickle(2, 16, {3, 7}),
                                          Py2Protocol2Pickle(1, kCols, {5})};
  std::mt19937 rng(7);
  int ok_count = 0;
  int total = 0;
  for (const std::string& base : bases) {
    ParseMustNotCrash(base, &ok_count);  // the unmutated file parses
    ASSERT_EQ(ok_count, total + 1);
    ++total;
  }
  for (int it = 0; it < 6000; ++it) {
    std::string bytes = bases[it % bases.size()];
    const int mutations = 1 + static_cast<int>(rng() % 4);
    for (int m = 0; m < mutations && !bytes.empty(); ++m) {
      const size_t at = rng() % bytes.size();
      switch (rng() % 5) {
        case 0:  // overwrite a byte
          bytes[at] = static_cast<char>(rng() & 0xFF);
          break;
        case 1:  // flip one bit
          bytes[at] = static_cast<char>(bytes[at] ^ (1 << (rng() % 8)));
          break;
        case 2:  // insert a byte
          bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(at),
                       static_cast<char>(rng() & 0xFF));
          break;
        case 3:  // delete a byte
          bytes.erase(at, 1);
          break;
        default: {  // overwrite 4 bytes (often a length field) with a value
          const std::string v = Le32(static_cast<uint32_t>(rng()));
          bytes.replace(at, std::min<size_t>(4, bytes.size() - at), v);
        }
      }
    }
    ParseMustNotCrash(bytes, &ok_count);
  }
  // Most mutations break the file; some (inside pixel data) do not.
  EXPECT_GT(ok_count, 3);
  EXPECT_LT(ok_count, 6000);
}

}  // namespace
}  // namespace tenas::data
