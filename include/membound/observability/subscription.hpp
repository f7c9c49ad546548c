// subscription_handle and event_channel: RAII subscriptions to the observability components'
// events (leak_detector, alert_manager, memory_tracker).
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "membound/log.hpp"

namespace membound {

// RAII registration of a callback: destroying it (or reset()) unsubscribes, and waits for a call of
// that callback running on another thread to finish (not when called from inside the callback).
//
// Complexity: destruction is O(log subscribers) plus the wait for a running call.
// Thread-safety: thread-compatible (one handle is used by one thread at a time; handles of the
// same component may be destroyed concurrently).
// Exceptions: nothing but std::bad_alloc on subscribe; destruction does not throw.
// Stability: movable; may outlive the component it came from (then destroying it does nothing).
// Capacity: not applicable.
class subscription_handle {
 public:
  subscription_handle() = default;
  explicit subscription_handle(std::shared_ptr<void> token) : token_(std::move(token)) {}
  subscription_handle(subscription_handle&&) noexcept = default;
  subscription_handle& operator=(subscription_handle&&) noexcept = default;
  subscription_handle(const subscription_handle&) = delete;
  subscription_handle& operator=(const subscription_handle&) = delete;
  ~subscription_handle() = default;
  void reset() noexcept { token_.reset(); }
  explicit operator bool() const noexcept { return static_cast<bool>(token_); }

 private:
  std::shared_ptr<void> token_;
};

namespace detail {

// A list of callbacks of one event type. emit() calls them outside the list's lock; an exception
// from one is caught, logged and counted, and the others still run.
// Complexity: subscribe O(log n); emit O(n) plus the callbacks.
// Thread-safety: thread-safe. Exceptions: std::bad_alloc only. Capacity: unbounded subscribers.
template <class Event>
class event_channel {
 public:
  event_channel() : state_(std::make_shared<state>()) {}

  subscription_handle subscribe(std::function<void(const Event&)> callback) {
    auto e = std::make_shared<entry>();
    e->fn = std::move(callback);
    std::uint64_t id = 0;
    {
      std::lock_guard lock(state_->mu);
      id = ++state_->next_id;
      state_->entries.emplace(id, e);
    }
    auto token = std::make_shared<unsubscriber>();
    token->owner = state_;
    token->id = id;
    token->target = std::move(e);
    return subscription_handle(std::move(token));
  }

  // Returns the number of callbacks that threw.
  std::uint64_t emit(const Event& event) const {
    std::vector<std::shared_ptr<entry>> targets;
    {
      std::lock_guard lock(state_->mu);
      targets.reserve(state_->entries.size());
      for (const auto& [id, e] : state_->entries) targets.push_back(e);
    }
    std::uint64_t errors = 0;
    for (const auto& e : targets) {
      e->invoke(event, errors);
    }
    return errors;
  }

 private:
  struct entry {
    std::function<void(const Event&)> fn;
    std::recursive_mutex call_mu;  // held while fn runs; the unsubscriber waits on it
    bool gone = false;

    void invoke(const Event& event, std::uint64_t& errors) {
      std::lock_guard lock(call_mu);
      if (gone) return;
      try {
        fn(event);
      } catch (const std::exception& ex) {
        ++errors;
        logger()->error("membound: event callback threw: {}", ex.what());
      } catch (...) {
        ++errors;
        logger()->error("membound: event callback threw a non-exception");
      }
    }
  };
  struct state;
  // Destroyed with the last copy of the handle's token: removes the entry, then waits out a call
  // running on another thread (call_mu is recursive, so a callback may drop its own handle).
  struct unsubscriber {
    std::weak_ptr<state> owner;
    std::uint64_t id = 0;
    std::shared_ptr<entry> target;
    unsubscriber() = default;
    unsubscriber(const unsubscriber&) = delete;
    unsubscriber& operator=(const unsubscriber&) = delete;
    ~unsubscriber() {
      if (auto s = owner.lock()) {
        std::lock_guard lock(s->mu);
        s->entries.erase(id);
      }
      std::lock_guard call(target->call_mu);
      target->gone = true;
    }
  };
  struct state {
    std::mutex mu;
    std::uint64_t next_id = 0;
    std::map<std::uint64_t, std::shared_ptr<entry>> entries;
  };
  std::shared_ptr<state> state_;
};

}  // namespace detail
}  // namespace membound
