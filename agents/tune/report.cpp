// report.html: a self-contained page (inline SVG and CSS, no scripts) from a results document.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "agents/tune/bench.h"
#include "agents/tune/html.h"

namespace dcoc::agents::tune {

namespace {

std::string Color(const std::string& tuner, size_t i) {
  static const std::map<std::string, std::string> fixed = {{"random", "#7f7f7f"},    {"grid", "#222222"},
                                                           {"ga", "#e6850e"},        {"autotvm", "#1f5fbf"},
                                                           {"chameleon", "#2a9d3a"}, {"dcoc", "#c0392b"}};
  static const char* other[] = {"#8e44ad", "#16a085", "#d35400", "#2c3e50"};
  if (auto it = fixed.find(tuner); it != fixed.end()) return it->second;
  return other[i % 4];
}

// A schedule as "tile_b=1 tile_h=7 ..." (wraps in a table cell).
std::string CompactSchedule(const nlohmann::ordered_json& j) {
  std::string out;
  for (const auto& [k, v] : j.items())
    out += fmt::format("{}{}={}", out.empty() ? "" : " ", k, v.is_string() ? v.get<std::string>() : v.dump());
  return out;
}

// "resnet18.C9: conv2d N=1 ..." without the name.
std::string ShapeOnly(const nlohmann::ordered_json& layer) {
  const std::string shape = layer["shape"], name = layer["name"];
  return shape.rfind(name + ": ", 0) == 0 ? shape.substr(name.size() + 2) : shape;
}

struct Curve {
  std::string tuner;
  std::vector<double> mean, lo, hi;  // per measurement index (GOPS)
};

// Best-so-far GOPS of each seed, carried forward to the longest run; mean and min-max over seeds.
Curve CurveOf(const nlohmann::ordered_json& results, const std::string& layer, const std::string& tuner, int64_t macs,
              double clock_hz) {
  Curve c{tuner, {}, {}, {}};
  std::vector<std::vector<double>> seeds;
  size_t len = 0;
  for (const nlohmann::ordered_json& run : results["runs"]) {
    if (run["layer"] != layer || run["tuner"] != tuner || run.value("interrupted", false)) continue;
    std::vector<double> g;
    for (uint64_t cyc : run["curve_cycles"].get<std::vector<uint64_t>>())
      g.push_back(cyc ? 2.0 * double(macs) / (double(cyc) / clock_hz) / 1e9 : 0.0);
    len = std::max(len, g.size());
    seeds.push_back(std::move(g));
  }
  for (size_t i = 0; i < len; ++i) {
    double sum = 0, lo = 1e300, hi = 0;
    for (const std::vector<double>& g : seeds) {
      const double v = g.empty() ? 0 : g[std::min(i, g.size() - 1)];
      sum += v, lo = std::min(lo, v), hi = std::max(hi, v);
    }
    c.mean.push_back(sum / double(seeds.size()));
    c.lo.push_back(lo);
    c.hi.push_back(hi);
  }
  return c;
}

std::string Panel(const nlohmann::ordered_json& results, const nlohmann::ordered_json& layer, double clock_hz) {
  const double W = 560, H = 330, L = 62, R = 14, T = 34, B = 46;
  const std::string name = layer["name"];
  const int64_t macs = layer["macs"];
  std::vector<Curve> curves;
  for (const nlohmann::ordered_json& t : results["tuners"]) {
    Curve c = CurveOf(results, name, t, macs, clock_hz);
    if (!c.mean.empty()) curves.push_back(std::move(c));
  }
  const double known = layer["best_known"].is_null() ? 0.0 : layer["best_known"]["gops"].get<double>();
  double ymax = known, xmax = double(results["trials"].get<int64_t>());
  for (const Curve& c : curves) {
    ymax = std::max(ymax, *std::max_element(c.hi.begin(), c.hi.end()));
    xmax = std::max(xmax, double(c.mean.size()));
  }
  if (ymax <= 0) ymax = 1;
  const double ystep = NiceStep(ymax * 1.05, 5), ytop = std::ceil(ymax * 1.05 / ystep) * ystep;
  const double xstep = NiceStep(xmax, 6);
  Plot plot;
  plot.W = W, plot.H = H, plot.L = L, plot.R = R, plot.T = T, plot.B = B;
  plot.x1 = xmax, plot.y1 = ytop;
  const auto X = [&](double x) { return plot.X(x); };
  const auto Y = [&](double y) { return plot.Y(y); };
  std::string svg = plot.Open(xstep, ystep, "measurements", "best GOPS so far");
  svg += fmt::format(R"(<text x="{}" y="18" font-size="13" font-weight="bold">{}</text>)", L, HtmlEscape(name));
  svg += fmt::format(R"(<text x="{}" y="18" text-anchor="end" fill="#555">{}</text>)", W - R,
                     HtmlEscape(ShapeOnly(layer)));
  if (known > 0) {
    svg += fmt::format(
        R"(<line x1="{:.1f}" x2="{:.1f}" y1="{:.1f}" y2="{:.1f}" stroke="#c0392b" stroke-dasharray="5 4"/>)", L, W - R,
        Y(known), Y(known));
    svg += fmt::format(R"(<text x="{:.1f}" y="{:.1f}" text-anchor="end" fill="#c0392b">{} {} GOPS</text>)", W - R - 4,
                       Y(known) - 4, layer.value("exhaustive", false) ? "optimum" : "best known", Num(known));
  }
  for (size_t k = 0; k < curves.size(); ++k) {
    const Curve& c = curves[k];
    const std::string col = Color(c.tuner, k);
    std::string band, line;
    for (size_t i = 0; i < c.hi.size(); ++i) band += fmt::format("{:.1f},{:.1f} ", X(double(i + 1)), Y(c.hi[i]));
    for (size_t i = c.lo.size(); i-- > 0;) band += fmt::format("{:.1f},{:.1f} ", X(double(i + 1)), Y(c.lo[i]));
    for (size_t i = 0; i < c.mean.size(); ++i) line += fmt::format("{:.1f},{:.1f} ", X(double(i + 1)), Y(c.mean[i]));
    svg += fmt::format(R"(<polygon points="{}" fill="{}" fill-opacity="0.12" stroke="none"/>)", band, col);
    svg += fmt::format(R"(<polyline points="{}" fill="none" stroke="{}" stroke-width="1.8"/>)", line, col);
  }
  // Legend, bottom right inside the plot.
  for (size_t k = 0; k < curves.size(); ++k) {
    const double y = H - B - 12 - 15.0 * double(curves.size() - 1 - k);
    svg += fmt::format(
        R"(<line x1="{:.1f}" x2="{:.1f}" y1="{:.1f}" y2="{:.1f}" stroke="{}" stroke-width="2.5"/><text x="{:.1f}" y="{:.1f}">{}</text>)",
        W - R - 110, W - R - 90, y, y, Color(curves[k].tuner, k), W - R - 85, y + 4, HtmlEscape(curves[k].tuner));
  }
  svg += "</svg>";
  return svg;
}

std::string Cell(const nlohmann::ordered_json& v, const char* format_spec = "{:.3f}") {
  if (v.is_null()) return "&ndash;";
  return fmt::format(fmt::runtime(format_spec), v.get<double>());
}

}  // namespace

std::string ReportHtml(const nlohmann::ordered_json& results) {
  const double clock_hz = results["clock_mhz"].get<double>() * 1e6;
  const nlohmann::ordered_json summary = results.contains("summary") ? results["summary"] : Summarize(results);
  std::string h;
  h += R"(<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>dcoc tuner benchmark</title><style>
body{font-family:sans-serif;margin:24px;color:#222;max-width:1240px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px}
.grid{display:flex;flex-wrap:wrap;gap:10px}
.grid svg{border:1px solid #ddd;background:#fff}
table{border-collapse:collapse;font-size:13px;margin:8px 0}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}
td.s{max-width:420px;text-align:left;font-size:12px}
th{background:#f2f2f2}td.l,th.l{text-align:left}
.note{color:#555;font-size:13px;max-width:1100px}
</style></head><body>)";
  h += "<h1>Tuners side by side</h1>";
  const nlohmann::ordered_json& m = results["machine"];
  h += fmt::format(
      "<p class=\"note\">Configuration <b>{}</b> at {} MHz, backend <b>{}</b>, {} measurements per run, {} seeds "
      "per tuner and layer{}. Machine: {} ({} CPUs, {} memory), {}. Command: <code>{}</code></p>",
      HtmlEscape(results["config"]), Num(results["clock_mhz"].get<double>()), HtmlEscape(results["backend"]),
      results["trials"].get<int64_t>(), results["seeds"].get<int>(),
      results["cycle_bound"].get<double>() > 0
          ? fmt::format(", runs stopped at {}x the best known cycles", Num(results["cycle_bound"].get<double>()))
          : "",
      HtmlEscape(m.value("cpu", "?")), m.value("cpus", 0), HtmlEscape(m.value("memory", "?")),
      HtmlEscape(results["date"]), HtmlEscape(results.value("command", "")));
  if (results.value("interrupted", false)) h += "<p class=\"note\"><b>Interrupted:</b> some runs are missing.</p>";
  h += "<p class=\"note\">Each panel: the best throughput found so far against the number of measurements; the "
       "line is the mean over seeds, the band spans the worst and best seed. The dashed line is the optimum when "
       "every valid schedule of the layer was measured (ground truth), else the best known in the database.</p>";
  h += "<div class=\"grid\">";
  for (const nlohmann::ordered_json& layer : results["layers"]) h += Panel(results, layer, clock_hz);
  h += "</div>";

  // Overall.
  h += "<h2>Fraction of the best known throughput (geometric mean over layers)</h2><table><tr><th "
       "class=\"l\">tuner</th><th>layers</th><th>fraction</th></tr>";
  for (const nlohmann::ordered_json& e : summary["per_tuner"])
    h += fmt::format("<tr><td class=\"l\">{}</td><td>{}</td><td>{:.3f}</td></tr>", HtmlEscape(e["tuner"]),
                     e["layers"].get<int>(), e["fraction_of_best_geomean"].get<double>());
  h += "</table>";

  // Per layer and tuner.
  const std::vector<double> fractions = results["fractions"].get<std::vector<double>>();
  h += "<h2>Per layer</h2><p class=\"note\">Final best: mean &plusmn; standard deviation over seeds. Fraction: the "
       "best known throughput's fraction reached (mean, worst seed). Measurements to reach a fraction: mean over the "
       "seeds that reached it (reached/seeds). Time per run in seconds: measurement (waiting for the simulator; "
       "memoized measurements cost almost nothing, so tuners that run later on a shared database wait less), cost "
       "(the measurements' own time, also for memoized ones), model fitting and search (inside the tuner), and the "
       "share of the run's wall time spent outside measurement; tuner share: that share had nothing been memoized "
       "(model fitting and search against themselves plus the measurements' own time over the workers).</p>";
  h += "<table><tr><th class=\"l\">layer</th><th class=\"l\">tuner</th><th>final "
       "GOPS</th><th>fraction</th><th>worst</th>";
  for (double f : fractions) h += fmt::format("<th>to {:.0f}%</th>", f * 100);
  h += "<th>measure s</th><th>cost s</th><th>fit s</th><th>search s</th><th>outside</th><th>tuner share</th></tr>";
  for (const nlohmann::ordered_json& e : summary["per_layer"]) {
    h += fmt::format(
        "<tr><td class=\"l\">{}</td><td class=\"l\">{}</td><td>{:.2f} &plusmn; {:.2f}</td><td>{}</td><td>{}</td>",
        HtmlEscape(e["layer"]), HtmlEscape(e["tuner"]), e["final_gops_mean"].get<double>(),
        e["final_gops_sd"].get<double>(), Cell(e["fraction_of_best_mean"]), Cell(e["fraction_of_best_min"]));
    for (const nlohmann::ordered_json& r : e["reach"])
      h += fmt::format("<td>{} ({}/{})</td>", Cell(r["measurements_mean"], "{:.0f}"), r["runs_reached"].get<int>(),
                       e["runs"].get<int>());
    const double wall = e["wall_seconds"].get<double>();
    const double outside = e["fit_seconds"].get<double>() + e["search_seconds"].get<double>();
    h += fmt::format(
        "<td>{:.1f}</td><td>{:.1f}</td><td>{:.2f}</td><td>{:.2f}</td><td>{:.1f}%</td><td>{:.1f}%</td></tr>",
        e["measure_seconds"].get<double>(), e["cost_seconds"].get<double>(), e["fit_seconds"].get<double>(),
        e["search_seconds"].get<double>(), wall > 0 ? 100 * outside / wall : 0.0, 100 * e.value("tuner_share", 0.0));
  }
  h += "</table>";

  h += "<h2>Layers</h2><table><tr><th class=\"l\">layer</th><th class=\"l\">shape</th><th>valid schedules</th><th>in "
       "database</th><th>best known cycles</th><th>GOPS</th><th class=\"l\">schedule</th></tr>";
  for (const nlohmann::ordered_json& l : results["layers"]) {
    const bool has = !l["best_known"].is_null();
    h += fmt::format(
        "<tr><td class=\"l\">{}</td><td class=\"l\">{}</td><td>{}</td><td>{}{}</td><td>{}</td><td>{}</td><td "
        "class=\"s\"><code>{}</code></td></tr>",
        HtmlEscape(l["name"]), HtmlEscape(ShapeOnly(l)), l["valid_points"].get<uint64_t>(),
        l["points_in_database"].get<uint64_t>(), l.value("exhaustive", false) ? " (all)" : "",
        has ? std::to_string(l["best_known"]["cycles"].get<uint64_t>()) : "-",
        has ? Num(l["best_known"]["gops"].get<double>()) : "-",
        has ? HtmlEscape(CompactSchedule(l["best_known"]["schedule"])) : "");
  }
  h += "</table></body></html>\n";
  return h;
}

}  // namespace dcoc::agents::tune
