// main() of the test binaries that run gRPC in their own process.
//
// gRPC shuts down in the background once its last server or channel is gone, on threads of its
// own; a test process that returns from main() while those threads are still exiting can have
// LeakSanitizer report their OpenSSL per-thread error state (904 bytes from CRYPTO_zalloc) as
// leaked, because an exiting thread's TLS is no longer scanned. Holding one gRPC reference for
// the whole run and dropping it with the blocking shutdown joins those threads before exit.
#include <grpc/grpc.h>
#include <gtest/gtest.h>

int main(int argc, char** argv) {
  grpc_init();
  ::testing::InitGoogleTest(&argc, argv);
  const int failed = RUN_ALL_TESTS();
  grpc_shutdown_blocking();
  return failed;
}
