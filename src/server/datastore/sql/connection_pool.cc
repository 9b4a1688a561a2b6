#include "server/datastore/sql/connection_pool.h"

namespace edgeid::server::sql {

ConnectionPool::ConnectionPool(std::vector<std::unique_ptr<Connection>> connections)
    : idle_(std::move(connections)) {}

ConnectionPool::Lease ConnectionPool::Acquire() {
  std::unique_lock lock(mu_);
  released_.wait(lock, [this] { return !idle_.empty(); });
  auto conn = std::move(idle_.back());
  idle_.pop_back();
  return Lease(*this, std::move(conn));
}

ConnectionPool::Lease::~Lease() {
  if (!conn_) return;  // moved from
  {
    std::lock_guard lock(pool_->mu_);
    pool_->idle_.push_back(std::move(conn_));
  }
  pool_->released_.notify_one();
}

}  // namespace edgeid::server::sql
