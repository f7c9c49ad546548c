#include "membound/observability/alerts.hpp"

#include <fmt/format.h>

#include "membound/detail/throw.hpp"
#include "membound/log.hpp"
#include "observability/json_fields.hpp"
#include "observability/prometheus_text.hpp"

namespace membound {
namespace {

constexpr std::array<alert_severity, 3> all_severities{
    alert_severity::warning, alert_severity::critical, alert_severity::emergency};

std::string describe(const alert_threshold& t) {
  if (t.kind == alert_threshold::unit::ratio) return fmt::format("ratio >= {:.2f}", t.value);
  return fmt::format("used >= {:.1f} MiB", t.value / (1024.0 * 1024.0));
}

void check(const alert_threshold& t, std::string_view field) {
  if (!t.enabled()) return;
  if (!(t.value > 0.0)) detail::throw_invalid_argument("alert_options", field, "must be positive");
  if (t.kind == alert_threshold::unit::ratio && t.value > 1.0) {
    detail::throw_invalid_argument("alert_options", field, "a ratio must be in (0, 1]");
  }
}

}  // namespace

alert_manager::alert_manager(alert_options options) : options_(options) {
  check(options_.warning, "warning");
  check(options_.critical, "critical");
  check(options_.emergency, "emergency");
  if (!(options_.hysteresis_ratio >= 0.0)) {
    detail::throw_invalid_argument("alert_options", "hysteresis_ratio", "must not be negative");
  }
  if (options_.cooldown.count() < 0) {
    detail::throw_invalid_argument("alert_options", "cooldown", "must not be negative");
  }
  if (options_.history == 0) {
    detail::throw_invalid_argument("alert_options", "history", "must be at least 1");
  }
  // Enabled thresholds of the same unit must increase with severity.
  const std::array<std::pair<const alert_threshold*, std::string_view>, 3> ts{
      {{&options_.warning, "warning"}, {&options_.critical, "critical"},
       {&options_.emergency, "emergency"}}};
  for (std::size_t i = 0; i < ts.size(); ++i) {
    for (std::size_t j = i + 1; j < ts.size(); ++j) {
      const auto& a = *ts[i].first;
      const auto& b = *ts[j].first;
      if (a.enabled() && b.enabled() && a.kind == b.kind && !(a.value < b.value)) {
        detail::throw_invalid_argument("alert_options", ts[j].second,
                                       "must be above the lower severities' thresholds");
      }
    }
  }
  ring_.set_capacity(options_.history);
}

const alert_threshold& alert_manager::threshold(alert_severity s) const noexcept {
  switch (s) {
    case alert_severity::warning: return options_.warning;
    case alert_severity::critical: return options_.critical;
    case alert_severity::emergency: break;
  }
  return options_.emergency;
}

std::vector<alert_event> alert_manager::feed(const memory_sample& sample) {
  std::vector<alert_event> events;
  {
    detail::lock_guard lock(mu_);
    ++stats_.samples;
    for (auto sev : all_severities) {
      const auto& t = threshold(sev);
      if (!t.enabled()) continue;
      double value = 0.0;
      double clear_at = 0.0;
      if (t.kind == alert_threshold::unit::ratio) {
        if (sample.limit_bytes == 0) continue;
        value = sample.ratio();
        clear_at = t.value - options_.hysteresis_ratio;
      } else {
        value = static_cast<double>(sample.used_bytes);
        clear_at = t.value - static_cast<double>(options_.hysteresis_bytes);
      }
      auto& st = states_[static_cast<std::size_t>(sev)];
      bool fire = false;
      bool resolve = false;
      if (!st.active && value >= t.value) {
        if (st.resolved_at && sample.time - *st.resolved_at < options_.cooldown) {
          if (!st.suppressed_episode) ++stats_.suppressed;
          st.suppressed_episode = true;
        } else {
          fire = true;
        }
      } else if (st.active && value < clear_at) {
        resolve = true;
      } else if (!st.active && value < t.value) {
        st.suppressed_episode = false;
      }
      if (!fire && !resolve) continue;
      st.active = fire;
      st.suppressed_episode = false;
      if (resolve) st.resolved_at = sample.time;
      alert_event e;
      e.time = sample.time;
      e.severity = sev;
      e.firing = fire;
      e.used_bytes = sample.used_bytes;
      e.limit_bytes = sample.limit_bytes;
      e.ratio = sample.ratio();
      e.threshold = describe(t);
      e.message = fmt::format("{} memory alert {}: used {:.1f} MiB of {:.1f} MiB ({:.1f} %), {}",
                              to_string(sev), fire ? "firing" : "resolved",
                              static_cast<double>(e.used_bytes) / 1048576.0,
                              static_cast<double>(e.limit_bytes) / 1048576.0, e.ratio * 100.0,
                              e.threshold);
      if (fire) ++stats_.fired; else ++stats_.resolved;
      if (ring_.full()) ++stats_.dropped_history;
      ring_.push_back(e);
      events.push_back(std::move(e));
    }
  }
  for (const auto& e : events) {
    const auto lvl = !e.firing                                   ? spdlog::level::info
                     : e.severity == alert_severity::warning     ? spdlog::level::warn
                     : e.severity == alert_severity::critical    ? spdlog::level::err
                                                                 : spdlog::level::critical;
    logger()->log(lvl, "membound: {}", e.message);
    const auto errors = channel_.emit(e);
    if (errors != 0) {
      detail::lock_guard lock(mu_);
      stats_.callback_errors += errors;
    }
  }
  return events;
}

subscription_handle alert_manager::subscribe(std::function<void(const alert_event&)> callback) {
  return channel_.subscribe(std::move(callback));
}

std::vector<alert_event> alert_manager::history() const {
  detail::lock_guard lock(mu_);
  return {ring_.begin(), ring_.end()};
}

std::optional<alert_severity> alert_manager::active() const {
  detail::lock_guard lock(mu_);
  std::optional<alert_severity> top;
  for (auto sev : all_severities) {
    if (states_[static_cast<std::size_t>(sev)].active) top = sev;
  }
  return top;
}

bool alert_manager::active(alert_severity s) const {
  detail::lock_guard lock(mu_);
  return states_[static_cast<std::size_t>(s)].active;
}

alert_stats alert_manager::stats() const {
  detail::lock_guard lock(mu_);
  return stats_;
}

std::string to_json(const alert_manager& a) {
  nlohmann::json alerts = nlohmann::json::array();
  for (const auto& e : a.history()) {
    alerts.push_back({{"steady_ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                                        e.time.time_since_epoch())
                                        .count()},
                      {"severity", std::string(to_string(e.severity))},
                      {"state", e.firing ? "firing" : "resolved"},
                      {"used_bytes", e.used_bytes},
                      {"limit_bytes", e.limit_bytes},
                      {"ratio", e.ratio},
                      {"threshold", e.threshold},
                      {"message", e.message}});
  }
  const auto s = a.stats();
  const auto act = a.active();
  return detail::dump({{"active", act ? nlohmann::json(std::string(to_string(*act))) : nullptr},
                       {"stats",
                        {{"samples", s.samples},
                         {"fired", s.fired},
                         {"resolved", s.resolved},
                         {"suppressed", s.suppressed},
                         {"callback_errors", s.callback_errors}}},
                       {"alerts", std::move(alerts)}});
}

std::string to_prometheus(const alert_manager& a) {
  std::string out;
  detail::prom_writer w(out);
  w.family("membound_alert_active", "gauge", "1 while the alert of this severity is firing.");
  for (auto sev : all_severities) {
    w.sample("membound_alert_active", {{"severity", to_string(sev)}},
             std::uint64_t{a.active(sev) ? 1U : 0U});
  }
  const auto s = a.stats();
  w.counter("membound_alerts_fired_total", "Alerts fired (all severities).", s.fired);
  w.counter("membound_alerts_resolved_total", "Alerts resolved (all severities).", s.resolved);
  w.counter("membound_alerts_suppressed_total", "Threshold crossings inside the cooldown.",
            s.suppressed);
  return out;
}

}  // namespace membound
