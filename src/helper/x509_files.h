// The PEM files the helper makes of an X.509 context, laid out as spiffe-helper lays them out.
#pragma once

#include <string>

#include "common/result.h"
#include "helper/helper_config.h"
#include "spiffe/x509_svid.h"
#include "workloadapi/workload_client.h"

namespace edgeid::helper {

struct X509Files {
  std::string svid_pem;    // the leaf, then its intermediates unless they go to the bundle
  std::string key_pem;     // PKCS#8 "PRIVATE KEY"; never logged
  std::string bundle_pem;  // the SVID's trust domain's CAs [+ intermediates] [+ federated CAs]
};

// The SVID whose hint is `hint`, or the first (the default identity) when `hint` is empty.
Result<const spiffe::X509Svid*> SelectX509Svid(const workloadapi::X509Context& context,
                                               const std::string& hint);

// The three files for `svid` of `context` under the options of `config`.
Result<X509Files> RenderX509Files(const workloadapi::X509Context& context,
                                  const spiffe::X509Svid& svid, const HelperConfig& config);

// Each file atomically into cert_dir: the bundle first (so the new CAs are trusted before the
// new SVID is used), then the key (key_file_mode), then the SVID (cert_file_mode).
Status WriteX509Files(const X509Files& files, const HelperConfig& config);

}  // namespace edgeid::helper
