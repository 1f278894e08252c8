#include "run/batch_queue.hpp"

#include <gtest/gtest.h>

namespace rowshift {
namespace {

std::vector<checkpoint::BatchRecord> numbered(std::int64_t first, std::int64_t last) {
  std::vector<checkpoint::BatchRecord> out;
  for (std::int64_t n = first; n <= last; ++n) {
    checkpoint::BatchRecord b;
    b.number = n;
    out.push_back(b);
  }
  return out;
}

std::vector<std::int64_t> drain(BatchQueue& q) {
  std::vector<std::int64_t> out;
  while (!q.empty()) {
    out.push_back(q.front().number);
    q.pop();
  }
  return out;
}

TEST(BatchQueue, AloneGoesInKeyOrder) {
  BatchQueue q(numbered(1, 5));
  EXPECT_EQ(drain(q), (std::vector<std::int64_t>{1, 2, 3, 4, 5}));
}

TEST(BatchQueue, LostClaimMovesToTheMiddleOfWhatIsLeft) {
  // Another runner started at the same moment and claimed 1 first; 2..10 are untouched.
  BatchQueue q(numbered(1, 10));
  q.pop();  // 1, lost
  EXPECT_TRUE(q.lost_tells_news(1));
  q.respread({2, 3, 4, 5, 6, 7, 8, 9, 10});
  // The other runner goes on from 2; this one from 6, and comes back round to 2..5 last.
  EXPECT_EQ(drain(q), (std::vector<std::int64_t>{6, 7, 8, 9, 10, 2, 3, 4, 5}));
}

TEST(BatchQueue, PicksTheLongestStretchAndDropsBatchesDoneElsewhere) {
  BatchQueue q(numbered(1, 20));
  q.pop();
  q.pop();  // 1 and 2 offered
  // Done elsewhere meanwhile: 3..6 and 12. Pending stretches: 7..11 (5) and 13..20 (8).
  q.respread({7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20});
  EXPECT_EQ(drain(q), (std::vector<std::int64_t>{17, 18, 19, 20, 7, 8, 9, 10, 11, 13, 14, 15, 16}));
}

TEST(BatchQueue, OnlyBatchesOfferedSinceTheLastLookTellNews) {
  BatchQueue q(numbered(1, 10));
  q.pop();
  q.pop();  // 1 and 2 in flight
  q.respread({3, 4, 5, 6, 7, 8, 9, 10});
  EXPECT_FALSE(q.lost_tells_news(2)) << "offered before the look: the look knew it already";
  ASSERT_EQ(q.front().number, 7) << "the middle of 3..10";
  q.pop();
  EXPECT_TRUE(q.lost_tells_news(7));
  EXPECT_FALSE(q.lost_tells_news(8)) << "not offered yet";
}

TEST(BatchQueue, BatchesPendingOnlyInTheStoreAreNotAdded) {
  // A batch released by a runner after this one read its list belongs to a later run.
  BatchQueue q(numbered(1, 3));
  q.respread({1, 2, 3, 4});
  EXPECT_EQ(drain(q), (std::vector<std::int64_t>{3, 1, 2}));
}

TEST(BatchQueue, NothingPendingLeavesNothingToOffer) {
  BatchQueue q(numbered(1, 3));
  q.pop();
  q.respread({});
  EXPECT_TRUE(q.empty());
}

}  // namespace
}  // namespace rowshift
