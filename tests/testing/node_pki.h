// The node PKI of the paper, made with the openssl CLI as an operator would: an edge root CA
// (ca.pem, ca.key) and node-1's certificate for x509pop (node.pem, node.key; digitalSignature,
// DNS SAN edge-node-1.local), in `dir`. Returns the failing command and its output, or "".
#pragma once

#include <string>

namespace edgeid::testing {

std::string MakeOpensslNodePki(const std::string& dir);

}  // namespace edgeid::testing
