// Copyright 2026 The tenas Authors.

#include "server/status_mapping.h"

#include <string>

#include "tenas/util/error_text.h"

namespace tenas::server {
namespace {

// absl::StatusCode and grpc::StatusCode both follow google.rpc.Code.
grpc::StatusCode ToGrpcCode(absl::StatusCode code) {
  return static_cast<grpc::StatusCode>(code);
}

}  // namespace

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(ToGrpcCode(status.code()),
                      ShortInput(status.message(), kMaxStatusMessageBytes));
}

void ToScoreError(const absl::Status& status, v1::ScoreError* out) {
  out->set_code(static_cast<int>(ToGrpcCode(status.code())));
  out->set_message(ShortInput(status.message(), kMaxStatusMessageBytes));
}

std::string GrpcCodeName(grpc::StatusCode code) {
  // The names are google.rpc.Code's, which absl spells the same way.
  std::string name =
      absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
  return name.empty() ? "UNKNOWN" : name;
}

}  // namespace tenas::server
