// End to end: warden-grpc-floor, the benchmark's gRPC floor (bench/run.sh grpc_floor),
// driven by the built warden-loadgen as the benchmark drives it. The loadgen checks
// that every report gets exactly one ack, for its device and report id, in order, and
// fails otherwise; the floor must pass that for streams, batches and unary calls, or
// its numbers would not be comparable with wardend's.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "e2e_util.h"
#include "nlohmann/json.hpp"

namespace warden::e2e {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const std::string kFloor = std::string(WARDEN_BINARY_DIR) + "/services/warden-grpc-floor";
const std::string kLoadgen = std::string(WARDEN_BINARY_DIR) + "/tools/warden-loadgen";

class GrpcFloorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("warden-floor-e2e");
    floor_.Start({kFloor, "--listen", "127.0.0.1:0", "--ready-file", (dir_ / "ready.json")},
                 dir_ / "floor.log");
    ASSERT_TRUE(Eventually([&] { return fs::exists(dir_ / "ready.json"); }))
        << ReadFile(dir_ / "floor.log");
    grpc_ = nlohmann::json::parse(ReadFile(dir_ / "ready.json"))["grpc"].get<std::string>();
  }
  void TearDown() override {
    floor_.Stop();
    fs::remove_all(dir_);
  }

  Result Loadgen(const std::string& args) {
    return RunShell(kLoadgen + " --server " + grpc_ +
                    " --devices 300 --once --rate 100000 --misbehaving 0 " + args);
  }

  fs::path dir_;
  Process floor_;
  std::string grpc_;
};

TEST_F(GrpcFloorTest, AcksEveryReportOfStreamsBatchesAndUnaryCallsAsTheLoadgenExpects) {
  for (const std::string args : {"", "--batch 7", "--unary --max-inflight 16"}) {
    const Result r = Loadgen(args);
    EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.output;
    EXPECT_THAT(r.output, HasSubstr("sent 300, accepted 300, duplicate 0, rejected 0")) << args;
  }
  EXPECT_TRUE(floor_.running());
}

TEST_F(GrpcFloorTest, StopsOnSigtermAndRefusesBadFlagsWithAReason) {
  floor_.Signal(SIGTERM);
  EXPECT_TRUE(Eventually([&] { return !floor_.running(); }, std::chrono::seconds(10)));
  const Result bad = RunShell(kFloor + " --max-inflight-per-stream 0");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.output, HasSubstr("max-inflight-per-stream"));
}

}  // namespace
}  // namespace warden::e2e
