#include "testing/node_pki.h"

#include "testing/command.h"
#include "testing/temp_dir.h"

namespace edgeid::testing {

std::string MakeOpensslNodePki(const std::string& d) {
  WriteTestFile(d + "/node.ext",
                "keyUsage=critical,digitalSignature\nsubjectAltName=DNS:edge-node-1.local\n");
  for (const std::string& cmd :
       {"openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + d +
            "/ca.key -out " + d +
            "/ca.pem -days 2 -subj /CN=edge-root -addext "
            "basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign",
        "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + d +
            "/node.key -out " + d + "/node.csr -subj /CN=edge-node-1",
        "openssl x509 -req -in " + d + "/node.csr -CA " + d + "/ca.pem -CAkey " + d +
            "/ca.key -set_serial 4660 -out " + d + "/node.pem -days 2 -extfile " + d +
            "/node.ext"}) {
    auto r = RunCommand(cmd + " 2>&1");
    if (r.exit_code != 0) return cmd + "\n" + r.output;
  }
  return "";
}

}  // namespace edgeid::testing
