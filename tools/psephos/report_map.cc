#include "report_map.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "text_report.h"

namespace psephos::cli {
namespace {

constexpr double kPanel = 360;   // panel width and height, px
constexpr double kMargin = 20;
constexpr double kHeader = 28;   // room for the rule's name

std::optional<double> Coordinate(const engine::Project& p, const char* key, double limit) {
  const std::string* text = p.Attribute(key);
  if (!text || text->empty()) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(text->c_str(), &end);
  if (end != text->c_str() + text->size() || !std::isfinite(v) || std::fabs(v) > limit) return std::nullopt;
  return v;
}

std::string Escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

}  // namespace

Result<std::string> ProjectMapSvg(const engine::Election& election, const std::vector<engine::OutcomeReport>& outcomes) {
  struct Place {
    engine::ProjectIndex project;
    double x, y;  // longitude scaled by cos(latitude), latitude
  };
  std::vector<Place> places;
  for (std::size_t p = 0; p < election.projects.size(); ++p) {
    const auto lat = Coordinate(election.projects[p], "latitude", 90);
    const auto lon = Coordinate(election.projects[p], "longitude", 180);
    if (lat && lon) places.push_back({static_cast<engine::ProjectIndex>(p), *lon, *lat});
  }
  if (places.empty()) {
    return Status::Invalid("--map: no project has both a latitude and a longitude (PROJECTS columns)");
  }
  double min_lat = places[0].y, max_lat = places[0].y;
  for (const Place& pl : places) {
    min_lat = std::min(min_lat, pl.y);
    max_lat = std::max(max_lat, pl.y);
  }
  // An equirectangular view around the middle latitude keeps shapes right at city scale.
  const double shrink = std::cos((min_lat + max_lat) / 2 * 3.14159265358979 / 180);
  double min_x = places[0].x * shrink, max_x = min_x;
  for (Place& pl : places) {
    pl.x *= shrink;
    min_x = std::min(min_x, pl.x);
    max_x = std::max(max_x, pl.x);
  }
  const double span = std::max({max_x - min_x, max_lat - min_lat, 1e-9});
  const double inner = kPanel - 2 * kMargin;
  const double width = kPanel * static_cast<double>(outcomes.size());
  const double height = kPanel + kHeader + 24;

  std::string title = "Funded and unfunded projects on the map";
  std::string desc;
  for (const engine::OutcomeReport& r : outcomes) {
    std::size_t funded = 0, shown_funded = 0;
    for (const auto& f : r.projects) funded += f.funded ? 1 : 0;
    for (const Place& pl : places) shown_funded += r.projects[pl.project].funded ? 1 : 0;
    desc += r.rule + ": " + std::to_string(shown_funded) + " of the " + std::to_string(places.size()) +
            " projects with a place are funded (" + std::to_string(funded) + " funded in all). ";
  }
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + Num(width) + "\" height=\"" + Num(height) +
                    "\" viewBox=\"0 0 " + Num(width) + " " + Num(height) +
                    "\" role=\"img\" aria-labelledby=\"map-title map-desc\" font-family=\"sans-serif\">\n";
  svg += "<title id=\"map-title\">" + Escape(title) + "</title>\n";
  svg += "<desc id=\"map-desc\">" + Escape(desc) + "</desc>\n";
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    const engine::OutcomeReport& r = outcomes[i];
    const double left = kPanel * static_cast<double>(i);
    svg += "<g>\n<rect x=\"" + Num(left + 4) + "\" y=\"4\" width=\"" + Num(kPanel - 8) + "\" height=\"" +
           Num(kPanel + kHeader - 8) + "\" fill=\"#f6f8fa\" stroke=\"#d0d7de\"/>\n";
    svg += "<text x=\"" + Num(left + kMargin) + "\" y=\"22\" font-size=\"14\">" + Escape(r.rule) + "</text>\n";
    for (const Place& pl : places) {
      const engine::ProjectFigures& f = r.projects[pl.project];
      const double cx = left + kMargin + (pl.x - min_x) / span * inner;
      const double cy = kHeader + kMargin + (max_lat - pl.y) / span * inner;
      const engine::Project& project = election.projects[pl.project];
      std::string label = project.id;
      if (const std::string* name = project.Attribute("name"); name && !name->empty()) label += " " + *name;
      label += f.funded ? ": funded, " : ": not funded, ";
      label += GroupDigits(std::to_string(f.votes)) + " votes";
      svg += "<circle cx=\"" + Num(cx) + "\" cy=\"" + Num(cy) + "\" r=\"5\" " +
             (f.funded ? "fill=\"#1a7f37\" stroke=\"#0b4d1f\"" : "fill=\"#ffffff\" stroke=\"#6e7781\"") +
             " stroke-width=\"1.5\"><title>" + Escape(label) + "</title></circle>\n";
    }
    svg += "</g>\n";
  }
  svg += "<circle cx=\"16\" cy=\"" + Num(height - 12) + "\" r=\"5\" fill=\"#1a7f37\" stroke=\"#0b4d1f\"/>\n";
  svg += "<text x=\"26\" y=\"" + Num(height - 8) + "\" font-size=\"12\">funded</text>\n";
  svg += "<circle cx=\"96\" cy=\"" + Num(height - 12) + "\" r=\"5\" fill=\"#ffffff\" stroke=\"#6e7781\"/>\n";
  svg += "<text x=\"106\" y=\"" + Num(height - 8) + "\" font-size=\"12\">not funded</text>\n";
  svg += "</svg>\n";
  return svg;
}

}  // namespace psephos::cli
