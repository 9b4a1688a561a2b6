"""Independent clients for edgeid's federation tests: nothing here shares code with edgeid.

  federation_client.py workload PROTO_DIR SOCKET OUT_DIR AUDIENCE [TOKEN]
      Drives the SPIFFE Workload API with Debian's python3-grpcio (stubs generated from the
      repository's workload.proto): writes the first X.509-SVID, its key, its bundle and every
      federated bundle as PEM files in OUT_DIR, fetches a JWT-SVID for AUDIENCE and, when TOKEN
      is given, asks ValidateJWTSVID about it. Prints one JSON object.

  federation_client.py oidc DISCOVERY_URL CA_FILE AUDIENCE TOKEN...
      A cloud IAM's view (Debian's python3-jwt): reads the OpenID discovery document over HTTPS
      (trusting CA_FILE only), fetches the JWKS it names, and verifies each token's signature,
      audience, issuer and expiry. Prints one JSON object.
"""
import base64
import json
import os
import ssl
import subprocess
import sys
import tempfile
import urllib.request


def split_der(blob):
    certs, i = [], 0
    while i < len(blob):
        first = blob[i + 1]
        if first < 0x80:
            length, header = first, 2
        else:
            n = first & 0x7F
            length, header = int.from_bytes(blob[i + 2:i + 2 + n], "big"), 2 + n
        certs.append(blob[i:i + header + length])
        i += header + length
    return certs


def certs_pem(der_blob):
    return "".join(ssl.DER_cert_to_PEM_cert(c) for c in split_der(der_blob))


def key_pem(pkcs8_der):
    body = base64.encodebytes(pkcs8_der).decode().replace("\n", "")
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN PRIVATE KEY-----\n" + "\n".join(lines) + "\n-----END PRIVATE KEY-----\n"


def write(path, text, mode=0o644):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def workload(proto_dir, socket_path, out_dir, audience, token=None):
    with tempfile.TemporaryDirectory(prefix="edgeid-pystubs-") as stubs:
        workload_with_stubs(stubs, proto_dir, socket_path, out_dir, audience, token)


def workload_with_stubs(stubs, proto_dir, socket_path, out_dir, audience, token):
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", "-I" + proto_dir,
                    "-I/usr/include", "--python_out=" + stubs, "--grpc_python_out=" + stubs,
                    os.path.join(proto_dir, "spiffe/workload/workload.proto")], check=True)
    sys.path.insert(0, stubs)
    sys.path.insert(0, os.path.join(stubs, "spiffe/workload"))
    import grpc
    import workload_pb2 as pb
    import workload_pb2_grpc as pb_grpc

    stub = pb_grpc.SpiffeWorkloadAPIStub(grpc.insecure_channel("unix:" + socket_path))
    header = (("workload.spiffe.io", "true"),)
    result = {}
    x509 = next(stub.FetchX509SVID(pb.X509SVIDRequest(), metadata=header, timeout=5))
    svid = x509.svids[0]
    result["spiffe_id"] = svid.spiffe_id
    write(os.path.join(out_dir, "svid.pem"), certs_pem(svid.x509_svid))
    write(os.path.join(out_dir, "svid.key"), key_pem(svid.x509_svid_key), 0o600)
    write(os.path.join(out_dir, "bundle.pem"), certs_pem(svid.bundle))
    result["federated_bundles"] = {}
    for td, der in sorted(x509.federated_bundles.items()):
        name = td.replace("spiffe://", "")
        write(os.path.join(out_dir, "federated." + name + ".pem"), certs_pem(der))
        result["federated_bundles"][td] = len(split_der(der))
    bundles = next(stub.FetchX509Bundles(pb.X509BundlesRequest(), metadata=header, timeout=5))
    result["x509_bundles"] = {k: len(split_der(v)) for k, v in bundles.bundles.items()}
    jwt_bundles = next(stub.FetchJWTBundles(pb.JWTBundlesRequest(), metadata=header, timeout=5))
    result["jwt_bundles"] = {k: len(json.loads(v)["keys"]) for k, v in jwt_bundles.bundles.items()}
    jwt = stub.FetchJWTSVID(pb.JWTSVIDRequest(audience=[audience]), metadata=header, timeout=10)
    result["jwt"] = jwt.svids[0].svid
    if token:
        try:
            valid = stub.ValidateJWTSVID(pb.ValidateJWTSVIDRequest(audience=audience, svid=token),
                                         metadata=header, timeout=5)
            result["validated"] = {"code": "OK", "spiffe_id": valid.spiffe_id,
                                   "iss": valid.claims.fields["iss"].string_value}
        except grpc.RpcError as e:
            result["validated"] = {"code": e.code().name, "details": e.details()}
    print(json.dumps(result))


def oidc(discovery_url, ca_file, audience, tokens):
    import jwt

    context = ssl.create_default_context(cafile=ca_file)
    result = {}
    try:
        urllib.request.urlopen(discovery_url, context=ssl.create_default_context(), timeout=5)
        result["system_roots_trusted_it"] = True
    except (ssl.SSLError, urllib.error.URLError):
        result["system_roots_trusted_it"] = False
    with urllib.request.urlopen(discovery_url, context=context, timeout=5) as r:
        discovery = json.load(r)
    result["issuer"] = discovery["issuer"]
    result["jwks_uri"] = discovery["jwks_uri"]
    with urllib.request.urlopen(discovery["jwks_uri"], context=context, timeout=5) as r:
        jwks = jwt.PyJWKSet.from_dict(json.load(r))
    result["kids"] = sorted(k.key_id for k in jwks.keys)
    result["tokens"] = []
    for token in tokens:
        header = jwt.get_unverified_header(token)
        try:
            claims = jwt.decode(token, jwks[header["kid"]].key, algorithms=[header["alg"]],
                                audience=audience, issuer=discovery["issuer"])
            result["tokens"].append({"valid": True, "sub": claims["sub"], "kid": header["kid"]})
        except (jwt.PyJWTError, KeyError) as e:
            result["tokens"].append({"valid": False, "error": type(e).__name__,
                                     "kid": header.get("kid")})
    print(json.dumps(result))


def main():
    if sys.argv[1] == "workload":
        workload(*sys.argv[2:])
    elif sys.argv[1] == "oidc":
        oidc(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:])
    else:
        sys.exit("unknown mode " + sys.argv[1])


if __name__ == "__main__":
    main()
