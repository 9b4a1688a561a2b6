#include "helper/svid_file_writer.h"

#include "common/atomic_file.h"
#include "helper/jwt_files.h"
#include "helper/x509_files.h"

namespace edgeid::helper {

Result<std::string> SvidFileWriter::WriteX509(const workloadapi::X509Context& context) {
  const spiffe::X509Svid* svid = EDGEID_TRY(SelectX509Svid(context, config_.hint));
  if (config_.writes_x509()) {
    auto files = EDGEID_TRY(RenderX509Files(context, *svid, config_));
    EDGEID_RETURN_IF_ERROR(WriteX509Files(files, config_));
  }
  trust_domain_ = svid->id.trust_domain().name();
  return svid->id.str();
}

std::vector<std::string> SvidFileWriter::AudienceOf(size_t i) const {
  const auto& jwt = config_.jwt_svids.at(i);
  std::vector<std::string> audience = {jwt.audience};
  audience.insert(audience.end(), jwt.extra_audiences.begin(), jwt.extra_audiences.end());
  return audience;
}

Result<std::chrono::system_clock::time_point> SvidFileWriter::WriteJwtSvid(
    size_t i, const std::vector<workloadapi::JwtSvidResult>& svids) {
  auto svid = EDGEID_TRY(SelectJwtSvid(svids, config_.hint));
  auto expiry = EDGEID_TRY(JwtExpiry(svid.token));
  if (trust_domain_.empty()) {
    auto id = EDGEID_TRY(spiffe::SpiffeId::Parse(svid.spiffe_id));
    trust_domain_ = std::string(id.trust_domain_name());
  }
  const auto& jwt = config_.jwt_svids.at(i);
  EDGEID_RETURN_IF_ERROR(WriteFileAtomic(config_.PathInCertDir(jwt.file_name), svid.token,
                                         config_.jwt_svid_file_mode));
  return expiry;
}

Status SvidFileWriter::WriteJwtBundle(const std::map<std::string, std::string>& bundles) {
  if (trust_domain_.empty()) {
    return FailedPrecondition("the helper's trust domain is not known before its first SVID");
  }
  auto jwks = EDGEID_TRY(JwtBundleOf(bundles, trust_domain_));
  return WriteFileAtomic(config_.PathInCertDir(config_.jwt_bundle_file_name), jwks,
                         config_.jwt_bundle_file_mode);
}

}  // namespace edgeid::helper
