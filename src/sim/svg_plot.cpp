// The miss-ratio-curve SVG writer: plain SVG 1.1, no scripts, no external resources.
#include "membound/sim/svg_plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>

#include "text.hpp"

namespace membound::sim {

namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string escape(const std::string& raw) {
  const std::string s = internal::valid_utf8_text(raw);
  std::string out;
  for (const char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string size_label(double v, bool bytes) {
  if (!bytes) {
    if (v >= 1e6 && std::fmod(v, 1e6) == 0) return fmt("%.0fM", v / 1e6);
    if (v >= 1e4 && std::fmod(v, 1e3) == 0) return fmt("%.0fk", v / 1e3);
    return fmt("%.0f", v);
  }
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  return fmt(v == std::floor(v) ? "%.0f" : "%.1f", v) + units[u];
}

constexpr const char* palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
                                   "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#000000", "#6b8e23"};

}  // namespace

std::string render_svg_plot(const std::vector<sim_result>& results, const std::string& title) {
  const double width = 760;
  const double height = 480;
  const double left = 70;
  const double right = 190;  // legend column
  const double top = 40;
  const double bottom = 60;
  const double pw = width - left - right;
  const double ph = height - top - bottom;

  std::vector<std::string> order;
  std::map<std::string, std::vector<std::pair<double, double>>> lines;
  double xmin = 0;
  double xmax = 1;
  bool bytes = false;
  bool first = true;
  for (const auto& r : results) {
    if (!lines.count(r.policy)) order.push_back(r.policy);
    const auto x = static_cast<double>(r.size.value);
    lines[r.policy].emplace_back(x, r.miss_ratio());
    bytes = bytes || r.size.unit == capacity_unit::bytes;
    xmin = first ? x : std::min(xmin, x);
    xmax = first ? x : std::max(xmax, x);
    first = false;
  }
  if (xmax <= xmin) {
    xmin = 0;
    xmax = std::max(1.0, xmax);
  }
  double ymax = 0;
  for (auto& [name, pts] : lines) {
    std::sort(pts.begin(), pts.end());
    for (const auto& p : pts) ymax = std::max(ymax, p.second);
  }
  ymax = std::min(1.0, std::ceil(ymax * 10 + 1e-9) / 10);
  if (ymax <= 0) ymax = 1;
  auto sx = [&](double x) { return left + (x - xmin) / (xmax - xmin) * pw; };
  auto sy = [&](double y) { return top + (1 - y / ymax) * ph; };

  std::string s;
  s += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  s += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + fmt("%.0f", width) + "\" height=\"" +
       fmt("%.0f", height) + "\" viewBox=\"0 0 " + fmt("%.0f", width) + " " + fmt("%.0f", height) +
       "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  s += "<text x=\"" + fmt("%.1f", left + pw / 2) + "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">" +
       escape(title) + "</text>\n";
  // Grid and ticks.
  for (int i = 0; i <= 5; ++i) {
    const double y = ymax * i / 5;
    s += "<line x1=\"" + fmt("%.1f", left) + "\" y1=\"" + fmt("%.1f", sy(y)) + "\" x2=\"" +
         fmt("%.1f", left + pw) + "\" y2=\"" + fmt("%.1f", sy(y)) + "\" stroke=\"#e0e0e0\"/>\n";
    s += "<text x=\"" + fmt("%.1f", left - 6) + "\" y=\"" + fmt("%.1f", sy(y) + 4) +
         "\" text-anchor=\"end\">" + fmt("%.2f", y) + "</text>\n";
  }
  std::vector<double> xticks;
  for (const auto& [name, pts] : lines) {
    for (const auto& p : pts) xticks.push_back(p.first);
  }
  std::sort(xticks.begin(), xticks.end());
  xticks.erase(std::unique(xticks.begin(), xticks.end()), xticks.end());
  const std::size_t stride = std::max<std::size_t>(1, (xticks.size() + 9) / 10);
  for (std::size_t i = 0; i < xticks.size(); i += stride) {
    const double x = sx(xticks[i]);
    s += "<line x1=\"" + fmt("%.1f", x) + "\" y1=\"" + fmt("%.1f", top + ph) + "\" x2=\"" + fmt("%.1f", x) +
         "\" y2=\"" + fmt("%.1f", top + ph + 5) + "\" stroke=\"black\"/>\n";
    s += "<text x=\"" + fmt("%.1f", x) + "\" y=\"" + fmt("%.1f", top + ph + 18) + "\" text-anchor=\"middle\">" +
         escape(size_label(xticks[i], bytes)) + "</text>\n";
  }
  // Axes and titles.
  s += "<line x1=\"" + fmt("%.1f", left) + "\" y1=\"" + fmt("%.1f", top) + "\" x2=\"" + fmt("%.1f", left) +
       "\" y2=\"" + fmt("%.1f", top + ph) + "\" stroke=\"black\"/>\n";
  s += "<line x1=\"" + fmt("%.1f", left) + "\" y1=\"" + fmt("%.1f", top + ph) + "\" x2=\"" +
       fmt("%.1f", left + pw) + "\" y2=\"" + fmt("%.1f", top + ph) + "\" stroke=\"black\"/>\n";
  s += "<text x=\"" + fmt("%.1f", left + pw / 2) + "\" y=\"" + fmt("%.1f", height - 15) +
       "\" text-anchor=\"middle\">cache size (" + (bytes ? "bytes" : "entries") + ")</text>\n";
  s += "<text x=\"18\" y=\"" + fmt("%.1f", top + ph / 2) + "\" text-anchor=\"middle\" transform=\"rotate(-90 18 " +
       fmt("%.1f", top + ph / 2) + ")\">miss ratio</text>\n";
  // Lines and legend.
  std::size_t k = 0;
  for (const auto& name : order) {
    const char* color = palette[k % (sizeof palette / sizeof palette[0])];
    std::string pts;
    for (const auto& p : lines[name]) pts += fmt("%.1f", sx(p.first)) + "," + fmt("%.1f", sy(p.second)) + " ";
    if (!pts.empty()) pts.pop_back();
    s += "<polyline fill=\"none\" stroke=\"" + std::string(color) + "\" stroke-width=\"2\" points=\"" + pts + "\"/>\n";
    for (const auto& p : lines[name]) {
      s += "<circle cx=\"" + fmt("%.1f", sx(p.first)) + "\" cy=\"" + fmt("%.1f", sy(p.second)) +
           "\" r=\"2.5\" fill=\"" + color + "\"/>\n";
    }
    const double ly = top + 10 + 20 * static_cast<double>(k);
    const double lx = left + pw + 20;
    s += "<line x1=\"" + fmt("%.1f", lx) + "\" y1=\"" + fmt("%.1f", ly) + "\" x2=\"" + fmt("%.1f", lx + 24) +
         "\" y2=\"" + fmt("%.1f", ly) + "\" stroke=\"" + color + "\" stroke-width=\"2\"/>\n";
    s += "<text x=\"" + fmt("%.1f", lx + 30) + "\" y=\"" + fmt("%.1f", ly + 4) + "\">" + escape(name) + "</text>\n";
    ++k;
  }
  s += "</svg>\n";
  return s;
}

bool write_svg_plot(const std::string& path, const std::vector<sim_result>& results, const std::string& title,
                    std::string& error) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) {
    error = path + ": cannot open for writing";
    return false;
  }
  out << render_svg_plot(results, title);
  out.flush();
  if (!out) {
    error = path + ": write error";
    return false;
  }
  return true;
}

}  // namespace membound::sim
