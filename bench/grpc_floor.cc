// The memory floor of the agent's stack: a gRPC callback server on a UNIX socket with one
// generic service that answers nothing, built against the same Debian gRPC, protobuf and OpenSSL as
// edgeid-agent, doing nothing. agent_bench reports the idle agent beside it. Usage: grpc_floor
// SOCKET_PATH
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>
#include <openssl/ssl.h>
#include <signal.h>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: grpc_floor SOCKET_PATH\n");
    return 2;
  }
  // Loaded and initialised as in the agent, which uses OpenSSL itself.
  OPENSSL_init_ssl(0, nullptr);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  grpc::CallbackGenericService nothing;
  grpc::ServerBuilder builder;
  builder.RegisterCallbackGenericService(&nothing);
  builder.AddListeningPort(std::string("unix:") + argv[1], grpc::InsecureServerCredentials());
  auto server = builder.BuildAndStart();
  if (!server) {
    std::fprintf(stderr, "grpc_floor: cannot listen on %s\n", argv[1]);
    return 1;
  }
  std::printf("grpc_floor ready\n");
  std::fflush(stdout);
  int signal = 0;
  sigwait(&signals, &signal);
  server->Shutdown();
  return 0;
}
