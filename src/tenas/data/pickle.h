// Copyright 2026 The tenas Authors.
//
// pickle.h: a minimal, safe reader for the Python pickles of the Imagenet16
// release (Chrabaszcz et al. 2017): a dict holding a numpy uint8 array
// `data` and a list of ints `labels`.
//
// The reader is a small pickle virtual machine that NEVER executes code. It
// understands protocols 0 to 5 as written by Python 2 cPickle and Python 3,
// but only the opcodes needed for dicts, lists, tuples, ints, floats, strings,
// bytes, the memo and numpy array reconstruction. Globals are accepted only
// from a fixed whitelist (numpy's `_reconstruct`, `ndarray`, `dtype`,
// `_frombuffer`, `_codecs.encode` and argument-less `bytes()`); their calls
// are recognised and interpreted by this code, never looked up or run.
// Everything else (INST, OBJ, EXT*, PERSID, NEWOBJ, any other global, ...) is
// rejected with an InvalidArgument status naming the opcode and its byte
// offset.
//
// Every length is checked against the remaining input, and the stack, mark
// stack, memo, object count and total decoded bytes are bounded, so any input
// -- truncated, corrupt or hostile -- yields an error, never a crash, hang or
// out-of-bounds read.

#ifndef TENAS_DATA_PICKLE_H_
#define TENAS_DATA_PICKLE_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace tenas::data {

/// One decoded Imagenet16 batch file (`train_data_batch_k`, `val_data`).
struct Imagenet16Batch {
  /// Number of images (first dimension of `data`).
  int64_t rows = 0;
  /// Bytes per image (second dimension of `data`; 768 for Imagenet16).
  int64_t cols = 0;
  /// rows x cols uint8 values, row-major (C order), as stored in the pickle.
  std::vector<uint8_t> data;
  /// The `labels` list, exactly as stored (1-based in the release); one per
  /// row.
  std::vector<int64_t> labels;
};

/// Parses the bytes of one Imagenet16 pickle. The top-level object must be a
/// dict with key `data` (a 2-D C-order numpy uint8 array) and key `labels`
/// (a list of ints, one per row; a tuple or a 1-D little-endian numpy integer
/// array is accepted too); other keys (e.g. `mean`) are ignored provided they
/// parse. Keys may be unicode or byte strings (Python 2 `str`).
/// Returns InvalidArgument, naming the opcode or object and its byte offset,
/// for any malformed, truncated, unsupported or forbidden input.
absl::StatusOr<Imagenet16Batch> ParseImagenet16Pickle(absl::string_view bytes);

}  // namespace tenas::data

#endif  // TENAS_DATA_PICKLE_H_
