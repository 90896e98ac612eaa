// Copyright 2026 The tenas Authors.
//
// status_mapping.h: the one place where library errors (absl::Status) become
// gRPC status codes.

#ifndef TENAS_SERVER_STATUS_MAPPING_H_
#define TENAS_SERVER_STATUS_MAPPING_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace tenas::server {

/// Maps an absl::Status to a grpc::Status with the same canonical code and
/// message (the codes share numbering). OK maps to OK.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace tenas::server

#endif  // TENAS_SERVER_STATUS_MAPPING_H_
