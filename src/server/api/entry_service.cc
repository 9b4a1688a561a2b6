#include "server/api/entry_service.h"

#include "server/api/entry_convert.h"

namespace edgeid::server {

void SetStatus(v1::Status* status, const Status& result) {
  if (result.ok()) {
    status->set_code(0);
    status->set_message("OK");
    return;
  }
  grpc::Status g = ToGrpc(result.error());
  status->set_code(static_cast<int32_t>(g.error_code()));
  status->set_message(g.error_message());
}

grpc::Status EntryService::CountEntries(grpc::ServerContext*, const v1::CountEntriesRequest*,
                                        v1::CountEntriesResponse* response) {
  auto count = datastore_.CountRegistrationEntries();
  if (!count.ok()) return ToGrpc(count.error());
  response->set_count(*count);
  return grpc::Status::OK;
}

grpc::Status EntryService::ListEntries(grpc::ServerContext*, const v1::ListEntriesRequest* request,
                                       v1::ListEntriesResponse* response) {
  EntryFilter filter;
  const auto& f = request->filter();
  if (!f.by_spiffe_id().empty()) filter.spiffe_id = f.by_spiffe_id();
  if (!f.by_parent_id().empty()) filter.parent_id = f.by_parent_id();
  if (!f.by_federates_with().empty()) {
    auto td = spiffe::TrustDomain::Parse(f.by_federates_with());
    filter.federates_with = td.ok() ? td->name() : f.by_federates_with();
  }
  if (f.by_selectors_size() > 0) {
    std::vector<Selector> selectors;
    for (const auto& s : f.by_selectors()) selectors.push_back({s.type(), s.value()});
    filter.selectors = std::move(selectors);
    filter.selector_match = f.selectors_superset() ? EntryFilter::SelectorMatch::kSuperset
                                                   : EntryFilter::SelectorMatch::kExact;
  }
  auto entries = datastore_.ListRegistrationEntries(filter);
  if (!entries.ok()) return ToGrpc(entries.error());
  for (const auto& e : *entries) *response->add_entries() = ToProto(e);
  return grpc::Status::OK;
}

grpc::Status EntryService::GetEntry(grpc::ServerContext*, const v1::GetEntryRequest* request,
                                    v1::Entry* response) {
  if (request->id().empty()) return ToGrpc(InvalidArgument("an entry ID is required"));
  auto entry = datastore_.FetchRegistrationEntry(request->id());
  if (!entry.ok()) return ToGrpc(entry.error());
  *response = ToProto(*entry);
  return grpc::Status::OK;
}

void EntryService::NotifyChange(EntryChange change) {
  if (on_change_ && (!change.upserted.empty() || !change.removed_ids.empty())) {
    on_change_(std::move(change));
  }
}

grpc::Status EntryService::BatchCreateEntry(grpc::ServerContext*,
                                            const v1::BatchCreateEntryRequest* request,
                                            v1::BatchCreateEntryResponse* response) {
  std::vector<RegistrationEntry> entries;
  std::vector<Status> verdicts;
  bool all_valid = true;
  for (const auto& proto : request->entries()) {
    RegistrationEntry entry = FromProto(proto);
    entry.revision_number = 0;
    verdicts.push_back(ValidateEntry(entry, td_));
    if (!verdicts.back().ok()) {
      all_valid = false;
      log_->warn("refused entry for {}: {}", entry.spiffe_id, verdicts.back().error().message);
    }
    entries.push_back(std::move(entry));
  }
  std::lock_guard write(write_mu_);
  EntryChange change;
  // The common case, every entry new and valid, is one transaction (one fsync); otherwise each
  // entry is created on its own so that each gets its own answer.
  if (all_valid && entries.size() > 1) {
    auto created = datastore_.BatchCreateRegistrationEntries(entries);
    if (created.ok()) {
      for (const auto& e : *created) {
        auto* result = response->add_results();
        SetStatus(result->mutable_status(), OkStatus());
        *result->mutable_entry() = ToProto(e);
      }
      log_->info("created {} entries", created->size());
      change.upserted = std::move(*created);
      NotifyChange(std::move(change));
      return grpc::Status::OK;
    }
  }
  for (size_t i = 0; i < entries.size(); ++i) {
    auto* result = response->add_results();
    if (!verdicts[i].ok()) {
      SetStatus(result->mutable_status(), verdicts[i]);
      continue;
    }
    auto created = datastore_.CreateRegistrationEntry(entries[i]);
    if (!created.ok()) {
      SetStatus(result->mutable_status(), created.error());
      continue;
    }
    log_->info("created entry {} for {}", created->entry_id, created->spiffe_id);
    SetStatus(result->mutable_status(), OkStatus());
    *result->mutable_entry() = ToProto(*created);
    change.upserted.push_back(std::move(*created));
  }
  NotifyChange(std::move(change));
  return grpc::Status::OK;
}

grpc::Status EntryService::BatchUpdateEntry(grpc::ServerContext*,
                                            const v1::BatchUpdateEntryRequest* request,
                                            v1::BatchUpdateEntryResponse* response) {
  std::lock_guard write(write_mu_);
  EntryChange change;
  for (const auto& proto : request->entries()) {
    auto* result = response->add_results();
    RegistrationEntry entry = FromProto(proto);
    Status valid = entry.entry_id.empty() ? Status(InvalidArgument("an entry ID is required"))
                                          : ValidateEntry(entry, td_);
    if (!valid.ok()) {
      SetStatus(result->mutable_status(), valid);
      continue;
    }
    auto updated = datastore_.UpdateRegistrationEntry(entry);
    if (!updated.ok()) {
      SetStatus(result->mutable_status(), updated.error());
      continue;
    }
    log_->info("updated entry {} (revision {})", updated->entry_id, updated->revision_number);
    SetStatus(result->mutable_status(), OkStatus());
    *result->mutable_entry() = ToProto(*updated);
    change.upserted.push_back(std::move(*updated));
  }
  NotifyChange(std::move(change));
  return grpc::Status::OK;
}

grpc::Status EntryService::BatchDeleteEntry(grpc::ServerContext*,
                                            const v1::BatchDeleteEntryRequest* request,
                                            v1::BatchDeleteEntryResponse* response) {
  std::lock_guard write(write_mu_);
  EntryChange change;
  for (const auto& id : request->ids()) {
    auto* result = response->add_results();
    result->set_id(id);
    auto deleted = datastore_.DeleteRegistrationEntry(id);
    if (deleted.ok()) {
      log_->info("deleted entry {}", id);
      change.removed_ids.push_back(id);
    }
    SetStatus(result->mutable_status(), deleted.ok() ? OkStatus() : Status(deleted.error()));
  }
  NotifyChange(std::move(change));
  return grpc::Status::OK;
}

}  // namespace edgeid::server
