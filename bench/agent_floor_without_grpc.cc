// The memory floor of an agent that left gRPC C++: the libraries it would still need, doing what
// the agent does with them, and nothing of the agent itself. OpenSSL (a mutual TLS connection
// with P-256 certificates as between agent and server, kept open, and 100 SVIDs held as key +
// certificate), HTTP/2 by nghttp2 (a server session that took a client preface, kept open), the
// Workload API messages as protobuf-lite (one X509SVIDResponse with the 100 SVIDs, serialised),
// spdlog, toml++ and the cpp-httplib health endpoint. agent_bench reports it beside the agent
// and the idle gRPC server. Usage: agent_floor_without_grpc SOCKET_PATH
// Self-contained on purpose: bench_support links edgeid_proto (gRPC and full protobuf), which is
// what this floor leaves out; OpenSSL is called directly, as edgeid's crypto library does.
#include <httplib.h>
#include <nghttp2/nghttp2.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "workload.pb.h"

namespace {

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "agent_floor_without_grpc: %s\n", what);
  std::exit(1);
}

struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct CertFree {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct CtxFree {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
struct SslFree {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};
struct Svid {
  std::unique_ptr<EVP_PKEY, KeyFree> key;
  std::unique_ptr<X509, CertFree> cert;
};

// A fresh P-256 key and a certificate for it with a SPIFFE ID, signed by `issuer` (itself when
// null), as an agent holds for each workload.
Svid MakeSvid(int serial, const Svid* issuer) {
  Svid svid{std::unique_ptr<EVP_PKEY, KeyFree>(EVP_EC_gen("P-256")),
            std::unique_ptr<X509, CertFree>(X509_new())};
  if (!svid.key || !svid.cert) Die("key or certificate");
  X509* cert = svid.cert.get();
  X509_set_version(cert, X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, svid.key.get());
  std::string name = "floor " + std::to_string(serial);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1, 0);
  const Svid& signer = issuer ? *issuer : svid;
  X509_set_issuer_name(cert, X509_get_subject_name(signer.cert.get()));
  std::string san = "URI:spiffe://floor.example/workload/" + std::to_string(serial);
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, signer.cert.get(), cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext =
      issuer ? X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, san.c_str())
             : X509V3_EXT_conf_nid(nullptr, &ctx, NID_basic_constraints, "critical,CA:TRUE");
  if (!ext) Die("extension");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  if (X509_sign(cert, signer.key.get(), EVP_sha256()) <= 0) Die("sign");
  return svid;
}

std::unique_ptr<SSL_CTX, CtxFree> TlsContext(const SSL_METHOD* method, const Svid& identity) {
  std::unique_ptr<SSL_CTX, CtxFree> ctx(SSL_CTX_new(method));
  if (!ctx) Die("SSL_CTX_new");
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_use_certificate(ctx.get(), identity.cert.get());
  SSL_CTX_use_PrivateKey(ctx.get(), identity.key.get());
  X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx.get()), identity.cert.get());
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  return ctx;
}

// A mutual TLS connection between agent and server, open for as long as it lives, as the
// agent's connection to its server is.
struct TlsConnection {
  std::unique_ptr<SSL_CTX, CtxFree> server_ctx, agent_ctx;
  std::unique_ptr<SSL, SslFree> server_end, agent_end;
  int fds[2] = {-1, -1};
  ~TlsConnection() {
    server_end.reset();
    agent_end.reset();
    for (int fd : fds) {
      if (fd >= 0) close(fd);
    }
  }
};

// Agent and server shake hands over a socket pair, each verifying the other.
void ConnectMutualTls(const Svid& ca, const Svid& server, const Svid& agent, TlsConnection& c) {
  c.server_ctx = TlsContext(TLS_server_method(), server);
  c.agent_ctx = TlsContext(TLS_client_method(), agent);
  X509_STORE_add_cert(SSL_CTX_get_cert_store(c.server_ctx.get()), ca.cert.get());
  X509_STORE_add_cert(SSL_CTX_get_cert_store(c.agent_ctx.get()), ca.cert.get());
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, c.fds) != 0) Die("socketpair");
  c.server_end.reset(SSL_new(c.server_ctx.get()));
  c.agent_end.reset(SSL_new(c.agent_ctx.get()));
  SSL_set_fd(c.server_end.get(), c.fds[0]);
  SSL_set_fd(c.agent_end.get(), c.fds[1]);
  bool accepted = false;
  std::thread server_side([&] {
    char byte = 0;
    accepted = SSL_accept(c.server_end.get()) == 1 && SSL_read(c.server_end.get(), &byte, 1) == 1;
  });
  bool connected = SSL_connect(c.agent_end.get()) == 1 && SSL_write(c.agent_end.get(), "x", 1) == 1;
  // A failed client leaves the server waiting for bytes that never come.
  if (!connected) shutdown(c.fds[1], SHUT_RDWR);
  server_side.join();
  if (!connected || !accepted) Die("mutual TLS handshake failed");
}

// An HTTP/2 server session that took a client's preface and sent its settings, kept open.
struct Http2Session {
  nghttp2_session_callbacks* callbacks = nullptr;
  nghttp2_session* session = nullptr;
  Http2Session() {
    if (nghttp2_session_callbacks_new(&callbacks) != 0 ||
        nghttp2_session_server_new(&session, callbacks, nullptr) != 0) {
      Die("nghttp2 session");
    }
    nghttp2_submit_settings(session, NGHTTP2_FLAG_NONE, nullptr, 0);
    if (nghttp2_session_mem_recv(session, reinterpret_cast<const uint8_t*>(NGHTTP2_CLIENT_MAGIC),
                                 NGHTTP2_CLIENT_MAGIC_LEN) < 0) {
      Die("nghttp2 preface");
    }
  }
  ~Http2Session() {
    nghttp2_session_del(session);
    nghttp2_session_callbacks_del(callbacks);
  }
  Http2Session(const Http2Session&) = delete;
  Http2Session& operator=(const Http2Session&) = delete;
};

int ListenUnix(const char* path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (fd < 0 || std::strlen(path) >= sizeof(address.sun_path)) Die("socket");
  std::strcpy(address.sun_path, path);
  unlink(path);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      listen(fd, 64) != 0) {
    Die("cannot listen on the socket path");
  }
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: agent_floor_without_grpc SOCKET_PATH\n");
    return 2;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto log = spdlog::default_logger();
  auto config = toml::parse(
      "[agent]\ntrust_domain = \"floor.example\"\nsocket_path = \"/tmp/x\"\n"
      "sync_interval = \"5s\"\n");
  log->info("trust domain {}", config["agent"]["trust_domain"].value_or(std::string()));

  Svid ca = MakeSvid(1, nullptr);
  Svid server = MakeSvid(2, &ca);
  Svid agent = MakeSvid(3, &ca);
  TlsConnection connection;
  ConnectMutualTls(ca, server, agent, connection);
  Http2Session http2;
  int listener = ListenUnix(argv[1]);

  std::vector<Svid> held;
  X509SVIDResponse response;
  for (int i = 0; i < 100; ++i) {
    held.push_back(MakeSvid(100 + i, &ca));
    unsigned char* der = nullptr;
    int length = i2d_X509(held.back().cert.get(), &der);
    if (length <= 0) Die("i2d_X509");
    X509SVID* svid = response.add_svids();
    svid->set_spiffe_id("spiffe://floor.example/workload/" + std::to_string(100 + i));
    svid->set_x509_svid(der, static_cast<size_t>(length));
    OPENSSL_free(der);
  }
  std::string wire = response.SerializeAsString();

  httplib::Server health;
  health.Get("/ready", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ready\n", "text/plain");
  });
  int port = health.bind_to_any_port("127.0.0.1");
  if (port <= 0) Die("health port");
  std::thread health_thread([&health] { health.listen_after_bind(); });

  log->info("holding {} SVIDs, response of {} bytes; health on port {}", held.size(), wire.size(),
            port);
  std::printf("agent_floor_without_grpc ready\n");
  std::fflush(stdout);
  int signal = 0;
  sigwait(&signals, &signal);
  health.stop();
  health_thread.join();
  close(listener);
  unlink(argv[1]);
  return 0;
}
