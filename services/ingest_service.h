#ifndef WARDEN_SERVICES_INGEST_SERVICE_H_
#define WARDEN_SERVICES_INGEST_SERVICE_H_

#include <cstddef>
#include <functional>
#include <memory>

#include "services/ingest_engine.h"
#include "services/metrics.h"
#include "services/report_validation.h"
#include "warden/v1/ingest.grpc.pb.h"

namespace warden::services {

// Most reports one StreamReportBatches message may carry.
inline constexpr int kMaxReportsPerBatch = 1000;

// IngestService on gRPC's callback API. Reactions only validate and hand reports to
// the engine; acks are sent from the engine's writer thread once durable. Never blocks.
class IngestServiceImpl final : public v1::IngestService::CallbackService {
 public:
  // `max_inflight_per_stream`: reports a stream may have unacknowledged before the
  // server stops reading from it (flow control instead of unbounded memory); a batch
  // counts its reports.
  IngestServiceImpl(IngestEngine* engine, Metrics* metrics, ReportLimits limits,
                    size_t max_inflight_per_stream = 1024);

  grpc::ServerUnaryReactor* Report(grpc::CallbackServerContext* context,
                                   const v1::ReportRequest* request,
                                   v1::ReportAck* response) override;
  grpc::ServerBidiReactor<v1::ReportRequest, v1::ReportAck>* StreamReports(
      grpc::CallbackServerContext* context) override;
  grpc::ServerBidiReactor<v1::ReportBatch, v1::ReportBatchAck>* StreamReportBatches(
      grpc::CallbackServerContext* context) override;

 private:
  using BatchDone = std::function<void(v1::ReportBatchAck)>;

  // Validates each report of `batch`, hands the valid ones to the engine at once and
  // calls `done` once every report has its ack.
  void SubmitBatch(OwnedMessage<v1::ReportBatch> batch, BatchDone done);

  IngestEngine* const engine_;
  Metrics* const metrics_;
  const ReportLimits limits_;
  const size_t max_inflight_per_stream_;
};

}  // namespace warden::services

#endif  // WARDEN_SERVICES_INGEST_SERVICE_H_
