// The gRPC client of wardenctl against in-process services on 127.0.0.1:0.

#include "tools/grpc_warden_api.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "warden/v1/audit.grpc.pb.h"
#include "warden/v1/profile.grpc.pb.h"
#include "warden/v1/registry.grpc.pb.h"
#include "warden/v1/violation.grpc.pb.h"

namespace warden::tools {
namespace {

class FakeViolations final : public v1::ViolationService::Service {
  grpc::Status GetDeviceState(grpc::ServerContext*, const v1::GetDeviceStateRequest* request,
                              v1::DeviceState* response) override {
    if (request->device_id() != "dev-00001") {
      return grpc::Status(grpc::StatusCode::NOT_FOUND,
                          "device '" + request->device_id() + "' has never reported");
    }
    response->set_device_id("dev-00001");
    response->set_last_report_id(42);
    return grpc::Status::OK;
  }
};

// Never answers ListProfiles before the caller gives up.
class SlowProfiles final : public v1::ProfileService::Service {
  grpc::Status ListProfiles(grpc::ServerContext* context, const v1::ListProfilesRequest*,
                            v1::ListProfilesResponse*) override {
    const absl::Time give_up = absl::Now() + absl::Seconds(5);
    while (!context->IsCancelled() && absl::Now() < give_up) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    return grpc::Status::CANCELLED;
  }
};

// Rejects devices without firmware as the registry does: with the field path.
class FakeRegistry final : public v1::RegistryService::Service {
  grpc::Status PutDevice(grpc::ServerContext*, const v1::RegisteredDevice* request,
                         v1::RegisteredDevice* response) override {
    if (request->firmware_version().empty()) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "firmware_version: required");
    }
    *response = *request;
    return grpc::Status::OK;
  }
};

class FakeAudit final : public v1::AuditService::Service {
  grpc::Status StartAudit(grpc::ServerContext*, const v1::StartAuditRequest* request,
                          v1::AuditTask* response) override {
    response->set_task_id("t-1");
    response->set_status(v1::IN_PROGRESS);
    response->set_trigger(request->checks(0));
    return grpc::Status::OK;
  }
};

class GrpcWardenApiTest : public testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&violations_);
    builder.RegisterService(&profiles_);
    builder.RegisterService(&registry_);
    builder.RegisterService(&audit_);
    server_ = builder.BuildAndStart();
    address_ = "127.0.0.1:" + std::to_string(port_);
  }
  void TearDown() override {
    if (server_) server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
  }

  FakeViolations violations_;
  SlowProfiles profiles_;
  FakeRegistry registry_;
  FakeAudit audit_;
  int port_ = 0;
  std::string address_;
  std::unique_ptr<grpc::Server> server_;
};

TEST_F(GrpcWardenApiTest, ReturnsResponsesAndServerStatuses) {
  auto api = NewGrpcWardenApi(address_, absl::Seconds(10));
  v1::GetDeviceStateRequest request;
  request.set_device_id("dev-00001");
  absl::StatusOr<v1::DeviceState> state = api->GetDeviceState(request);
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(state->last_report_id(), 42);

  request.set_device_id("dev-9");
  state = api->GetDeviceState(request);
  EXPECT_EQ(state.status(), absl::NotFoundError("device 'dev-9' has never reported"));
}

TEST_F(GrpcWardenApiTest, ReachesTheRegistryAndAuditServices) {
  auto api = NewGrpcWardenApi(address_, absl::Seconds(10));
  v1::RegisteredDevice device;
  device.set_name("cam-0001");
  EXPECT_EQ(api->PutDevice(device).status(),
            absl::InvalidArgumentError("firmware_version: required"));
  device.set_firmware_version("2.4.1");
  absl::StatusOr<v1::RegisteredDevice> put = api->PutDevice(device);
  ASSERT_TRUE(put.ok()) << put.status();
  EXPECT_EQ(put->name(), "cam-0001");

  v1::StartAuditRequest start;
  start.add_checks("LOGGING_DISABLED_CHECK");
  absl::StatusOr<v1::AuditTask> task = api->StartAudit(start);
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_EQ(task->task_id(), "t-1");
  EXPECT_EQ(task->trigger(), "LOGGING_DISABLED_CHECK");
}

TEST_F(GrpcWardenApiTest, UnimplementedServiceSaysSo) {
  auto api = NewGrpcWardenApi(address_, absl::Seconds(10));
  EXPECT_EQ(api->Report(v1::ReportRequest()).status().code(), absl::StatusCode::kUnimplemented);
}

TEST_F(GrpcWardenApiTest, ASilentServerIsADeadlineNamingTheServer) {
  auto api = NewGrpcWardenApi(address_, absl::Milliseconds(200));
  absl::StatusOr<v1::ListProfilesResponse> r = api->ListProfiles(v1::ListProfilesRequest());
  EXPECT_EQ(r.status(),
            absl::DeadlineExceededError("no answer from wardend at " + address_ + " within 200ms"));
}

TEST_F(GrpcWardenApiTest, AnUnreachableServerIsOneLineNamingTheServer) {
  server_->Shutdown(absl::ToChronoTime(absl::Now()));
  server_.reset();
  auto api = NewGrpcWardenApi(address_, absl::Seconds(5));
  const absl::Time start = absl::Now();
  absl::StatusOr<v1::ListProfilesResponse> r = api->ListProfiles(v1::ListProfilesRequest());
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));  // refused, not timed out
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  const std::string message(r.status().message());
  EXPECT_EQ(message.rfind("cannot reach wardend at " + address_ + ": ", 0), 0u) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

}  // namespace
}  // namespace warden::tools
