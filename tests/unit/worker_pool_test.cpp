#include <gtest/gtest.h>

#include <atomic>
#include <set>

#include "exec/worker_pool.hpp"

using namespace std::chrono_literals;
using rowshift::exec::Channel;
using rowshift::exec::WorkerPool;

TEST(WorkerPool, RunsEveryTaskOnItsWorkers) {
  Channel<int> seen;
  {
    WorkerPool pool(4, 8);
    for (int i = 0; i < 1000; ++i) pool.submit([&seen](int w) { seen.push(w); });
    pool.join();
  }
  seen.close();
  int n = 0;
  std::set<int> workers;
  while (auto w = seen.pop()) {
    ++n;
    workers.insert(*w);
    EXPECT_GE(*w, 0);
    EXPECT_LT(*w, 4);
  }
  EXPECT_EQ(n, 1000);
}

TEST(WorkerPool, BoundedQueueAppliesBackpressure) {
  std::atomic<bool> release{false};
  WorkerPool pool(1, 1);
  auto blocker = [&](int) {
    while (!release) std::this_thread::sleep_for(1ms);
  };
  ASSERT_TRUE(pool.submit_for(blocker, 1s));
  // The worker may not have taken the first task yet; fill until the queue refuses.
  int accepted = 0;
  while (pool.submit_for(blocker, 20ms)) ++accepted;
  EXPECT_LE(accepted, 1) << "capacity 1 plus the running task";
  release = true;
  pool.join();
  pool.join();  // idempotent
}

TEST(Channel, PopForTimesOutAndCloseDrains) {
  Channel<int> c(2);
  EXPECT_FALSE(c.pop_for(10ms).has_value());
  EXPECT_TRUE(c.push_for(1, 0ms));
  EXPECT_TRUE(c.push_for(2, 0ms));
  EXPECT_FALSE(c.push_for(3, 10ms)) << "full";
  c.close();
  EXPECT_FALSE(c.push(4));
  EXPECT_EQ(*c.pop(), 1);
  EXPECT_EQ(*c.pop(), 2);
  EXPECT_FALSE(c.pop().has_value());
}
