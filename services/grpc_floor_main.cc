// warden-grpc-floor: wardend's ingest API with nothing behind it. It serves
// IngestService with the same gRPC server, stream reactor and arenas as wardend, and
// acknowledges every report ACCEPTED as soon as it is read: no validation, no
// evaluation, no RocksDB. `bench/run.sh --only grpc_floor` drives it with
// warden-loadgen to measure what gRPC alone costs on the machine, the floor under
// wardend's rates, latencies and CPU per report (docs/PERFORMANCE.md).
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <iostream>
#include <memory>
#include <string>
#include <utility>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "services/ordered_stream.h"
#include "services/owned_message.h"
#include "services/ready_file.h"
#include "warden/v1/ingest.grpc.pb.h"

namespace warden::services {
namespace {

v1::ReportAck Accepted(const v1::ReportRequest& r) {
  v1::ReportAck ack;
  ack.set_device_id(r.device_id());
  ack.set_report_id(r.report().header().report_id());
  ack.set_status(v1::ReportAck::ACCEPTED);
  return ack;
}

class FloorService final : public v1::IngestService::CallbackService {
 public:
  explicit FloorService(size_t max_inflight) : max_inflight_(max_inflight) {}

  grpc::ServerUnaryReactor* Report(grpc::CallbackServerContext* context,
                                   const v1::ReportRequest* request,
                                   v1::ReportAck* response) override {
    *response = Accepted(*request);
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerBidiReactor<v1::ReportRequest, v1::ReportAck>* StreamReports(
      grpc::CallbackServerContext*) override {
    using Reactor = OrderedStreamReactor<v1::ReportRequest, v1::ReportAck>;
    return new Reactor([](OwnedMessage<v1::ReportRequest> req,
                          Reactor::Complete complete) { complete(Accepted(*req)); },
                       max_inflight_);
  }

  grpc::ServerBidiReactor<v1::ReportBatch, v1::ReportBatchAck>* StreamReportBatches(
      grpc::CallbackServerContext*) override {
    using Reactor = OrderedStreamReactor<v1::ReportBatch, v1::ReportBatchAck>;
    return new Reactor(
        [](OwnedMessage<v1::ReportBatch> batch, Reactor::Complete complete) {
          v1::ReportBatchAck acks;
          acks.mutable_acks()->Reserve(batch->reports_size());
          for (const v1::ReportRequest& r : batch->reports()) *acks.add_acks() = Accepted(r);
          complete(std::move(acks));
        },
        max_inflight_,
        [](const v1::ReportBatch& b) { return static_cast<size_t>(b.reports_size()); },
        kBatchArenaFirstBlock);
  }

 private:
  const size_t max_inflight_;
};

volatile std::sig_atomic_t g_stop = 0;

int Main(int argc, char** argv) {
  CLI::App app{
      "warden-grpc-floor: wardend's ingest API acknowledging every report at once "
      "(no evaluation, no storage): the gRPC cost floor for benchmarks."};
  std::string listen = "127.0.0.1:0";
  std::string ready_file;
  size_t max_inflight = 1024;
  int max_message_bytes = 1 << 20;
  app.add_option("--listen", listen, "gRPC address, host:port (port 0 picks one)");
  app.add_option("--ready-file", ready_file,
                 "written once serving: {\"grpc\":\"HOST:PORT\",\"metrics\":\"\"}, as wardend's");
  app.add_option("--max-inflight-per-stream", max_inflight, "as wardend's")
      ->check(CLI::PositiveNumber);
  app.add_option("--max-message-bytes", max_message_bytes, "as wardend's")
      ->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  FloorService service(max_inflight);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.SetMaxReceiveMessageSize(max_message_bytes);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::cerr << "warden-grpc-floor: cannot serve gRPC on " << listen << "\n";
    return 1;
  }
  const std::string address = absl::StrCat(HostOf(listen), ":", port);
  std::cerr << "warden-grpc-floor: serving on " << address << "\n";
  if (!ready_file.empty()) {
    if (absl::Status s = WriteReadyFile(ready_file, address, /*metrics=*/""); !s.ok()) {
      std::cerr << "warden-grpc-floor: " << s.message() << "\n";
      return 1;
    }
  }
  std::signal(SIGINT, [](int) { g_stop = 1; });
  std::signal(SIGTERM, [](int) { g_stop = 1; });
  while (g_stop == 0) pause();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  return 0;
}

}  // namespace
}  // namespace warden::services

int main(int argc, char** argv) { return warden::services::Main(argc, argv); }
