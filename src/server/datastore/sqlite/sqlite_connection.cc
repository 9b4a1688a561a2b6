#include "server/datastore/sqlite/sqlite_connection.h"

#include <fcntl.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include "common/unique_fd.h"

namespace edgeid::server::sqlite {
namespace {

// Maps the connection's last error to an Error; constraint violations become AlreadyExists.
Error DbError(sqlite3* db, std::string_view what) {
  int code = sqlite3_extended_errcode(db);
  std::string message = std::string(what) + ": " + sqlite3_errmsg(db);
  switch (code & 0xff) {
    case SQLITE_CONSTRAINT:
      return AlreadyExists(message);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
      return Unavailable(message);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return FailedPrecondition(message);
    default:
      return Internal(message);
  }
}

// The shared SQL numbers its parameters $1, $2, ...; SQLite reads "$1" as a named parameter
// whose index is its order of first appearance, so they are rewritten to ?1, ?2, ...
std::string NumberedParameters(std::string_view sql) {
  std::string out(sql);
  for (size_t i = 0; i + 1 < out.size(); ++i) {
    if (out[i] == '$' && std::isdigit(static_cast<unsigned char>(out[i + 1]))) out[i] = '?';
  }
  return out;
}

class SqliteStatement final : public sql::Statement {
 public:
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}

  Statement& Reset() override {
    sqlite3_reset(stmt_.get());
    sqlite3_clear_bindings(stmt_.get());
    bind_failed_ = false;
    return *this;
  }
  Statement& Bind(int index, std::string_view text) override {
    if (sqlite3_bind_text(stmt_.get(), index, text.data(), static_cast<int>(text.size()),
                          SQLITE_TRANSIENT) != SQLITE_OK) {
      bind_failed_ = true;
    }
    return *this;
  }
  Statement& Bind(int index, int64_t value) override {
    if (sqlite3_bind_int64(stmt_.get(), index, value) != SQLITE_OK) bind_failed_ = true;
    return *this;
  }
  Result<bool> Step() override {
    if (bind_failed_) return DbError(db_, "binding statement parameters");
    int rc = sqlite3_step(stmt_.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return DbError(db_, "executing statement");
  }
  Result<int64_t> Run() override {
    while (EDGEID_TRY(Step())) {
    }
    return static_cast<int64_t>(sqlite3_changes(db_));
  }
  std::string Text(int column) const override {
    const auto* text = sqlite3_column_text(stmt_.get(), column);
    int len = sqlite3_column_bytes(stmt_.get(), column);
    return text ? std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(len)) : "";
  }
  int64_t Int(int column) const override { return sqlite3_column_int64(stmt_.get(), column); }

 private:
  struct Finalizer {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
  };
  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
  bool bind_failed_ = false;
};

}  // namespace

Result<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(const std::string& path) {
  {
    // Create the file ourselves so that it is never readable by others, even for a moment.
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!fd.valid()) return Unavailable("opening " + path + ": " + std::strerror(errno));
  }
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  DbPtr db(raw);
  if (rc != SQLITE_OK) return DbError(db.get(), "opening " + path);
  sqlite3_busy_timeout(db.get(), 5000);
  std::unique_ptr<SqliteConnection> conn(new SqliteConnection(std::move(db)));
  EDGEID_RETURN_IF_ERROR(conn->Exec(
      "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;"));
  return conn;
}

Result<std::unique_ptr<sql::Statement>> SqliteConnection::Prepare(std::string_view sql) {
  std::string text = NumberedParameters(sql);
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_.get(), text.c_str(), static_cast<int>(text.size()), &stmt, nullptr) !=
      SQLITE_OK) {
    return DbError(db_.get(), "preparing statement");
  }
  return std::unique_ptr<sql::Statement>(new SqliteStatement(db_.get(), stmt));
}

Status SqliteConnection::Exec(std::string_view sql) {
  char* error = nullptr;
  std::string text(sql);
  if (sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    Error e = DbError(db_.get(), "executing SQL");
    e.message += " (" + message + ")";
    return e;
  }
  return OkStatus();
}

// IMMEDIATE takes the write lock now, so a transaction never fails half way for a lock.
Status SqliteConnection::Begin() {
  return Exec("BEGIN IMMEDIATE");
}
// A deferred transaction reads one WAL snapshot from its first read on.
Status SqliteConnection::BeginRead() {
  return Exec("BEGIN");
}
Status SqliteConnection::Commit() {
  return Exec("COMMIT");
}
void SqliteConnection::Rollback() {
  sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
}

Result<int64_t> SqliteConnection::ChangeMarker() {
  auto stmt = EDGEID_TRY(Prepare("PRAGMA data_version"));
  EDGEID_TRY(stmt->Step());
  return stmt->Int(0);
}

}  // namespace edgeid::server::sqlite
