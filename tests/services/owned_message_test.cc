#include "services/owned_message.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "tests/detectors/reports.h"
#include "warden/v1/ingest.pb.h"

namespace warden::services {
namespace {

v1::ReportBatch HundredReports() {
  v1::ReportBatch batch;
  for (int i = 0; i < 100; ++i) {
    v1::ReportRequest* r = batch.add_reports();
    r->set_device_id("a-device-name-longer-than-sso-" + std::to_string(i));
    *r->mutable_report() = detectors::BytesOutReport(i + 1, 1000 * i);
  }
  return batch;
}

TEST(OwnedMessageTest, ArenaMessageParsesTheSameAsOnTheHeap) {
  const std::string wire = HundredReports().SerializeAsString();
  OwnedMessage<v1::ReportBatch> on_arena = NewArenaMessage<v1::ReportBatch>(4096);
  ASSERT_NE(on_arena->GetArena(), nullptr);
  ASSERT_TRUE(on_arena->ParseFromString(wire));
  EXPECT_EQ(on_arena->reports(99).report().header().report_id(), 100);
  EXPECT_EQ(on_arena->reports(0).GetArena(), on_arena->GetArena());
  EXPECT_EQ(on_arena->SerializeAsString(), wire);
}

TEST(OwnedMessageTest, AHeapMessageConvertsAndStaysOnTheHeap) {
  auto heap = std::make_unique<v1::ReportBatch>(HundredReports());
  const v1::ReportBatch* raw = heap.get();
  OwnedMessage<v1::ReportBatch> owned = std::move(heap);
  EXPECT_EQ(owned.get(), raw);
  EXPECT_EQ(owned->GetArena(), nullptr);
  EXPECT_EQ(owned.get_deleter().arena, nullptr);
  EXPECT_EQ(owned->reports_size(), 100);
}

}  // namespace
}  // namespace warden::services
