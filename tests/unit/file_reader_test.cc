// Copyright 2026 The tenas Authors.
//
// The dataset readers' one file-reading helper (file_reader.h): whole files
// of any size, buffer reuse, and the error code of each failure.

#include "tenas/data/file_reader.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace tenas::data {
namespace {

namespace fs = std::filesystem;

fs::path Dir() {
  const fs::path dir = fs::path(::testing::TempDir()) / "tenas_file_reader";
  fs::create_directories(dir);
  return dir;
}

std::string Write(const std::string& name, const std::vector<uint8_t>& data) {
  const fs::path path = Dir() / name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data.data()),
            static_cast<std::streamsize>(data.size()));
  return path.string();
}

TEST(FileReaderTest, ReadsEmptySmallAndMultiChunkFiles) {
  for (size_t size : {size_t{0}, size_t{1}, size_t{65536}, size_t{200001}}) {
    std::vector<uint8_t> data(size);
    for (size_t i = 0; i < size; ++i) data[i] = static_cast<uint8_t>(i * 7);
    const std::string path = Write(absl::StrCat("f", size), data);
    absl::StatusOr<std::vector<uint8_t>> got = ReadFileBytes(path, "a file");
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(*got, data) << size;
  }
}

TEST(FileReaderTest, ReusesTheCallersBufferAndReplacesItsContents) {
  const std::string big = Write("big", std::vector<uint8_t>(100000, 1));
  const std::string small = Write("small", {9, 8, 7});
  std::vector<uint8_t> buffer;
  ASSERT_TRUE(ReadWholeFile(big, "a file", &buffer).ok());
  const size_t capacity = buffer.capacity();
  ASSERT_TRUE(ReadWholeFile(small, "a file", &buffer).ok());
  EXPECT_EQ(buffer, (std::vector<uint8_t>{9, 8, 7}));
  EXPECT_EQ(buffer.capacity(), capacity);
}

TEST(FileReaderTest, MissingFileIsNotFoundNamingThePath) {
  const std::string path = (Dir() / "no_such_file").string();
  absl::StatusOr<std::vector<uint8_t>> got = ReadFileBytes(path, "a file");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(got.status().message().find(path), std::string::npos);
}

TEST(FileReaderTest, DirectoryIsInvalidArgumentSayingWhatWasExpected) {
  const std::string path = (Dir() / "a_dir").string();
  fs::create_directories(path);
  absl::StatusOr<std::vector<uint8_t>> got =
      ReadFileBytes(path, "a CIFAR file");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(got.status().message(),
            path + ": is a directory, not a CIFAR file");
}

}  // namespace
}  // namespace tenas::data
