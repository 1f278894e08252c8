#include "db/interrupt.hpp"

#include <libpq-fe.h>

#include <atomic>
#include <thread>

#include "rowshift/error.hpp"

namespace rowshift::db {
namespace interrupt {
namespace {

constexpr int kSlots = 512;  // more than --workers allows connections in one scope
std::atomic<bool> g_requested{false};
std::atomic<void*> g_cancel[kSlots];
std::atomic<int> g_in_handler{0};  // request() calls now walking the slots

}  // namespace

void request() noexcept {
  g_requested.store(true);
  g_in_handler.fetch_add(1);
  for (auto& slot : g_cancel) {
    if (void* c = slot.load()) {
      char err[256];  // on the stack, as PQcancel's documentation asks for a signal handler
      PQcancel(static_cast<PGcancel*>(c), err, sizeof err);
    }
  }
  g_in_handler.fetch_sub(1);
}

bool requested() noexcept { return g_requested.load(std::memory_order_relaxed); }

void clear() noexcept { g_requested.store(false); }

int register_cancel(void* pg_cancel) noexcept {
  for (int i = 0; i < kSlots; ++i) {
    void* expected = nullptr;
    if (g_cancel[i].compare_exchange_strong(expected, pg_cancel)) return i;
  }
  return -1;
}

void* unregister_cancel(int slot) noexcept {
  if (slot < 0 || slot >= kSlots) return nullptr;
  void* c = g_cancel[slot].exchange(nullptr);
  // A handler that loaded the pointer before the exchange may still be sending with it.
  while (g_in_handler.load() > 0) std::this_thread::yield();
  return c;
}

}  // namespace interrupt

Interruptible::Interruptible(Database& db) : db_(db) {
  throw_if_interrupted("stopped");
  db_.set_interruptible(true);
}

Interruptible::~Interruptible() { db_.set_interruptible(false); }

void throw_if_interrupted(const char* what) {
  if (interrupt::requested()) throw Error(ErrorKind::cancelled, std::string(what) + ": stop requested (signal)");
}

}  // namespace rowshift::db
