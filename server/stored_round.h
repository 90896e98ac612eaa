// Copyright 2026 The tenas Authors.
//
// stored_round.h: a completed search round (search::RoundRecord) and the
// alpha state after it, to and from the state database's StoredRound.
// Lossless: a round read back resumes the search with the same decisions.

#ifndef TENAS_SERVER_STORED_ROUND_H_
#define TENAS_SERVER_STORED_ROUND_H_

#include "absl/status/statusor.h"
#include "tenas/internal/state.pb.h"
#include "tenas/search/prune_search.h"

namespace tenas::server {

/// `record` with the ops `alive` after it.
internal::StoredRound StoredRoundFromRecord(const search::RoundRecord& record,
                                            const search::AliveMask& alive);

/// The library record of a stored round; DATA_LOSS when it is malformed.
absl::StatusOr<search::RoundRecord> RecordFromStoredRound(
    const internal::StoredRound& stored);

/// The alpha state stored with a round.
search::AliveMask AliveFromStoredRound(const internal::StoredRound& stored);

}  // namespace tenas::server

#endif  // TENAS_SERVER_STORED_ROUND_H_
