// EntryService: registration entries over the admin socket.
#pragma once

#include <spdlog/logger.h>

#include <functional>
#include <memory>
#include <mutex>

#include "edgeid/server/v1/entry.grpc.pb.h"
#include "grpctls/grpc_status.h"
#include "server/datastore/datastore.h"
#include "spiffe/spiffe_id.h"

namespace edgeid::server {

class EntryService final : public v1::EntryService::Service {
 public:
  // `on_change` gets each committed change, in commit order, before the caller is answered.
  // `write_mu` orders entry writes and their notifications; every writer of entries in this
  // server shares it.
  EntryService(DataStore& datastore, spiffe::TrustDomain td, std::shared_ptr<spdlog::logger> log,
               std::mutex& write_mu, std::function<void(EntryChange)> on_change = {})
      : datastore_(datastore),
        td_(std::move(td)),
        log_(std::move(log)),
        on_change_(std::move(on_change)),
        write_mu_(write_mu) {}

  grpc::Status CountEntries(grpc::ServerContext*, const v1::CountEntriesRequest*,
                            v1::CountEntriesResponse* response) override;
  grpc::Status ListEntries(grpc::ServerContext*, const v1::ListEntriesRequest* request,
                           v1::ListEntriesResponse* response) override;
  grpc::Status GetEntry(grpc::ServerContext*, const v1::GetEntryRequest* request,
                        v1::Entry* response) override;
  grpc::Status BatchCreateEntry(grpc::ServerContext*, const v1::BatchCreateEntryRequest* request,
                                v1::BatchCreateEntryResponse* response) override;
  grpc::Status BatchUpdateEntry(grpc::ServerContext*, const v1::BatchUpdateEntryRequest* request,
                                v1::BatchUpdateEntryResponse* response) override;
  grpc::Status BatchDeleteEntry(grpc::ServerContext*, const v1::BatchDeleteEntryRequest* request,
                                v1::BatchDeleteEntryResponse* response) override;

 private:
  void NotifyChange(EntryChange change);

  DataStore& datastore_;
  spiffe::TrustDomain td_;
  std::shared_ptr<spdlog::logger> log_;
  std::function<void(EntryChange)> on_change_;
  // Writes and their notifications in one order: a cache applying the changes must see an
  // update and a delete of the same entry in the order they were committed.
  std::mutex& write_mu_;
};

using grpctls::ToGrpc;
void SetStatus(v1::Status* status, const Status& result);

}  // namespace edgeid::server
