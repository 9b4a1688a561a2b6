// Registration entries between the API's messages and the datastore, with the checks every
// entry must pass before it is stored.
#pragma once

#include "common/result.h"
#include "edgeid/server/v1/types.pb.h"
#include "server/datastore/types.h"
#include "spiffe/spiffe_id.h"

namespace edgeid::server {

v1::Entry ToProto(const RegistrationEntry& entry);
void AddSelectors(const std::vector<Selector>& selectors,
                  google::protobuf::RepeatedPtrField<v1::Selector>* out);
RegistrationEntry FromProto(const v1::Entry& entry);

// Refuses entries that must not be stored: SPIFFE and parent IDs that are invalid or outside
// `td`, no selectors, malformed selectors, negative TTLs, invalid federated trust domains.
Status ValidateEntry(const RegistrationEntry& entry, const spiffe::TrustDomain& td);

// "unix:uid:1000" -> {"unix", "uid:1000"}: the type is everything before the first colon.
Result<Selector> ParseSelector(std::string_view text);

// Paths of the server's own ID and of agent IDs, which no entry may claim: an entry for the
// server's ID would let an agent impersonate the server to the others.
bool IsReservedPath(std::string_view path);

// The server's own SPIFFE ID: the parent of node alias entries.
std::string ServerSpiffeId(const spiffe::TrustDomain& td);

}  // namespace edgeid::server
