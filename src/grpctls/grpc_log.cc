#include "grpctls/grpc_log.h"

#include <grpc/support/log.h>

#include <cstdio>
#include <cstring>

namespace edgeid::grpctls {
namespace {

void Log(gpr_log_func_args* args) {
  if (std::strstr(args->message, "No match found for server name") != nullptr) return;
  const char* level = args->severity == GPR_LOG_SEVERITY_ERROR  ? "error"
                      : args->severity == GPR_LOG_SEVERITY_INFO ? "info"
                                                                : "debug";
  std::fprintf(stderr, "grpc %s %s:%d: %s\n", level, args->file, args->line, args->message);
}

}  // namespace

void FilterGrpcLogs() {
  gpr_set_log_function(Log);
}

}  // namespace edgeid::grpctls
