// wardenctl: the command-line client of wardend. See tools/README.md.

#include <iostream>

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
  return warden::tools::RunWardenctl(argc, argv, env);
}
