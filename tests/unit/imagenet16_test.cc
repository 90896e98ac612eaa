// Copyright 2026 The tenas Authors.
//
// imagenet16_test.cc: ImageNet16-120 loading from Imagenet16 pickles written
// at test time by Debian's /usr/bin/python3 + numpy: label filtering, pixel
// layout, directory layouts and error reporting.

#include "tenas/data/imagenet16.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace tenas::data {
namespace {

namespace fs = std::filesystem;

constexpr char kPython[] = "/usr/bin/python3";
constexpr int64_t kImage = 768;

/// Pixel byte of global row g, column c (same formula in the script).
uint8_t Pixel(int64_t g, int64_t c) {
  return static_cast<uint8_t>((g * 131 + c * 7 + (c >> 8) * 29) & 255);
}

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

/// Writes the test files. Batch k (1..10) has 3 rows with global row indices
/// 3(k-1) .. 3(k-1)+2 and labels [k, 120+k, 1+(13k mod 120)]; the middle one
/// is outside ImageNet16-120. Protocols cycle through 2..5.
constexpr char kScript[] = R"PY(
import os, pickle, sys
import numpy as np
out = sys.argv[1]

def pixels(n, first=0, cols=768):
    r = np.arange(first, first + n).reshape(-1, 1)
    c = np.arange(cols).reshape(1, -1)
    return ((r * 131 + c * 7 + (c >> 8) * 29) & 255).astype(np.uint8)

def dump(path, obj, protocol=2):
    d = os.path.dirname(path)
    if d:
        os.makedirs(d, exist_ok=True)
    with open(path, 'wb') as f:
        pickle.dump(obj, f, protocol=protocol)

dump(out + '/single.pkl', {'data': pixels(6), 'labels': [1, 120, 121, 1000, 60, 2],
                           'mean': np.zeros(768)})
for k in range(1, 11):
    batch = {'data': pixels(3, 3 * (k - 1)),
             'labels': [k, 120 + k, 1 + (13 * k) % 120]}
    for folder in ('direct', 'release/Imagenet16_train', 'nb201/ImageNet16'):
        dump('%s/%s/train_data_batch_%d' % (out, folder, k), batch, 2 + k % 4)
    if k <= 4:
        dump('%s/partial/train_data_batch_%d' % (out, k), batch)
dump(out + '/cols10.pkl', {'data': pixels(2, 0, 10), 'labels': [1, 2]})
dump(out + '/label0.pkl', {'data': pixels(2), 'labels': [1, 0]})
dump(out + '/label1001.pkl', {'data': pixels(2), 'labels': [1001, 3]})
)PY";

class Imagenet16Test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(
        (fs::path(::testing::TempDir()) / "tenas_imagenet16_test").string());
    fs::remove_all(*dir_);
    fs::create_directories(*dir_);
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

  static std::string Path(const std::string& name) {
    return *dir_ + "/" + name;
  }

  static std::string* dir_;
  static bool python_ok_;
  static int script_rc_;
};

std::string* Imagenet16Test::dir_ = nullptr;
bool Imagenet16Test::python_ok_ = false;
int Imagenet16Test::script_rc_ = -1;

/// Expects image i of `d` to hold global row g of the script's pixels.
void ExpectImage(const ImageDataset& d, int64_t i, int64_t g) {
  const uint8_t* img = d.image(i);
  for (int64_t c = 0; c < kImage; ++c) {
    ASSERT_EQ(img[c], Pixel(g, c)) << "image " << i << " byte " << c;
  }
}

void ExpectMetadata(const ImageDataset& d) {
  EXPECT_EQ(d.name, "ImageNet16-120");
  EXPECT_EQ(d.num_classes, 120);
  EXPECT_EQ(d.channels, 3);
  EXPECT_EQ(d.height, 16);
  EXPECT_EQ(d.width, 16);
  EXPECT_TRUE(d.lazy == nullptr);
  EXPECT_FLOAT_EQ(d.mean[0], 122.68f / 255);
  EXPECT_FLOAT_EQ(d.mean[1], 116.66f / 255);
  EXPECT_FLOAT_EQ(d.mean[2], 104.01f / 255);
  EXPECT_FLOAT_EQ(d.std[0], 63.22f / 255);
  EXPECT_FLOAT_EQ(d.std[1], 61.26f / 255);
  EXPECT_FLOAT_EQ(d.std[2], 65.09f / 255);
  EXPECT_EQ(static_cast<int64_t>(d.pixels.size()), d.size() * kImage);
}

TEST_F(Imagenet16Test, LoadsFileAndKeepsLabels1To120) {
  absl::StatusOr<ImageDataset> d = LoadImagenet16File(Path("single.pkl"));
  ASSERT_TRUE(d.ok()) << d.status();
  ExpectMetadata(*d);
  // Labels [1, 120, 121, 1000, 60, 2]: rows 0, 1, 4, 5 are kept, shifted.
  EXPECT_EQ(d->labels, (std::vector<int32_t>{0, 119, 59, 1}));
  ExpectImage(*d, 0, 0);
  ExpectImage(*d, 1, 1);
  ExpectImage(*d, 2, 4);
  ExpectImage(*d, 3, 5);
  // Channel planes: byte 0 is R(0,0), 256 is G(0,0), 512 is B(0,0).
  EXPECT_EQ(d->image(1)[256], Pixel(1, 256));
}

TEST_F(Imagenet16Test, ParseImagenet16BytesMatchesTheFileReader) {
  absl::StatusOr<ImageDataset> f = LoadImagenet16File(Path("single.pkl"));
  ASSERT_TRUE(f.ok()) << f.status();
  absl::StatusOr<ImageDataset> d =
      ParseImagenet16Bytes(ReadAll(Path("single.pkl")), 120, "in-memory");
  ASSERT_TRUE(d.ok()) << d.status();
  ExpectMetadata(*d);
  EXPECT_EQ(d->labels, f->labels);
  EXPECT_EQ(d->pixels, f->pixels);
  // Errors name the source given instead of a path.
  absl::StatusOr<ImageDataset> bad =
      ParseImagenet16Bytes(ReadAll(Path("cols10.pkl")), 120, "in-memory");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("in-memory"), std::string::npos)
      << bad.status();
  EXPECT_FALSE(ParseImagenet16Bytes("", 0, "in-memory").ok());
}

TEST_F(Imagenet16Test, MaxLabelSelectsOtherSubsets) {
  absl::StatusOr<ImageDataset> all =
      LoadImagenet16File(Path("single.pkl"), 1000);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->name, "ImageNet16-1000");
  EXPECT_EQ(all->num_classes, 1000);
  EXPECT_EQ(all->labels, (std::vector<int32_t>{0, 119, 120, 999, 59, 1}));
  absl::StatusOr<ImageDataset> one = LoadImagenet16File(Path("single.pkl"), 1);
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(one->labels, (std::vector<int32_t>{0}));
  for (int bad : {0, 1001}) {
    EXPECT_EQ(LoadImagenet16File(Path("single.pkl"), bad).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
}

TEST_F(Imagenet16Test, LoadsDirInEachLayout) {
  for (const char* layout : {"direct", "release", "nb201"}) {
    absl::StatusOr<ImageDataset> d = LoadImagenet16Dir(Path(layout));
    ASSERT_TRUE(d.ok()) << layout << ": " << d.status();
    ExpectMetadata(*d);
    ASSERT_EQ(d->size(), 20) << layout;
    for (int k = 1; k <= 10; ++k) {
      const int64_t i = 2 * (k - 1);
      EXPECT_EQ(d->labels[i], k - 1) << layout << " batch " << k;
      EXPECT_EQ(d->labels[i + 1], (13 * k) % 120) << layout << " batch " << k;
      ExpectImage(*d, i, 3 * (k - 1));
      ExpectImage(*d, i + 1, 3 * (k - 1) + 2);
    }
  }
}

TEST_F(Imagenet16Test, EmptyOrMissingDirErrorsListWhatWasExpected) {
  const std::string empty = Path("empty_dir");
  fs::create_directories(empty);
  absl::StatusOr<ImageDataset> d = LoadImagenet16Dir(empty);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), absl::StatusCode::kNotFound);
  const std::string msg(d.status().message());
  for (const std::string& part :
       {std::string("train_data_batch_1 .. train_data_batch_10"), empty,
        empty + "/Imagenet16_train", empty + "/ImageNet16"}) {
    EXPECT_NE(msg.find(part), std::string::npos) << part << " not in " << msg;
  }
  absl::StatusOr<ImageDataset> missing = LoadImagenet16Dir(Path("nope"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("does not exist"),
            std::string::npos)
      << missing.status();
}

TEST_F(Imagenet16Test, PartialDirNamesMissingFiles) {
  absl::StatusOr<ImageDataset> d = LoadImagenet16Dir(Path("partial"));
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("lacks train_data_batch_5"),
            std::string::npos)
      << d.status();
}

TEST_F(Imagenet16Test, BadFilesNameTheFileAndOffset) {
  // Truncated.
  const std::string whole = ReadAll(Path("single.pkl"));
  const std::string cut = Path("cut.pkl");
  WriteAll(cut, whole.substr(0, whole.size() / 2));
  absl::StatusOr<ImageDataset> d = LoadImagenet16File(cut);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(d.status().message().find(cut + ": "), std::string::npos)
      << d.status();
  EXPECT_NE(d.status().message().find("byte offset"), std::string::npos)
      << d.status();
  // Hostile: a pickle that would run a shell command.
  const std::string evil = Path("evil.pkl");
  WriteAll(evil, "cos\nsystem\n(S'echo pwned'\ntR.");
  d = LoadImagenet16File(evil);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find(evil + ": pickle opcode GLOBAL"),
            std::string::npos)
      << d.status();
  // A corrupt batch inside a directory is reported with its path.
  const std::string bad_dir = Path("bad_dir");
  fs::create_directories(bad_dir);
  for (int k = 1; k <= 10; ++k) {
    fs::copy_file(Path(absl::StrCat("direct/train_data_batch_", k)),
                  bad_dir + "/train_data_batch_" + std::to_string(k),
                  fs::copy_options::overwrite_existing);
  }
  WriteAll(bad_dir + "/train_data_batch_7", "garbage");
  d = LoadImagenet16Dir(bad_dir);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("train_data_batch_7: "),
            std::string::npos)
      << d.status();
  // Missing file and directory.
  EXPECT_EQ(LoadImagenet16File(Path("nope.pkl")).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(LoadImagenet16File(*dir_).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(Imagenet16Test, RejectsWrongImageSizeAndLabels) {
  absl::StatusOr<ImageDataset> d = LoadImagenet16File(Path("cols10.pkl"));
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("10 bytes per image, expected 768"),
            std::string::npos)
      << d.status();
  d = LoadImagenet16File(Path("label0.pkl"));
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("label 0 of image 1 out of range"),
            std::string::npos)
      << d.status();
  d = LoadImagenet16File(Path("label1001.pkl"));
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("label 1001 of image 0"),
            std::string::npos)
      << d.status();
}

}  // namespace
}  // namespace tenas::data
