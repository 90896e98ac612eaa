// Copyright 2026 The tenas Authors.
//
// image_folder.cc: lists an ImageNet-1k training folder as torchvision's
// ImageFolder does; the images are decoded later, on demand, by
// ImageFolderSource. Deviation: images are listed only directly inside the
// class folders (torchvision also walks nested folders).

#include "tenas/data/image_folder.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tenas/data/image_folder_source.h"
#include "tenas/util/status_macros.h"

namespace tenas::data {
namespace {

namespace fs = std::filesystem;

constexpr int kSide = 32;
constexpr int kChannels = 3;

/// Whether `name` ends in .jpeg or .jpg, in any case.
bool IsJpegName(const std::string& name) {
  const size_t dot = name.rfind('.');
  if (dot == std::string::npos) return false;
  const std::string ext = absl::AsciiStrToLower(name.substr(dot + 1));
  return ext == "jpeg" || ext == "jpg";
}

/// Whether `dir` itself looks like a train folder: it has subfolders and none
/// named "val" (the parent of train/ and val/ would have one).
bool LooksLikeTrainFolder(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return false;
  bool any = false;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    std::error_code type_ec;
    if (!it->is_directory(type_ec)) continue;
    if (it->path().filename() == "val") return false;
    any = true;
  }
  return !ec && any;
}

/// The train folder for `dir` (see LoadImageFolder).
absl::StatusOr<fs::path> FindTrainFolder(const std::string& dir) {
  const fs::path base(dir);
  const std::vector<fs::path> nested = {
      base / "train", base / "imagenet" / "train",
      base / "ILSVRC" / "Data" / "CLS-LOC" / "train"};
  for (const fs::path& candidate : nested) {
    std::error_code ec;
    if (fs::is_directory(candidate, ec)) return candidate;
  }
  if (LooksLikeTrainFolder(base)) return base;
  std::error_code ec;
  const std::string dir_note =
      fs::is_directory(base, ec) ? "" : " (that directory does not exist)";
  std::vector<std::string> layouts;
  for (const fs::path& candidate : nested) {
    layouts.push_back(
        absl::StrCat("'", (candidate / "<wnid>").string(), "/*.JPEG'"));
  }
  layouts.push_back(absl::StrCat("'", (base / "<wnid>").string(), "/*.JPEG'"));
  return absl::NotFoundError(absl::StrCat(
      "no ImageNet training folder in '", dir, "'", dir_note,
      ": expected an image folder with one subfolder per class (wnid) of "
      ".JPEG files, at ",
      absl::StrJoin(layouts, ", ")));
}

}  // namespace

absl::StatusOr<ImageDataset> LoadImageFolder(
    const std::string& dir, const ImageFolderOptions& options) {
  if (options.cache_images < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cache_images = ", options.cache_images, " must be >= 0"));
  }
  TENAS_ASSIGN_OR_RETURN(const fs::path train, FindTrainFolder(dir));

  // Classes: sorted subfolder names.
  std::vector<std::string> classes;
  std::error_code ec;
  for (fs::directory_iterator it(train, ec), end; !ec && it != end;
       it.increment(ec)) {
    std::error_code type_ec;
    if (it->is_directory(type_ec)) {
      classes.push_back(it->path().filename().string());
    }
  }
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot list '", train.string(), "': ", ec.message()));
  }
  if (classes.empty()) {
    return absl::NotFoundError(
        absl::StrCat("ImageNet training folder '", train.string(),
                     "' has no class subfolders: expected '",
                     (train / "<wnid>").string(), "/*.JPEG'"));
  }
  std::sort(classes.begin(), classes.end());

  // Images: sorted JPEG file names of each class, in class order.
  std::vector<int32_t> labels;
  std::string names;
  std::vector<uint64_t> offsets = {0};
  std::vector<std::string> empty_classes;
  std::vector<std::string> files;
  for (size_t c = 0; c < classes.size(); ++c) {
    const fs::path class_dir = train / classes[c];
    files.clear();
    for (fs::directory_iterator it(class_dir, ec), end; !ec && it != end;
         it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (!IsJpegName(name)) continue;
      std::error_code type_ec;
      if (it->is_directory(type_ec)) continue;
      files.push_back(std::move(name));
    }
    if (ec) {
      return absl::UnavailableError(absl::StrCat(
          "cannot list '", class_dir.string(), "': ", ec.message()));
    }
    if (files.empty()) {
      empty_classes.push_back(classes[c]);
      continue;
    }
    std::sort(files.begin(), files.end());
    for (const std::string& name : files) {
      names.append(name);
      offsets.push_back(names.size());
      labels.push_back(static_cast<int32_t>(c));
    }
  }
  if (!empty_classes.empty()) {
    // torchvision's ImageFolder refuses empty classes too.
    const size_t shown = std::min<size_t>(empty_classes.size(), 5);
    return absl::NotFoundError(
        absl::StrCat("ImageNet training folder '", train.string(),
                     "': ", empty_classes.size(), " of ", classes.size(),
                     " class folders hold no .JPEG/.jpeg/.jpg files (",
                     absl::StrJoin(empty_classes.begin(),
                                   empty_classes.begin() + shown, ", "),
                     empty_classes.size() > shown ? ", ..." : "",
                     "); expected '", (train / "<wnid>").string(), "/*.JPEG'"));
  }

  ImageDataset dataset;
  dataset.name = "imagenet-1k";
  dataset.num_classes = static_cast<int>(classes.size());
  dataset.channels = kChannels;
  dataset.height = kSide;
  dataset.width = kSide;
  dataset.mean = {0.485f, 0.456f, 0.406f};
  dataset.std = {0.229f, 0.224f, 0.225f};
  dataset.labels = labels;
  std::string root = train.string();
  if (root.empty() || root.back() != '/') root.push_back('/');
  dataset.lazy = std::make_shared<const ImageFolderSource>(
      std::move(root), std::move(classes), std::move(labels), std::move(names),
      std::move(offsets), options.cache_images);
  return dataset;
}

absl::StatusOr<ImageFolderStats> GetImageFolderStats(
    const ImageDataset& dataset) {
  const auto* source =
      dynamic_cast<const ImageFolderSource*>(dataset.lazy.get());
  if (source == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "dataset '", dataset.name, "' was not loaded by LoadImageFolder"));
  }
  return source->Stats();
}

}  // namespace tenas::data
