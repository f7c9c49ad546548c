// sim::write_svg_plot: a miss-ratio curve (x = cache size, y = miss ratio, one line per policy).
#pragma once

#include <string>
#include <vector>

#include "membound/sim/simulator.hpp"

namespace membound::sim {

// Renders `results` (any order; grouped by policy, sorted by size) as a standalone SVG document
// with axes, tick labels, axis titles, a legend and the title `title`. Sizes in bytes are labelled
// with binary units; the axis is in bytes when any result is, so results should share one unit
// (`membound sim --plot` refuses to mix them). Returns the document text. Never throws except
// std::bad_alloc.
std::string render_svg_plot(const std::vector<sim_result>& results, const std::string& title);

// Writes render_svg_plot(results, title) to `path`. Returns false (and sets `error`) on I/O error.
bool write_svg_plot(const std::string& path, const std::vector<sim_result>& results,
                    const std::string& title, std::string& error);

}  // namespace membound::sim
