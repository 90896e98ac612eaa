// Copyright 2026 The tenas Authors.
//
// image_folder.cc: the ImageNet-1k image folder, lazily decoded with
// libjpeg-turbo (TurboJPEG API) and resized like PIL, with a bounded cache.
//
// Fidelity to torchvision's ImageFolder + PIL loader + Resize((32, 32)):
//  - Decoding: TurboJPEG with its defaults (accurate integer IDCT, fancy
//    upsampling), which are libjpeg's defaults that PIL also decodes with, so
//    the RGB pixels match PIL's given the same libjpeg(-turbo) build.
//    Grayscale JPEGs are expanded to RGB (R = G = B), as convert("RGB").
//    CMYK / YCCK JPEGs are decoded to CMYK and converted with PIL's rules:
//    the decoded values are inverted ("CMYK;I", Adobe convention) into
//    C, M, Y, K and then R = (255 - K) - C * (255 - K) / 255 (likewise G, B)
//    with PIL's integer rounding.
//  - Truncated files: libjpeg only warns and pads the image with grey; PIL
//    raises "image file is truncated". A decode that warned and whose file
//    has no EOI marker (FF D9) in its last 64 bytes is therefore an error.
//    Other libjpeg warnings (e.g. extraneous bytes) are accepted, as in PIL.
//  - Checked bit-exact against Pillow 9.4 (Debian, libjpeg-turbo 2.1.5) on
//    baseline and progressive JPEGs, 4:4:4 / 4:2:2 / 4:2:0, grayscale, CMYK,
//    extraneous bytes before EOI and trailing garbage after it.
//  - Deviations: only JPEG content is decoded (a PNG saved as .JPEG, which
//    PIL would open, is reported corrupt and skipped); a file that makes
//    libjpeg warn and has over 64 bytes of junk after its EOI is taken as
//    truncated; images are listed only directly inside the class folders
//    (torchvision also walks nested folders); EXIF orientation is ignored,
//    as PIL does.

#include "tenas/data/image_folder.h"

#include <turbojpeg.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tenas/util/rng.h"
#include "tenas/util/status_macros.h"

namespace tenas::data {
namespace {

namespace fs = std::filesystem;

constexpr int kSide = 32;
constexpr int kChannels = 3;
constexpr int64_t kImageBytes = int64_t{kChannels} * kSide * kSide;
/// PIL refuses images above 2 * Image.MAX_IMAGE_PIXELS (decompression bomb).
constexpr int64_t kMaxPixels = int64_t{2} * 89478485;
/// Most cache shards (each with its own mutex).
constexpr int64_t kMaxShards = 64;

// ---------------------------------------------------------------------------
// PIL's ImagingResample (libImaging/Resample.c), 8 bits per channel.

constexpr int kPrecisionBits = 32 - 8 - 2;

/// PIL's bilinear (triangle) filter, support 1.
double BilinearFilter(double x) {
  if (x < 0.0) x = -x;
  if (x < 1.0) return 1.0 - x;
  return 0.0;
}

/// Taps of one axis: for output i, inputs [bounds[2i], bounds[2i] +
/// bounds[2i+1]) with fixed-point weights kk[i * ksize + j].
struct ResampleCoeffs {
  int ksize = 0;
  std::vector<int> bounds;
  std::vector<int32_t> kk;
};

/// precompute_coeffs() followed by normalize_coeffs_8bpc() (box = whole axis).
ResampleCoeffs PrecomputeCoeffs(int in_size, int out_size) {
  ResampleCoeffs c;
  // PIL: scale = (double)(in1 - in0) / outSize with float in0 = 0, in1 =
  // in_size (exact for any realistic size).
  const double scale = static_cast<double>(static_cast<float>(in_size)) /
                       static_cast<double>(out_size);
  const double filterscale = scale < 1.0 ? 1.0 : scale;
  const double support = 1.0 * filterscale;
  c.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  c.bounds.assign(static_cast<size_t>(out_size) * 2, 0);
  c.kk.assign(static_cast<size_t>(out_size) * c.ksize, 0);
  std::vector<double> k(static_cast<size_t>(c.ksize));
  const double ss = 1.0 / filterscale;
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = (xx + 0.5) * scale;
    // C truncation toward zero, as PIL's (int) casts.
    int xmin = static_cast<int>(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    double ww = 0.0;
    for (int x = 0; x < xmax; ++x) {
      const double w = BilinearFilter((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (int x = 0; x < xmax; ++x) {
      if (ww != 0.0) k[x] /= ww;
    }
    int32_t* kk = &c.kk[static_cast<size_t>(xx) * c.ksize];
    for (int x = 0; x < xmax; ++x) {
      const double v = k[x] * (1 << kPrecisionBits);
      kk[x] = static_cast<int32_t>(k[x] < 0 ? -0.5 + v : 0.5 + v);
    }
    c.bounds[2 * xx] = xmin;
    c.bounds[2 * xx + 1] = xmax;
  }
  return c;
}

/// PIL's clip8: fixed-point sum (with the 0.5 rounding term) to uint8.
inline uint8_t Clip8(int32_t in) {
  if (in >= (1 << kPrecisionBits << 8)) return 255;
  if (in <= 0) return 0;
  return static_cast<uint8_t>(in >> kPrecisionBits);
}

/// Horizontal pass over rows [y0, y1) of an interleaved RGB image of width
/// in_w; writes (y1 - y0) rows of out_w interleaved pixels to `out`.
void ResampleHorizontal(const uint8_t* in, int in_w, int y0, int y1,
                        const ResampleCoeffs& c, int out_w, uint8_t* out) {
  for (int y = y0; y < y1; ++y) {
    const uint8_t* row = in + static_cast<int64_t>(y) * in_w * kChannels;
    for (int xx = 0; xx < out_w; ++xx) {
      const int xmin = c.bounds[2 * xx];
      const int n = c.bounds[2 * xx + 1];
      const int32_t* k = &c.kk[static_cast<size_t>(xx) * c.ksize];
      int32_t ss0 = 1 << (kPrecisionBits - 1);
      int32_t ss1 = ss0;
      int32_t ss2 = ss0;
      const uint8_t* p = row + static_cast<int64_t>(xmin) * kChannels;
      for (int x = 0; x < n; ++x, p += kChannels) {
        ss0 += p[0] * k[x];
        ss1 += p[1] * k[x];
        ss2 += p[2] * k[x];
      }
      *out++ = Clip8(ss0);
      *out++ = Clip8(ss1);
      *out++ = Clip8(ss2);
    }
  }
}

/// Vertical pass: `in` is interleaved RGB of width w whose row 0 is source
/// row `y0`; writes out_h rows as channel planes to `out`.
void ResampleVerticalToPlanes(const uint8_t* in, int w, int y0,
                              const ResampleCoeffs& c, int out_h,
                              uint8_t* out) {
  const int64_t plane = static_cast<int64_t>(out_h) * w;
  for (int yy = 0; yy < out_h; ++yy) {
    const int ymin = c.bounds[2 * yy] - y0;
    const int n = c.bounds[2 * yy + 1];
    const int32_t* k = &c.kk[static_cast<size_t>(yy) * c.ksize];
    for (int x = 0; x < w; ++x) {
      int32_t ss0 = 1 << (kPrecisionBits - 1);
      int32_t ss1 = ss0;
      int32_t ss2 = ss0;
      const uint8_t* p = in + (static_cast<int64_t>(ymin) * w + x) * kChannels;
      for (int y = 0; y < n; ++y, p += static_cast<int64_t>(w) * kChannels) {
        ss0 += p[0] * k[y];
        ss1 += p[1] * k[y];
        ss2 += p[2] * k[y];
      }
      const int64_t o = static_cast<int64_t>(yy) * w + x;
      out[o] = Clip8(ss0);
      out[plane + o] = Clip8(ss1);
      out[2 * plane + o] = Clip8(ss2);
    }
  }
}

/// Interleaved RGB (h x w x 3) to channel planes.
void InterleavedToPlanes(const uint8_t* in, int h, int w, uint8_t* out) {
  const int64_t plane = static_cast<int64_t>(h) * w;
  for (int64_t i = 0; i < plane; ++i) {
    out[i] = in[3 * i];
    out[plane + i] = in[3 * i + 1];
    out[2 * plane + i] = in[3 * i + 2];
  }
}

// ---------------------------------------------------------------------------
// JPEG decoding.

/// Frees a TurboJPEG handle.
struct TjHandleDeleter {
  void operator()(void* handle) const {
    if (handle != nullptr) tjDestroy(handle);
  }
};

/// This thread's TurboJPEG decompressor (created on first use), or null if
/// TurboJPEG could not allocate one.
tjhandle ThreadDecompressor() {
  thread_local std::unique_ptr<void, TjHandleDeleter> handle(
      tjInitDecompress());
  return handle.get();
}

/// Per-thread decode buffers, reused between images.
struct DecodeBuffers {
  std::vector<uint8_t> file;
  std::vector<uint8_t> pixels;  // RGB or CMYK as decoded.
  std::vector<uint8_t> rgb;     // CMYK converted to RGB.

  /// Drops buffers grown by an unusually large image.
  void Trim() {
    constexpr size_t kKeep = size_t{32} << 20;
    for (std::vector<uint8_t>* v : {&file, &pixels, &rgb}) {
      if (v->capacity() > kKeep) std::vector<uint8_t>().swap(*v);
    }
  }
};

DecodeBuffers& ThreadBuffers() {
  thread_local DecodeBuffers buffers;
  return buffers;
}

/// Reads the whole file at `path` into `bytes`.
absl::Status ReadWholeFile(const std::string& path,
                           std::vector<uint8_t>& bytes) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    const int err = errno;
    const std::string msg =
        absl::StrCat(path, ": cannot open: ", std::strerror(err));
    if (err == ENOENT) return absl::NotFoundError(msg);
    if (err == EACCES) return absl::PermissionDeniedError(msg);
    return absl::UnavailableError(msg);
  }
  bytes.clear();
  long size = -1;
  if (std::fseek(f, 0, SEEK_END) == 0) size = std::ftell(f);
  if (size < 0 || std::fseek(f, 0, SEEK_SET) != 0) {
    std::fclose(f);
    return absl::DataLossError(absl::StrCat(path, ": cannot seek"));
  }
  bytes.resize(static_cast<size_t>(size));
  const size_t got =
      size > 0 ? std::fread(bytes.data(), 1, bytes.size(), f) : 0;
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed || got != bytes.size()) {
    return absl::DataLossError(
        absl::StrCat(path, ": read error after ", got, " of ", size, " bytes"));
  }
  return absl::OkStatus();
}

/// Whether an EOI marker (FF D9) is among the last 64 bytes. Entropy-coded
/// data never contains FF D9, so a file without one was cut short.
bool HasEoiNearEnd(const std::vector<uint8_t>& bytes) {
  const size_t n = bytes.size();
  const size_t from = n > 64 ? n - 64 : 0;
  for (size_t i = from; i + 1 < n; ++i) {
    if (bytes[i] == 0xFF && bytes[i + 1] == 0xD9) return true;
  }
  return false;
}

/// PIL's MULDIV255: a * b / 255 with PIL's integer rounding.
inline int MulDiv255(int a, int b) {
  const int tmp = a * b + 128;
  return ((tmp >> 8) + tmp) >> 8;
}

/// PIL: a CMYK JPEG is read as "CMYK;I" (every component inverted), then
/// convert("RGB") applies cmyk2rgb. `in` is CMYK as libjpeg decodes it.
void CmykToRgbLikePil(const uint8_t* in, int64_t pixels, uint8_t* out) {
  for (int64_t i = 0; i < pixels; ++i, in += 4, out += 3) {
    const int nk = in[3];  // 255 - (255 - K).
    for (int c = 0; c < 3; ++c) {
      const int v = nk - MulDiv255(255 - in[c], nk);
      out[c] = static_cast<uint8_t>(std::clamp(v, 0, 255));
    }
  }
}

/// Decodes the JPEG file at `path` and writes it resized to 32x32 channel
/// planes to `out`. DataLoss for any file that is not a whole, decodable JPEG.
absl::Status DecodeJpegFile(const std::string& path, uint8_t* out) {
  DecodeBuffers& buf = ThreadBuffers();
  TENAS_RETURN_IF_ERROR(ReadWholeFile(path, buf.file));
  if (buf.file.empty()) {
    return absl::DataLossError(absl::StrCat(path, ": empty file"));
  }
  tjhandle tj = ThreadDecompressor();
  if (tj == nullptr) {
    return absl::InternalError(absl::StrCat(
        path,
        ": cannot create a TurboJPEG decompressor: ", tjGetErrorStr2(nullptr)));
  }
  int width = 0, height = 0, subsamp = 0, colorspace = 0;
  if (tjDecompressHeader3(tj, buf.file.data(),
                          static_cast<unsigned long>(buf.file.size()), &width,
                          &height, &subsamp, &colorspace) != 0) {
    return absl::DataLossError(
        absl::StrCat(path, ": not a readable JPEG (", tjGetErrorStr2(tj), ")"));
  }
  const int64_t pixels = static_cast<int64_t>(width) * height;
  if (width < 1 || height < 1 || pixels > kMaxPixels) {
    return absl::DataLossError(absl::StrCat(path, ": JPEG of ", width, "x",
                                            height,
                                            " pixels is empty or too large"));
  }
  const bool cmyk = colorspace == TJCS_CMYK || colorspace == TJCS_YCCK;
  const int bpp = cmyk ? 4 : 3;
  buf.pixels.resize(static_cast<size_t>(pixels * bpp));
  if (tjDecompress2(tj, buf.file.data(),
                    static_cast<unsigned long>(buf.file.size()),
                    buf.pixels.data(), width, 0, height,
                    cmyk ? TJPF_CMYK : TJPF_RGB, 0) != 0) {
    const std::string reason = tjGetErrorStr2(tj);
    if (tjGetErrorCode(tj) != TJERR_WARNING) {
      return absl::DataLossError(
          absl::StrCat(path, ": JPEG decode failed (", reason, ")"));
    }
    if (!HasEoiNearEnd(buf.file)) {
      return absl::DataLossError(
          absl::StrCat(path, ": truncated JPEG (", reason, ")"));
    }
  }
  const uint8_t* rgb = buf.pixels.data();
  if (cmyk) {
    buf.rgb.resize(static_cast<size_t>(pixels * 3));
    CmykToRgbLikePil(buf.pixels.data(), pixels, buf.rgb.data());
    rgb = buf.rgb.data();
  }
  ResizeRgbPil(rgb, height, width, kSide, kSide, out);
  buf.Trim();
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// Cache.

/// A bounded cache of decoded images, split into shards that each have a
/// mutex and a clock (second-chance) eviction hand. Thread-safe.
class ImageCache {
 public:
  ImageCache(int64_t capacity, int64_t image_bytes)
      : image_bytes_(image_bytes),
        shards_(static_cast<size_t>(std::min(capacity, kMaxShards))) {
    const int64_t n = static_cast<int64_t>(shards_.size());
    for (int64_t s = 0; s < n; ++s) {
      Shard& shard = shards_[static_cast<size_t>(s)];
      shard.capacity = capacity / n + (s < capacity % n ? 1 : 0);
      // Address space only: pages are touched as slots fill.
      shard.data.reserve(static_cast<size_t>(shard.capacity * image_bytes));
    }
  }

  /// Copies image `key` to `out` if cached.
  bool Lookup(int64_t key, uint8_t* out) {
    Shard& shard = ShardOf(key);
    std::lock_guard<std::mutex> lock(shard.mu);
    const auto it = shard.slot_of.find(key);
    if (it == shard.slot_of.end()) return false;
    const int64_t slot = it->second;
    shard.referenced[static_cast<size_t>(slot)] = 1;
    std::memcpy(out, shard.data.data() + slot * image_bytes_,
                static_cast<size_t>(image_bytes_));
    return true;
  }

  /// Stores image `key`, evicting another if the shard is full. Returns
  /// whether an image was evicted.
  bool Insert(int64_t key, const uint8_t* image) {
    Shard& shard = ShardOf(key);
    std::lock_guard<std::mutex> lock(shard.mu);
    if (shard.slot_of.count(key) != 0) return false;  // Raced: already in.
    int64_t slot;
    bool evicted = false;
    if (static_cast<int64_t>(shard.keys.size()) < shard.capacity) {
      slot = static_cast<int64_t>(shard.keys.size());
      shard.keys.push_back(key);
      shard.referenced.push_back(0);
      shard.data.resize(shard.data.size() + static_cast<size_t>(image_bytes_));
    } else {
      // Clock: skip (and clear) recently used slots.
      while (shard.referenced[static_cast<size_t>(shard.hand)] != 0) {
        shard.referenced[static_cast<size_t>(shard.hand)] = 0;
        shard.hand = (shard.hand + 1) % shard.capacity;
      }
      slot = shard.hand;
      shard.hand = (shard.hand + 1) % shard.capacity;
      shard.slot_of.erase(shard.keys[static_cast<size_t>(slot)]);
      shard.keys[static_cast<size_t>(slot)] = key;
      evicted = true;
    }
    shard.slot_of.emplace(key, slot);
    std::memcpy(shard.data.data() + slot * image_bytes_, image,
                static_cast<size_t>(image_bytes_));
    return evicted;
  }

  /// Images now held.
  int64_t size() {
    int64_t total = 0;
    for (Shard& shard : shards_) {
      std::lock_guard<std::mutex> lock(shard.mu);
      total += static_cast<int64_t>(shard.keys.size());
    }
    return total;
  }

 private:
  struct Shard {
    std::mutex mu;
    int64_t capacity = 0;
    int64_t hand = 0;
    std::vector<uint8_t> data;        // Slot s at s * image_bytes_.
    std::vector<int64_t> keys;        // Image index held by each slot.
    std::vector<uint8_t> referenced;  // Clock bits.
    std::unordered_map<int64_t, int64_t> slot_of;
  };

  Shard& ShardOf(int64_t key) {
    return shards_[static_cast<size_t>(MixBits(static_cast<uint64_t>(key)) %
                                       shards_.size())];
  }

  const int64_t image_bytes_;
  std::vector<Shard> shards_;
};

// ---------------------------------------------------------------------------
// The lazy source.

/// Images of an ImageNet-style folder, decoded on demand. Thread-safe.
class ImageFolderSource : public LazyImageSource {
 public:
  /// `root` ends with a separator; image i is root + classes[labels[i]] +
  /// "/" + names[offsets[i], offsets[i + 1]).
  ImageFolderSource(std::string root, std::vector<std::string> classes,
                    std::vector<int32_t> labels, std::string names,
                    std::vector<uint64_t> offsets, int64_t cache_images)
      : root_(std::move(root)),
        classes_(std::move(classes)),
        labels_(std::move(labels)),
        names_(std::move(names)),
        offsets_(std::move(offsets)),
        corrupt_flags_(
            std::make_unique<std::atomic<uint8_t>[]>(labels_.size())) {
    if (cache_images > 0) {
      cache_ = std::make_unique<ImageCache>(cache_images, kImageBytes);
    }
  }

  absl::Status Read(int64_t i, uint8_t* out) const override {
    if (i < 0 || i >= static_cast<int64_t>(labels_.size())) {
      return absl::OutOfRangeError(absl::StrCat(
          "image index ", i, " out of range [0, ", labels_.size(), ")"));
    }
    if (corrupt_flags_[static_cast<size_t>(i)].load(
            std::memory_order_acquire) != 0) {
      failed_reads_.fetch_add(1, std::memory_order_relaxed);
      std::lock_guard<std::mutex> lock(corrupt_mu_);
      const auto it = corrupt_reason_.find(i);
      return it != corrupt_reason_.end()
                 ? it->second
                 : absl::DataLossError(absl::StrCat(Path(i), ": corrupt"));
    }
    if (cache_ != nullptr && cache_->Lookup(i, out)) {
      cache_hits_.fetch_add(1, std::memory_order_relaxed);
      return absl::OkStatus();
    }
    absl::Status status = DecodeJpegFile(Path(i), out);
    if (!status.ok()) {
      failed_reads_.fetch_add(1, std::memory_order_relaxed);
      {
        std::lock_guard<std::mutex> lock(corrupt_mu_);
        corrupt_reason_.emplace(i, status);
      }
      if (corrupt_flags_[static_cast<size_t>(i)].exchange(
              1, std::memory_order_acq_rel) == 0) {
        corrupt_.fetch_add(1, std::memory_order_relaxed);
      }
      return status;
    }
    decoded_.fetch_add(1, std::memory_order_relaxed);
    if (cache_ != nullptr && cache_->Insert(i, out)) {
      evictions_.fetch_add(1, std::memory_order_relaxed);
    }
    return absl::OkStatus();
  }

  ImageFolderStats Stats() const {
    ImageFolderStats s;
    s.images = static_cast<int64_t>(labels_.size());
    s.decoded = decoded_.load(std::memory_order_relaxed);
    s.cache_hits = cache_hits_.load(std::memory_order_relaxed);
    s.evictions = evictions_.load(std::memory_order_relaxed);
    s.cached = cache_ != nullptr ? cache_->size() : 0;
    s.corrupt = corrupt_.load(std::memory_order_relaxed);
    s.failed_reads = failed_reads_.load(std::memory_order_relaxed);
    return s;
  }

 private:
  std::string Path(int64_t i) const {
    const size_t from = static_cast<size_t>(offsets_[static_cast<size_t>(i)]);
    const size_t to = static_cast<size_t>(offsets_[static_cast<size_t>(i) + 1]);
    std::string path = root_;
    path.append(classes_[static_cast<size_t>(labels_[static_cast<size_t>(i)])]);
    path.push_back('/');
    path.append(names_, from, to - from);
    return path;
  }

  const std::string root_;
  const std::vector<std::string> classes_;
  const std::vector<int32_t> labels_;
  const std::string names_;
  const std::vector<uint64_t> offsets_;
  std::unique_ptr<ImageCache> cache_;
  /// 1 once image i was found corrupt; later reads fail without I/O.
  std::unique_ptr<std::atomic<uint8_t>[]> corrupt_flags_;
  mutable std::mutex corrupt_mu_;
  mutable std::unordered_map<int64_t, absl::Status> corrupt_reason_;
  mutable std::atomic<int64_t> decoded_{0};
  mutable std::atomic<int64_t> cache_hits_{0};
  mutable std::atomic<int64_t> evictions_{0};
  mutable std::atomic<int64_t> corrupt_{0};
  mutable std::atomic<int64_t> failed_reads_{0};
};

// ---------------------------------------------------------------------------
// Listing.

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

void ResizeRgbPil(const uint8_t* src, int src_h, int src_w, int dst_h,
                  int dst_w, uint8_t* dst) {
  const bool need_horizontal = dst_w != src_w;
  const bool need_vertical = dst_h != src_h;
  if (!need_horizontal && !need_vertical) {
    InterleavedToPlanes(src, src_h, src_w, dst);
    return;
  }
  const ResampleCoeffs vert = PrecomputeCoeffs(src_h, dst_h);
  if (!need_horizontal) {
    ResampleVerticalToPlanes(src, src_w, 0, vert, dst_h, dst);
    return;
  }
  const ResampleCoeffs horiz = PrecomputeCoeffs(src_w, dst_w);
  if (!need_vertical) {
    std::vector<uint8_t> tmp(static_cast<size_t>(src_h) * dst_w * kChannels);
    ResampleHorizontal(src, src_w, 0, src_h, horiz, dst_w, tmp.data());
    InterleavedToPlanes(tmp.data(), dst_h, dst_w, dst);
    return;
  }
  // As PIL: the horizontal pass only covers the rows the vertical one reads.
  const int y_first = vert.bounds[0];
  const int y_last = vert.bounds[2 * dst_h - 2] + vert.bounds[2 * dst_h - 1];
  std::vector<uint8_t> tmp(static_cast<size_t>(y_last - y_first) * dst_w *
                           kChannels);
  ResampleHorizontal(src, src_w, y_first, y_last, horiz, dst_w, tmp.data());
  ResampleVerticalToPlanes(tmp.data(), dst_w, y_first, vert, dst_h, dst);
}

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
