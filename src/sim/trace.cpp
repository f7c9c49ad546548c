// Trace readers: a chunked byte source (plain file or zstd stream) feeding a text-line or
// fixed-record parser, which appends requests to an in-memory trace.
#include "membound/sim/trace.hpp"

#include <zstd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <system_error>

#include "membound/detail/flat_map.hpp"
#include "text.hpp"

namespace membound::sim {

namespace {

constexpr std::size_t chunk_bytes = std::size_t{1} << 20;

struct file_closer {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};
struct dctx_free {
  void operator()(ZSTD_DStream* d) const noexcept { ZSTD_freeDStream(d); }
};

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Yields the file's (decompressed) bytes in chunks.
class byte_source {
 public:
  bool open(const std::string& path, std::string& error) {
    if (internal::is_directory(path)) {
      error = path + ": is a directory, not a trace file";
      return false;
    }
    file_.reset(std::fopen(path.c_str(), "rb"));
    if (!file_) {
      error = path + ": cannot open: " + std::generic_category().message(errno);
      return false;
    }
    out_.resize(chunk_bytes);
    if (ends_with(path, ".zst")) {
      dctx_.reset(ZSTD_createDStream());
      if (!dctx_) {
        error = path + ": cannot create a zstd decompression context";
        return false;
      }
      in_.resize(ZSTD_DStreamInSize());
      zin_ = {in_.data(), 0, 0};
    }
    return true;
  }

  // Sets `chunk` to the next bytes. Returns false at the end of the data or on error (error set).
  bool next(std::string_view& chunk, std::string& error) {
    if (!dctx_) {
      const std::size_t n = std::fread(out_.data(), 1, out_.size(), file_.get());
      if (n == 0) {
        if (std::ferror(file_.get())) error = path_error("read error");
        return false;
      }
      chunk = {out_.data(), n};
      return true;
    }
    for (;;) {
      if (zin_.pos == zin_.size) {
        const std::size_t n = std::fread(in_.data(), 1, in_.size(), file_.get());
        if (n == 0) {
          if (std::ferror(file_.get())) error = path_error("read error");
          else if (!frame_done_) error = path_error("truncated zstd stream");
          return false;
        }
        zin_ = {in_.data(), n, 0};
      }
      ZSTD_outBuffer zout{out_.data(), out_.size(), 0};
      const std::size_t rc = ZSTD_decompressStream(dctx_.get(), &zout, &zin_);
      if (ZSTD_isError(rc)) {
        error = path_error(std::string("zstd: ") + ZSTD_getErrorName(rc));
        return false;
      }
      frame_done_ = rc == 0;
      if (zout.pos > 0) {
        chunk = {out_.data(), zout.pos};
        return true;
      }
    }
  }

  void set_path(std::string path) { path_ = std::move(path); }

 private:
  std::string path_error(const std::string& what) const { return path_ + ": " + what; }

  std::unique_ptr<std::FILE, file_closer> file_;
  std::unique_ptr<ZSTD_DStream, dctx_free> dctx_;
  std::string in_;
  std::string out_;
  ZSTD_inBuffer zin_{nullptr, 0, 0};
  bool frame_done_ = true;
  std::string path_;
};

// Accumulates requests, densifying keys.
class trace_builder {
 public:
  explicit trace_builder(trace& t) : t_(t) {}
  // Returns false when the trace would exceed the 32-bit request/object index space.
  bool add(std::uint64_t key, std::uint64_t size) {
    if (t_.requests.size() >= std::numeric_limits<std::uint32_t>::max() - 1) return false;
    const auto next = static_cast<std::uint32_t>(t_.keys.size());
    const auto [id, inserted] = ids_.try_emplace(key, next);
    const bool clamp = size > std::numeric_limits<std::uint32_t>::max();
    const auto sz = clamp ? std::numeric_limits<std::uint32_t>::max() : static_cast<std::uint32_t>(size);
    t_.clamped_sizes += clamp ? 1 : 0;
    if (inserted) {
      t_.keys.push_back(key);
      t_.unique_bytes += sz;
    }
    t_.requests.push_back({id, sz});
    t_.total_bytes += sz;
    return true;
  }

 private:
  trace& t_;
  detail::flat_u64_map ids_;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool parse_u64(std::string_view s, std::uint64_t& out) {
  s = trim(s);
  if (s.empty()) return false;
  if (s.front() == '+') s.remove_prefix(1);
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

// Accepts negative integers too (two's complement key), as Java readers do.
bool parse_key(std::string_view s, std::uint64_t& out) {
  s = trim(s);
  if (!s.empty() && s.front() == '-') {
    std::int64_t v = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return false;
    out = static_cast<std::uint64_t>(v);
    return true;
  }
  return parse_u64(s, out);
}

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

class reader {
 public:
  reader(const std::string& path, const trace_options& o, trace& t)
      : path_(path), o_(o), t_(t), b_(t) {}

  std::string run() {
    byte_source src;
    src.set_path(path_);
    if (!src.open(path_, error_)) return error_;
    const std::size_t record = record_size();
    std::string carry;
    std::string_view chunk;
    bool ended = false;
    while (!done_ && src.next(chunk, error_)) {
      if (record == 0) {
        // Text: whole lines; a partial last line waits in `carry`.
        std::size_t start = 0;
        while (!done_) {
          const std::size_t nl = chunk.find('\n', start);
          if (nl == std::string_view::npos) break;
          if (!carry.empty()) {
            carry.append(chunk.substr(start, nl - start));
            if (!text_line(carry)) return error_;
            carry.clear();
          } else if (!text_line(chunk.substr(start, nl - start))) {
            return error_;
          }
          start = nl + 1;
        }
        carry.append(chunk.substr(start));
      } else {
        std::size_t start = 0;
        if (!carry.empty()) {
          const std::size_t need = record - carry.size();
          carry.append(chunk.substr(0, need));
          start = std::min(need, chunk.size());
          if (carry.size() < record) continue;
          if (!binary_record(carry.data())) return error_;
          carry.clear();
        }
        while (!done_ && chunk.size() - start >= record) {
          if (!binary_record(chunk.data() + start)) return error_;
          start += record;
        }
        carry.assign(chunk.substr(start));
      }
    }
    if (!error_.empty()) return error_;
    ended = true;
    if (ended && !done_ && !carry.empty()) {
      if (record == 0) {
        if (!text_line(carry)) return error_;
      } else {
        return fail_offset(offset_, "truncated record (" + std::to_string(carry.size()) + " of " +
                                        std::to_string(record) + " bytes)");
      }
    }
    return {};
  }

 private:
  std::size_t record_size() const {
    switch (o_.format) {
      case trace_format::oracle_general: return 24;
      case trace_format::u32be:
      case trace_format::u32le: return 4;
      case trace_format::i64be: return 8;
      default: return 0;
    }
  }

  bool add(std::uint64_t key, std::uint64_t size) {
    if (!b_.add(key, size)) {
      error_ = path_ + ": more than 2^32-2 requests are not supported";
      return false;
    }
    if (o_.max_requests != 0 && t_.requests.size() >= o_.max_requests) done_ = true;
    return true;
  }

  bool fail_line(const std::string& why) {
    error_ = path_ + ": line " + std::to_string(line_) + ": " + why;
    return false;
  }
  std::string fail_offset(std::uint64_t offset, const std::string& why) {
    error_ = path_ + ": byte offset " + std::to_string(offset) + ": " + why;
    return error_;
  }

  static std::string show(std::string_view s) { return internal::quoted_excerpt(s); }

  bool text_line(std::string_view line) {
    ++line_;
    switch (o_.format) {
      case trace_format::lirs: {
        const std::string_view s = trim(line);
        if (s.empty() || s == "*") return true;
        std::uint64_t key = 0;
        if (!parse_key(s, key)) return fail_line("expected an integer block id, got " + show(s));
        return add(key, 1);
      }
      case trace_format::arc: {
        if (trim(line).empty()) return true;
        std::array<std::string_view, 4> f;
        const std::size_t n = internal::split_ws(line, f);
        std::uint64_t start = 0;
        std::uint64_t count = 0;
        if (n < 2 || !parse_u64(f[0], start) || !parse_u64(f[1], count)) {
          return fail_line("expected 'start_block n_blocks ignore request_no', got " + show(line));
        }
        if (count > (std::uint64_t{1} << 32)) return fail_line("block count too large: " + show(f[1]));
        for (std::uint64_t b = 0; b < count && !done_; ++b) {
          if (!add(start + b, 512)) return false;
        }
        return true;
      }
      case trace_format::webcachesim: {
        if (trim(line).empty()) return true;
        std::array<std::string_view, 3> f;
        std::uint64_t time = 0;
        std::uint64_t id = 0;
        std::uint64_t size = 0;
        if (internal::split_ws(line, f) != 3 || !parse_u64(f[0], time) || !parse_key(f[1], id) ||
            !parse_u64(f[2], size)) {
          return fail_line("expected 'time id size', got " + show(line));
        }
        const std::uint64_t key = o_.webcachesim == webcachesim_key::id_and_size
                                      ? detail::mix64(id) ^ detail::mix64(size + 0x9e3779b97f4a7c15ULL)
                                      : id;
        return add(key, size);
      }
      case trace_format::csv: return csv_line(line);
      default: return fail_line("internal: not a text format");
    }
  }

  bool csv_line(std::string_view line) {
    if (line_ == 1 && o_.csv.has_header) return true;
    if (trim(line).empty()) return true;
    // Find the wanted columns without allocating.
    const unsigned want_max = std::max({o_.csv.id_column, o_.csv.size_column, o_.csv.time_column});
    std::string_view id_field;
    std::string_view size_field;
    std::string_view time_field;
    unsigned col = 1;
    std::size_t start = 0;
    for (;;) {
      std::size_t end = line.find(o_.csv.delimiter, start);
      const std::string_view field = line.substr(start, end == std::string_view::npos ? end : end - start);
      if (col == o_.csv.id_column) id_field = field;
      if (col == o_.csv.size_column) size_field = field;
      if (col == o_.csv.time_column) time_field = field;
      if (col == want_max || end == std::string_view::npos) break;
      start = end + 1;
      ++col;
    }
    if (col < want_max) {
      return fail_line("expected at least " + std::to_string(want_max) + " columns, got " +
                       std::to_string(col) + ": " + show(line));
    }
    std::string_view id = trim(id_field);
    if (id.size() >= 2 && id.front() == '"' && id.back() == '"') id = id.substr(1, id.size() - 2);
    if (id.empty()) return fail_line("empty id in column " + std::to_string(o_.csv.id_column));
    std::uint64_t key = 0;
    if (!parse_key(id, key)) key = fnv1a(id);
    std::uint64_t size = 1;
    if (o_.csv.size_column != 0 && !parse_u64(size_field, size)) {
      return fail_line("expected an integer size in column " + std::to_string(o_.csv.size_column) +
                       ", got " + show(size_field));
    }
    std::uint64_t time = 0;
    if (o_.csv.time_column != 0 && !parse_key(time_field, time)) {
      return fail_line("expected an integer time in column " + std::to_string(o_.csv.time_column) +
                       ", got " + show(time_field));
    }
    return add(key, size);
  }

  static std::uint64_t load_le(const char* p, int n) {
    std::uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
    return v;
  }
  static std::uint64_t load_be(const char* p, int n) {
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
    return v;
  }

  bool binary_record(const char* p) {
    bool ok = true;
    switch (o_.format) {
      case trace_format::oracle_general: {
        const std::uint64_t id = load_le(p + 4, 8);
        const std::uint64_t size = load_le(p + 12, 4);
        const auto next = static_cast<std::int64_t>(load_le(p + 16, 8));
        if (next < -1) {
          fail_offset(offset_ + 16, "invalid next_access_vtime " + std::to_string(next));
          return false;
        }
        ok = add(id, size);
        offset_ += 24;
        break;
      }
      case trace_format::u32be: ok = add(load_be(p, 4), 1); offset_ += 4; break;
      case trace_format::u32le: ok = add(load_le(p, 4), 1); offset_ += 4; break;
      case trace_format::i64be: ok = add(load_be(p, 8), 1); offset_ += 8; break;
      default: error_ = "internal: not a binary format"; return false;
    }
    return ok;
  }

  const std::string& path_;
  const trace_options& o_;
  trace& t_;
  trace_builder b_;
  std::string error_;
  std::uint64_t line_ = 0;
  std::uint64_t offset_ = 0;
  bool done_ = false;
};

}  // namespace

std::optional<trace_format> parse_trace_format(std::string_view name) noexcept {
  if (name == "lirs") return trace_format::lirs;
  if (name == "arc") return trace_format::arc;
  if (name == "oracle-general" || name == "oracleGeneral") return trace_format::oracle_general;
  if (name == "csv") return trace_format::csv;
  if (name == "u32be") return trace_format::u32be;
  if (name == "u32le") return trace_format::u32le;
  if (name == "i64be") return trace_format::i64be;
  if (name == "webcachesim") return trace_format::webcachesim;
  return std::nullopt;
}

std::string_view to_string(trace_format format) noexcept {
  switch (format) {
    case trace_format::lirs: return "lirs";
    case trace_format::arc: return "arc";
    case trace_format::oracle_general: return "oracle-general";
    case trace_format::csv: return "csv";
    case trace_format::u32be: return "u32be";
    case trace_format::u32le: return "u32le";
    case trace_format::i64be: return "i64be";
    case trace_format::webcachesim: return "webcachesim";
  }
  return "unknown";
}

void trace::compute_next_access() {
  next_access_.assign(requests.size(), never);
  std::vector<std::uint32_t> last(keys.size(), never);
  for (std::size_t i = requests.size(); i-- > 0;) {
    const std::uint32_t o = requests[i].object;
    next_access_[i] = last[o];
    last[o] = static_cast<std::uint32_t>(i);
  }
}

load_result load_trace(const std::string& path, const trace_options& options) {
  load_result r;
  r.value.path = path;
  if (options.format == trace_format::csv && options.csv.id_column == 0) {
    r.error = path + ": csv: the id column must be set (1-based)";
    return r;
  }
  reader rd(path, options, r.value);
  r.error = rd.run();
  if (!r.ok()) r.value = trace{};
  return r;
}

trace make_trace(const std::vector<std::uint64_t>& keys, const std::vector<std::uint32_t>& sizes) {
  trace t;
  t.path = "<memory>";
  t.requests.reserve(keys.size());
  trace_builder b(t);
  for (std::size_t i = 0; i < keys.size(); ++i) b.add(keys[i], sizes.empty() ? 1 : sizes[i]);
  return t;
}

}  // namespace membound::sim
