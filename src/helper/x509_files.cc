#include "helper/x509_files.h"

#include "common/atomic_file.h"

namespace edgeid::helper {

Result<const spiffe::X509Svid*> SelectX509Svid(const workloadapi::X509Context& context,
                                               const std::string& hint) {
  if (context.svids.empty()) return PermissionDenied("the Workload API returned no X.509-SVID");
  if (hint.empty()) return &context.svids.front();
  for (const auto& svid : context.svids) {
    if (svid.hint == hint) return &svid;
  }
  return NotFound("no X.509-SVID has the hint \"" + hint + "\"");
}

Result<X509Files> RenderX509Files(const workloadapi::X509Context& context,
                                  const spiffe::X509Svid& svid, const HelperConfig& config) {
  const std::string td(svid.id.trust_domain_name());
  auto own = context.bundles.find(td);
  if (own == context.bundles.end()) return NotFound("no X.509 bundle for trust domain " + td);
  crypto::CertificateChain leaf_file = svid.chain;
  crypto::CertificateChain bundle_file = own->second.authorities();
  if (config.add_intermediates_to_bundle && leaf_file.size() > 1) {
    bundle_file.insert(bundle_file.end(), leaf_file.begin() + 1, leaf_file.end());
    leaf_file.erase(leaf_file.begin() + 1, leaf_file.end());
  }
  if (config.include_federated_domains) {
    for (const auto& [name, bundle] : context.bundles) {
      if (name == td) continue;
      bundle_file.insert(bundle_file.end(), bundle.authorities().begin(),
                         bundle.authorities().end());
    }
  }
  X509Files files;
  files.svid_pem = crypto::CertificatesToPem(leaf_file);
  files.key_pem = EDGEID_TRY(svid.key.ToPkcs8Pem());
  files.bundle_pem = crypto::CertificatesToPem(bundle_file);
  return files;
}

Status WriteX509Files(const X509Files& files, const HelperConfig& config) {
  EDGEID_RETURN_IF_ERROR(WriteFileAtomic(config.PathInCertDir(config.svid_bundle_file_name),
                                         files.bundle_pem, config.cert_file_mode));
  EDGEID_RETURN_IF_ERROR(WriteFileAtomic(config.PathInCertDir(config.svid_key_file_name),
                                         files.key_pem, config.key_file_mode));
  return WriteFileAtomic(config.PathInCertDir(config.svid_file_name), files.svid_pem,
                         config.cert_file_mode);
}

}  // namespace edgeid::helper
