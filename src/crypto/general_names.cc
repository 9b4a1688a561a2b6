#include "crypto/general_names.h"

namespace edgeid::crypto {
namespace {

Status Push(GENERAL_NAMES* names, int type, const std::string& value) {
  ASN1_IA5STRING* ia5 = ASN1_IA5STRING_new();
  GENERAL_NAME* name = GENERAL_NAME_new();
  if (!ia5 || !name || ASN1_STRING_set(ia5, value.data(), static_cast<int>(value.size())) != 1) {
    ASN1_IA5STRING_free(ia5);
    GENERAL_NAME_free(name);
    return OpenSslError(ErrorCode::kInternal, "building subjectAltName");
  }
  GENERAL_NAME_set0_value(name, type, ia5);
  if (sk_GENERAL_NAME_push(names, name) <= 0) {
    GENERAL_NAME_free(name);
    return OpenSslError(ErrorCode::kInternal, "building subjectAltName");
  }
  return OkStatus();
}

}  // namespace

Result<GeneralNamesPtr> MakeGeneralNames(const std::vector<std::string>& uris,
                                         const std::vector<std::string>& dns_names) {
  GeneralNamesPtr names(GENERAL_NAMES_new());
  if (!names) return OpenSslError(ErrorCode::kInternal, "allocating subjectAltName");
  for (const auto& uri : uris) EDGEID_RETURN_IF_ERROR(Push(names.get(), GEN_URI, uri));
  for (const auto& dns : dns_names) EDGEID_RETURN_IF_ERROR(Push(names.get(), GEN_DNS, dns));
  return names;
}

}  // namespace edgeid::crypto
