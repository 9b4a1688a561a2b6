#include "server/datastore/postgres/pg_connection.h"

#include <charconv>
#include <cstring>
#include <vector>

namespace edgeid::server::postgres {
namespace {

// Prepared statements kept per connection; SQL built from filters beyond this runs unprepared.
constexpr size_t kMaxPreparedStatements = 256;

// NOTICE and WARNING messages (such as "there is no transaction in progress") are not errors;
// libpq would print them on stderr.
void IgnoreNotice(void* /*arg*/, const char* /*message*/) {}

Error ConnectionError(PGconn* conn, std::string_view what) {
  std::string message = conn != nullptr ? PQerrorMessage(conn) : "out of memory";
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
    message.pop_back();
  }
  return Unavailable(std::string(what) + ": " + message);
}

class PgStatement final : public sql::Statement {
 public:
  PgStatement(PgConnection& conn, std::string sql) : conn_(conn), sql_(std::move(sql)) {}

  Statement& Reset() override {
    params_.clear();
    bind_error_.clear();
    result_.reset();
    row_ = 0;
    return *this;
  }
  Statement& Bind(int index, std::string_view text) override {
    // libpq takes text parameters as C strings: a NUL would silently cut the value short.
    if (text.find('\0') != std::string_view::npos) bind_error_ = "a text value holds a NUL byte";
    if (index < 1) return *this;
    if (params_.size() < static_cast<size_t>(index)) params_.resize(static_cast<size_t>(index));
    params_[static_cast<size_t>(index - 1)] = std::string(text);
    return *this;
  }
  Statement& Bind(int index, int64_t value) override { return Bind(index, std::to_string(value)); }
  Result<bool> Step() override {
    if (!bind_error_.empty()) return InvalidArgument(bind_error_);
    if (!result_) {
      result_ = EDGEID_TRY(conn_.Execute(sql_, params_));
      row_ = -1;
    }
    ++row_;
    return row_ < PQntuples(result_.get());
  }
  Result<int64_t> Run() override {
    if (!bind_error_.empty()) return InvalidArgument(bind_error_);
    if (!result_) result_ = EDGEID_TRY(conn_.Execute(sql_, params_));
    row_ = PQntuples(result_.get());
    const char* changed = PQcmdTuples(result_.get());
    int64_t count = 0;
    std::from_chars(changed, changed + std::strlen(changed), count);
    return count;
  }
  std::string Text(int column) const override {
    return std::string(PQgetvalue(result_.get(), row_, column),
                       static_cast<size_t>(PQgetlength(result_.get(), row_, column)));
  }
  int64_t Int(int column) const override {
    const char* text = PQgetvalue(result_.get(), row_, column);
    int64_t value = 0;
    std::from_chars(text, text + std::strlen(text), value);
    return value;
  }

 private:
  PgConnection& conn_;
  std::string sql_;
  std::vector<std::string> params_;
  std::string bind_error_;
  ResultPtr result_;
  int row_ = 0;
};

}  // namespace

Result<std::unique_ptr<PgConnection>> PgConnection::Connect(const std::string& conninfo) {
  char* parse_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &parse_error);
  if (options == nullptr) {
    PQfreemem(parse_error);
    // libpq's message quotes the offending part, which may be the password.
    return InvalidArgument(
        "PostgreSQL connection string is malformed (expected key=value pairs or a "
        "postgresql:// URI)");
  }
  PQconninfoFree(options);
  std::unique_ptr<PgConnection> conn(new PgConnection(PQconnectdb(conninfo.c_str())));
  if (PQstatus(conn->conn_.get()) != CONNECTION_OK) {
    return ConnectionError(conn->conn_.get(), "connecting to PostgreSQL");
  }
  PQsetNoticeProcessor(conn->conn_.get(), IgnoreNotice, nullptr);
  return conn;
}

Status PgConnection::EnsureConnected() {
  if (PQstatus(conn_.get()) == CONNECTION_OK) return OkStatus();
  // The server rolled the transaction back with the session: reconnecting here would run the
  // rest of it outside any transaction.
  if (in_transaction_) return ConnectionError(conn_.get(), "connection lost in a transaction");
  prepared_.clear();  // a new session knows none of them
  PQreset(conn_.get());
  if (PQstatus(conn_.get()) != CONNECTION_OK) {
    return ConnectionError(conn_.get(), "reconnecting to PostgreSQL");
  }
  PQsetNoticeProcessor(conn_.get(), IgnoreNotice, nullptr);
  return OkStatus();
}

// Only the primary message: the DETAIL of a unique violation would quote the key, which may be
// a join token.
Error PgConnection::ResultError(const PGresult* result, std::string_view what) const {
  if (result == nullptr || PQstatus(conn_.get()) != CONNECTION_OK) {
    return ConnectionError(conn_.get(), what);
  }
  const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
  std::string sqlstate = state != nullptr ? state : "";
  std::string message = std::string(what) + ": " + (primary != nullptr ? primary : "error") +
                        " (SQLSTATE " + sqlstate + ")";
  std::string_view cls = std::string_view(sqlstate).substr(0, 2);
  if (sqlstate == "23505") return AlreadyExists(message);
  if (cls == "22" || cls == "23") return InvalidArgument(message);
  // Serialization failures, deadlocks, shutdowns and lost connections are worth a retry.
  if (cls == "40" || cls == "08" || cls == "57" || cls == "53") return Unavailable(message);
  return Internal(message);
}

Result<ResultPtr> PgConnection::Execute(const std::string& sql,
                                        const std::vector<std::string>& params) {
  EDGEID_RETURN_IF_ERROR(EnsureConnected());
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p.c_str());
  const int count = static_cast<int>(params.size());
  ResultPtr result;
  auto it = prepared_.find(sql);
  if (it == prepared_.end() && prepared_.size() < kMaxPreparedStatements) {
    std::string name = "edgeid_" + std::to_string(prepared_.size());
    ResultPtr prepared(PQprepare(conn_.get(), name.c_str(), sql.c_str(), 0, nullptr));
    if (PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) {
      return ResultError(prepared.get(), "preparing statement");
    }
    it = prepared_.emplace(sql, std::move(name)).first;
  }
  if (it != prepared_.end()) {
    result.reset(
        PQexecPrepared(conn_.get(), it->second.c_str(), count, values.data(), nullptr, nullptr, 0));
  } else {
    result.reset(
        PQexecParams(conn_.get(), sql.c_str(), count, nullptr, values.data(), nullptr, nullptr, 0));
  }
  auto status = PQresultStatus(result.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    return ResultError(result.get(), "executing statement");
  }
  return result;
}

Result<std::unique_ptr<sql::Statement>> PgConnection::Prepare(std::string_view sql) {
  return std::unique_ptr<sql::Statement>(new PgStatement(*this, std::string(sql)));
}

Status PgConnection::Exec(std::string_view sql) {
  EDGEID_RETURN_IF_ERROR(EnsureConnected());
  std::string text(sql);
  ResultPtr result(PQexec(conn_.get(), text.c_str()));
  auto status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return ResultError(result.get(), "executing SQL");
  }
  return OkStatus();
}

Status PgConnection::Begin() {
  EDGEID_RETURN_IF_ERROR(Exec("BEGIN"));
  in_transaction_ = true;
  return OkStatus();
}

// READ COMMITTED would give each statement its own snapshot; REPEATABLE READ gives the
// transaction one.
Status PgConnection::BeginRead() {
  EDGEID_RETURN_IF_ERROR(Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
  in_transaction_ = true;
  return OkStatus();
}

Status PgConnection::Commit() {
  EDGEID_RETURN_IF_ERROR(EnsureConnected());
  ResultPtr result(PQexec(conn_.get(), "COMMIT"));
  in_transaction_ = false;
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    return ResultError(result.get(), "committing");
  }
  // COMMIT of a transaction that had failed reports ROLLBACK, not an error.
  if (std::strcmp(PQcmdStatus(result.get()), "COMMIT") != 0) {
    return Unavailable("committing: the transaction was rolled back");
  }
  return OkStatus();
}

void PgConnection::Rollback() {
  in_transaction_ = false;
  if (PQstatus(conn_.get()) != CONNECTION_OK) return;  // the server ended it already
  ResultPtr result(PQexec(conn_.get(), "ROLLBACK"));
}

Result<int64_t> PgConnection::ChangeMarker() {
  auto stmt = EDGEID_TRY(Prepare("SELECT value FROM change_marker WHERE id = 1"));
  if (!EDGEID_TRY(stmt->Step())) return FailedPrecondition("change_marker row is missing");
  return stmt->Int(0);
}

}  // namespace edgeid::server::postgres
