// Copyright 2026 The tenas Authors.

#include "server/sqlite_statement.h"

#include <sqlite3.h>

#include "absl/strings/str_cat.h"

namespace tenas::server {
namespace {

absl::Status DatabaseError(sqlite3* db) {
  return absl::InternalError(
      absl::StrCat("state database: ", sqlite3_errmsg(db)));
}

}  // namespace

SqliteStatement::SqliteStatement(sqlite3* db, const char* sql) : db_(db) {
  rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(stmt_); }

absl::Status SqliteStatement::status() const {
  if (rc_ == SQLITE_OK) return absl::OkStatus();
  return DatabaseError(db_);
}

SqliteStatement& SqliteStatement::Bind(int i, const std::string& text) {
  if (rc_ == SQLITE_OK) {
    rc_ = sqlite3_bind_text(stmt_, i, text.data(),
                            static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
  return *this;
}

SqliteStatement& SqliteStatement::BindBlob(int i, const std::string& blob) {
  if (rc_ == SQLITE_OK) {
    rc_ = sqlite3_bind_blob(stmt_, i, blob.data(),
                            static_cast<int>(blob.size()), SQLITE_TRANSIENT);
  }
  return *this;
}

SqliteStatement& SqliteStatement::Bind(int i, int64_t value) {
  if (rc_ == SQLITE_OK) rc_ = sqlite3_bind_int64(stmt_, i, value);
  return *this;
}

absl::StatusOr<bool> SqliteStatement::Step() {
  if (rc_ != SQLITE_OK) return status();
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return DatabaseError(db_);
}

absl::Status SqliteStatement::Run() {
  absl::StatusOr<bool> row = Step();
  return row.ok() ? absl::OkStatus() : row.status();
}

int64_t SqliteStatement::Int(int col) {
  return sqlite3_column_int64(stmt_, col);
}

std::string SqliteStatement::Text(int col) {
  const auto* p = sqlite3_column_blob(stmt_, col);
  const int n = sqlite3_column_bytes(stmt_, col);
  return p == nullptr ? std::string()
                      : std::string(static_cast<const char*>(p), n);
}

bool SqliteStatement::IsNull(int col) {
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}

absl::Status SqliteExec(sqlite3* db, const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : sqlite3_errmsg(db);
    sqlite3_free(error);
    return absl::InternalError(absl::StrCat("state database: ", message));
  }
  return absl::OkStatus();
}

}  // namespace tenas::server
