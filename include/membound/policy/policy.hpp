// The eviction-policy interface shared by concurrent_cache (one instance per shard) and the
// simulator: the same code decides evictions in production and in the policy lab.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace membound::policy {

// A dense slot index chosen by the owner (cache shard or simulator) for each resident entry.
// Owners reuse freed handles; a policy stores per-handle metadata in arrays indexed by it.
using handle = std::uint32_t;
inline constexpr handle no_handle = ~handle{0};

// The protocol every policy follows. A policy is single-threaded (thread-compatible): the owner
// serialises every call.
//
//   P(capacity)              capacity in weight units (entries when every weight is 1, else bytes)
//   on_miss(hash)            a lookup of `hash` missed (frequency sketches, ghost lists). Optional.
//   on_insert(h, hash, w)    h becomes resident with weight w
//   on_hit(h)                h was read
//   on_update(h, w)          h was overwritten with a new weight (also counts as an access)
//   on_remove(h)             the owner removed h (erase, expiry): forget it
//   evict() -> handle        choose a victim among residents, forget it and return it
//                            REQUIRES: size() > 0
//   set_capacity(c)          new capacity (shrink/regrow); the owner then calls evict() while over
//   size()                   number of resident entries
//   memory_bytes()           the policy's own metadata footprint
//   name                     static constexpr std::string_view, the class name (e.g. "lru")
//
// Owner protocol on a miss that inserts: on_miss(hash); then `while (used + w > capacity &&
// size() > 0) evict();` then on_insert(h, hash, w). An entry heavier than the whole capacity is not
// inserted. The policy never sees keys or values, only handles and 64-bit hashes.
template <class P>
concept eviction_policy =
    requires(P& p, const P& cp, handle h, std::uint64_t hash, std::uint64_t w) {
      P(w);
      p.on_insert(h, hash, w);
      p.on_hit(h);
      p.on_update(h, w);
      p.on_remove(h);
      { p.evict() } -> std::same_as<handle>;
      p.set_capacity(w);
      { cp.size() } -> std::convertible_to<std::size_t>;
      { cp.memory_bytes() } -> std::convertible_to<std::size_t>;
      { P::name } -> std::convertible_to<std::string_view>;
    };

// Optional members (the owner uses them when present):
//   on_hits(hs, n)           equivalent to on_hit(hs[i]) for i = 0 .. n-1, in order (a batch the
//                            policy can replay faster, e.g. keeping its list head in a register)
//   update_is_hit            static constexpr bool: on_update(h, w) with an unchanged weight is
//                            exactly on_hit(h), so the owner may batch updates with hits
//   evict_marked(take) -> handle
//                            evict(), where entry h also counts as hit since the scan last passed
//                            it when take(h) returns true (take(h) clears the owner's mark for h).
//                            For policies whose on_hit only sets a bit that eviction clears (CLOCK,
//                            SIEVE): the owner may then record a hit by setting a mark on its own
//                            entry instead of calling on_hit, with no lock and no buffer. take is
//                            called once each time the scan examines an entry. Such a policy must
//                            also declare update_is_hit (the owner records updates as marks too).

// Calls p.on_hits(hs, n), or p.on_hit(h) for each handle in order.
template <class P>
inline void replay_hits(P& p, const handle* hs, std::size_t n) {
  if constexpr (requires { p.on_hits(hs, n); }) {
    p.on_hits(hs, n);
  } else {
    for (std::size_t i = 0; i < n; ++i) p.on_hit(hs[i]);
  }
}

// True when the policy declares that an update with an unchanged weight is a hit.
template <class P>
inline constexpr bool update_is_hit = [] {
  if constexpr (requires { P::update_is_hit; }) {
    return static_cast<bool>(P::update_is_hit);
  } else {
    return false;
  }
}();

// True when the policy takes hits as marks kept by the owner (evict_marked, above).
template <class P>
inline constexpr bool takes_hit_marks = requires(P& p) {
  { p.evict_marked([](handle) noexcept { return false; }) } -> std::same_as<handle>;
};

// Calls p.on_miss(hash) where the policy has it.
template <class P>
inline void notify_miss(P& p, std::uint64_t hash) {
  if constexpr (requires { p.on_miss(hash); }) p.on_miss(hash);
}

}  // namespace membound::policy
