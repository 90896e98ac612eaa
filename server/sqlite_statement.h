// Copyright 2026 The tenas Authors.
//
// sqlite_statement.h: thin SQLite helpers for the StateStore: a prepared
// statement whose binds chain and whose steps return absl::Status, and
// one-shot execution of SQL text. Errors are INTERNAL, "state database:
// <SQLite's message>". Not thread-safe: the caller serialises use of the
// connection.

#ifndef TENAS_SERVER_SQLITE_STATEMENT_H_
#define TENAS_SERVER_SQLITE_STATEMENT_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct sqlite3;
struct sqlite3_stmt;

namespace tenas::server {

/// One prepared statement on `db`; finalized on destruction. A failed
/// prepare or bind is remembered: later binds do nothing and Step() returns
/// the error.
class SqliteStatement {
 public:
  /// Prepares `sql` (one statement, parameters ?1, ?2, ...). `db` must
  /// outlive the statement.
  SqliteStatement(sqlite3* db, const char* sql);
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  /// OK, or the error of the prepare or of a bind.
  absl::Status status() const;

  /// Binds parameter `i` (1-based) to text, a blob or an integer.
  SqliteStatement& Bind(int i, const std::string& text);
  SqliteStatement& BindBlob(int i, const std::string& blob);
  SqliteStatement& Bind(int i, int64_t value);

  /// Steps once: true with a row to read, false when done.
  absl::StatusOr<bool> Step();
  /// Steps once, for a statement that returns no row.
  absl::Status Run();

  /// Columns of the current row (0-based).
  int64_t Int(int col);
  /// Text or blob bytes ("" for NULL).
  std::string Text(int col);
  bool IsNull(int col);

 private:
  sqlite3* const db_;
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

/// Runs `sql` on `db`: any number of statements, without parameters.
absl::Status SqliteExec(sqlite3* db, const char* sql);

}  // namespace tenas::server

#endif  // TENAS_SERVER_SQLITE_STATEMENT_H_
