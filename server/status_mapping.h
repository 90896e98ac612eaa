// Copyright 2026 The tenas Authors.
//
// status_mapping.h: the one place where library errors (absl::Status)
// become gRPC status codes: the status of every call, the per-item errors
// of ScoreArchitectures, and the names of the codes in metrics. The rest of
// the server decides what went wrong as an absl::Status and never picks a
// grpc::StatusCode itself.

#ifndef TENAS_SERVER_STATUS_MAPPING_H_
#define TENAS_SERVER_STATUS_MAPPING_H_

#include <grpcpp/support/status.h>

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "tenas/v1/scorer.pb.h"

namespace tenas::server {

/// The longest status message sent to a client, in bytes. Messages quote
/// user input only in short (tenas/util/error_text.h); this cap is the
/// backstop, far below gRPC clients' 8 KiB metadata limit.
inline constexpr size_t kMaxStatusMessageBytes = 1024;

/// Maps an absl::Status to a grpc::Status with the same canonical code and
/// message (the codes share numbering), the message cut to
/// kMaxStatusMessageBytes. OK maps to OK.
grpc::Status ToGrpcStatus(const absl::Status& status);

/// A per-item error of ScoreArchitectures: `status`'s gRPC code (a
/// google.rpc.Code value) and message, cut like ToGrpcStatus's. Precondition:
/// `status` is not OK.
void ToScoreError(const absl::Status& status, v1::ScoreError* out);

/// The name of a gRPC code ("INVALID_ARGUMENT"), the `code` label of
/// tenas_requests_total; "UNKNOWN" for a number outside the enum.
std::string GrpcCodeName(grpc::StatusCode code);

}  // namespace tenas::server

#endif  // TENAS_SERVER_STATUS_MAPPING_H_
