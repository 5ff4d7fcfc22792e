// The audit scheduler with a fake clock and a registry loader the test holds: due runs
// start, and a schedule whose last run is unfinished skips rather than piling up.
#include "services/audit_scheduler.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include "audit/schedule.h"

namespace warden::services {
namespace {

namespace fs = std::filesystem;

TEST(AuditSchedulerTest, StartsDueRunsAndSkipsWhileThePreviousRunIsUnfinished) {
  char tmpl[] = "/tmp/warden-scheduler-test-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const fs::path dir = tmpl;
  auto db = store::Store::Open({dir.string()});
  ASSERT_TRUE(db.ok());
  AuditStore audits(db->get());
  FakeClock clock(1'790'000'000LL * 1'000'000);  // 2026-09-21T13:46:40Z

  std::mutex mu;
  std::condition_variable cv;
  bool released = false;
  int loads = 0;
  AuditRunner runner(
      &audits,
      [&](std::vector<std::string>*) -> absl::StatusOr<audit::Registry> {
        std::unique_lock<std::mutex> lock(mu);
        ++loads;
        cv.notify_all();
        cv.wait(lock, [&] { return released; });
        return audit::Registry();
      },
      &clock, audit::AuditSettings());
  auto cron = audit::ParseCron("* * * * *");
  ASSERT_TRUE(cron.ok());
  AuditScheduler scheduler({{"every-minute", *cron, {"LOGGING_DISABLED_CHECK"}}}, &runner, &clock);
  scheduler.Start();

  auto wait_for_loads = [&](int n) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(10), [&] { return loads >= n; });
  };
  clock.AdvanceSeconds(61);
  ASSERT_TRUE(wait_for_loads(1)) << "the due run did not start";
  EXPECT_TRUE(runner.Busy("every-minute"));
  // Two more minutes pass while the first run is stuck: they are skipped.
  clock.AdvanceSeconds(61);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  clock.AdvanceSeconds(61);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  {
    std::lock_guard<std::mutex> lock(mu);
    released = true;
  }
  cv.notify_all();
  scheduler.Stop();
  runner.Stop();
  auto tasks = audits.ListTasks("", 100);
  ASSERT_TRUE(tasks.ok());
  ASSERT_EQ(tasks->items.size(), 1u) << "a run was queued behind an unfinished one";
  EXPECT_EQ(tasks->items[0].trigger(), "every-minute");
  EXPECT_EQ(tasks->items[0].status(), v1::COMPLETED);
  EXPECT_FALSE(runner.Busy("every-minute"));
  db->reset();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace warden::services
