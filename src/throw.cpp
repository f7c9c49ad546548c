#include "membound/detail/throw.hpp"

#include <stdexcept>
#include <string>

namespace membound::detail {

[[noreturn]] __attribute__((noinline)) void throw_invalid_argument(std::string_view what,
                                                                    std::string_view field,
                                                                    std::string_view why) {
  std::string msg = "membound: ";
  msg.append(what).append(": ").append(field).append(" ").append(why);
  throw std::invalid_argument(msg);
}

[[noreturn]] __attribute__((noinline)) void throw_out_of_range(std::string_view message) {
  throw std::out_of_range(std::string(message));
}

}  // namespace membound::detail
