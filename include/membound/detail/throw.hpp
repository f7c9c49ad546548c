// Every throw in membound goes through one of these [[noreturn]], noinline helpers (as in
// unordered_dense), so hot paths stay small and the messages stay uniform.
#pragma once

#include <string_view>

namespace membound::detail {

// Throws std::invalid_argument("membound: <what>: <field> ..."): `field` names the offending
// configuration field, `why` says what is wrong with it.
[[noreturn]] void throw_invalid_argument(std::string_view what, std::string_view field,
                                         std::string_view why);

// Throws std::out_of_range with the given message.
[[noreturn]] void throw_out_of_range(std::string_view message);

}  // namespace membound::detail
