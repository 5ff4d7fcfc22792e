// wardenctl: the command-line client of wardend. See tools/README.md.

#include <unistd.h>

#include <iostream>

#include "absl/time/clock.h"
#include "common/clock.h"
#include "tools/grpc_warden_api.h"
#include "tools/wardenctl_cli.h"

int main(int argc, char** argv) {
  warden::tools::CliEnvironment env;
  env.api_factory = warden::tools::NewGrpcWardenApi;
  env.clock = warden::SystemClock::Get();
  env.in = &std::cin;
  env.out = &std::cout;
  env.err = &std::cerr;
  env.sleep = [](absl::Duration d) { absl::SleepFor(d); };
  env.err_is_terminal = isatty(STDERR_FILENO) == 1;
  return warden::tools::RunWardenctl(argc, argv, env);
}
