#include "membound/pressure/source.hpp"

namespace membound {

memory_sample scripted_source::read(std::error_code& ec) noexcept {
  reads_.fetch_add(1, std::memory_order_relaxed);
  detail::lock_guard lock(mu_);
  ec = error_;
  memory_sample s = next_;
  s.source = name();
  try {
    s.time = membound::now(clock_);
  } catch (...) {
    s.time = clock_type::now();
  }
  return s;
}

void scripted_source::set(std::uint64_t used_bytes, std::uint64_t limit_bytes) noexcept {
  detail::lock_guard lock(mu_);
  next_.used_bytes = used_bytes;
  next_.limit_bytes = limit_bytes;
}

void scripted_source::set_psi(std::optional<double> some_avg10,
                              std::optional<double> full_avg10) noexcept {
  detail::lock_guard lock(mu_);
  next_.psi_some_avg10 = some_avg10;
  next_.psi_full_avg10 = full_avg10;
}

void scripted_source::set_rss(std::optional<std::uint64_t> rss_bytes) noexcept {
  detail::lock_guard lock(mu_);
  next_.process_rss_bytes = rss_bytes;
}

void scripted_source::set_error(std::error_code ec) noexcept {
  detail::lock_guard lock(mu_);
  error_ = ec;
}

void scripted_source::set_clock(clock_fn clock) {
  detail::lock_guard lock(mu_);
  clock_ = std::move(clock);
}

}  // namespace membound
