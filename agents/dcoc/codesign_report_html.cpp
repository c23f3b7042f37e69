// report.html of `dcoc bench codesign`: a self-contained page (inline SVG and CSS, no scripts) from
// CodesignResults' document.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "agents/dcoc/codesign_report.h"
#include "agents/tune/html.h"

namespace dcoc::agents::codesign {

namespace {

using Json = nlohmann::ordered_json;
using tune::HtmlEscape;
using tune::NiceStep;
using tune::Num;

std::string ColorOf(const std::string& label, size_t i) {
  static const std::map<std::string, std::string> fixed = {
      {"dcoc", "#c0392b"}, {"autotvm@default", "#1f5fbf"}, {"chameleon@default", "#2a9d3a"}};
  static const char* other[] = {"#8e44ad", "#16a085", "#d35400", "#2c3e50", "#7f7f7f", "#b7950b", "#1abc9c"};
  if (auto it = fixed.find(label); it != fixed.end()) return it->second;
  return other[i % 7];
}

std::string Opt(const Json& v, const char* spec = "{:.0f}") {
  if (v.is_null()) return "&ndash;";
  return fmt::format(fmt::runtime(spec), v.get<double>());
}

// "mean [min-max]" of a Stats object.
std::string Range(const Json& s, const char* spec) {
  if (s.is_null()) return "&ndash;";
  const std::string mean = fmt::format(fmt::runtime(spec), s["mean"].get<double>());
  if (s["min"] == s["max"]) return mean;
  return fmt::format("{} <span class=\"r\">[{} &ndash; {}]</span>", mean,
                     fmt::format(fmt::runtime(spec), s["min"].get<double>()),
                     fmt::format(fmt::runtime(spec), s["max"].get<double>()));
}

std::string SvgOpen(double w, double h) {
  return fmt::format(
      R"(<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" viewBox="0 0 {} {}" font-family="sans-serif" font-size="11">)",
      w, h, w, h);
}

// Anytime GOPS against measurements: per label the mean over the seeds that have a design at that point,
// and the band between the worst and the best of them.
std::string CurvesPanel(const Json& model) {
  const double W = 900, H = 380, L = 62, R = 200, T = 30, B = 46;
  // GOPS; inferences/s when a task's MACs are unknown (the same ranking: clock / model cycles).
  const double clock_hz = model["clock_mhz"].get<double>() * 1e6;
  const double macs = model["macs"].is_null() ? 0.0 : model["macs"].get<double>();
  const auto value = [&](double cyc) { return macs > 0 ? 2.0 * macs / (cyc / clock_hz) / 1e9 : clock_hz / cyc; };
  struct Curve {
    std::string label;
    std::vector<double> mean, lo, hi;  // 0: no seed has a design
  };
  std::vector<Curve> curves;
  double xmax = 1, ymax = 0;
  for (const Json& e : model["per_label"]) {
    Curve c{e["label"], {}, {}, {}};
    std::vector<std::vector<double>> seeds;
    size_t len = 0;
    for (const Json& r : model["runs"]) {
      if (r["label"] != e["label"]) continue;
      std::vector<double> g;
      for (double cyc : r["curve_cycles"].get<std::vector<double>>()) g.push_back(cyc > 0 ? value(cyc) : 0.0);
      len = std::max(len, g.size());
      seeds.push_back(std::move(g));
    }
    for (size_t i = 0; i < len; ++i) {
      double sum = 0, lo = 1e300, hi = 0;
      int n = 0;
      for (const std::vector<double>& g : seeds) {
        const double v = i < g.size() ? g[i] : 0;  // an unfinished run's curve ends at its last measurement
        if (v <= 0) continue;
        sum += v, lo = std::min(lo, v), hi = std::max(hi, v), ++n;
      }
      c.mean.push_back(n ? sum / n : 0);
      c.lo.push_back(n ? lo : 0);
      c.hi.push_back(hi);
      ymax = std::max(ymax, hi);
    }
    xmax = std::max(xmax, double(len));
    curves.push_back(std::move(c));
  }
  if (ymax <= 0) ymax = 1;
  // The y axis starts near the lowest final value so that the differences between tuners are visible.
  double ymin = ymax;
  for (const Curve& c : curves)
    for (double v : c.lo)
      if (v > 0) ymin = std::min(ymin, v);
  const double ystep = NiceStep((ymax - ymin * 0.9) * 1.05 + 1e-9, 6);
  const double ybot = std::max(0.0, std::floor(ymin * 0.9 / ystep) * ystep);
  const double ytop = std::ceil(ymax * 1.02 / ystep) * ystep;
  const double xstep = NiceStep(xmax, 8);
  tune::Plot plot;
  plot.W = W, plot.H = H, plot.L = L, plot.R = R, plot.T = T, plot.B = B;
  plot.x1 = xmax, plot.y0 = ybot, plot.y1 = ytop;
  const auto X = [&](double x) { return plot.X(x); };
  const auto Y = [&](double y) { return plot.Y(y); };
  std::string svg = plot.Open(xstep, ystep, "measurements",
                              fmt::format("model {} (anytime design)", macs > 0 ? "GOPS" : "inferences/s"));
  svg += fmt::format(R"(<text x="{}" y="18" font-size="13" font-weight="bold">{}: anytime throughput</text>)", L,
                     HtmlEscape(model["model"]));
  for (size_t k = 0; k < curves.size(); ++k) {
    const Curve& c = curves[k];
    const std::string col = ColorOf(c.label, k);
    // Segments where some seed has a design.
    size_t i = 0;
    while (i < c.mean.size()) {
      while (i < c.mean.size() && c.mean[i] <= 0) ++i;
      size_t j = i;
      while (j < c.mean.size() && c.mean[j] > 0) ++j;
      if (j > i) {
        std::string band, line;
        for (size_t q = i; q < j; ++q)
          band += fmt::format("{:.1f},{:.1f} ", X(double(q + 1)), Y(std::max(c.hi[q], ybot)));
        for (size_t q = j; q-- > i;)
          band += fmt::format("{:.1f},{:.1f} ", X(double(q + 1)), Y(std::max(c.lo[q], ybot)));
        for (size_t q = i; q < j; ++q)
          line += fmt::format("{:.1f},{:.1f} ", X(double(q + 1)), Y(std::max(c.mean[q], ybot)));
        svg += fmt::format(R"(<polygon points="{}" fill="{}" fill-opacity="0.13" stroke="none"/>)", band, col);
        svg += fmt::format(R"(<polyline points="{}" fill="none" stroke="{}" stroke-width="1.8"/>)", line, col);
      }
      i = j;
    }
    const double y = T + 8 + 16.0 * double(k);
    svg += fmt::format(
        R"(<line x1="{:.1f}" x2="{:.1f}" y1="{:.1f}" y2="{:.1f}" stroke="{}" stroke-width="2.5"/><text x="{:.1f}" y="{:.1f}">{}</text>)",
        W - R + 10, W - R + 30, y, y, col, W - R + 35, y + 4, HtmlEscape(c.label));
  }
  return svg + "</svg>";
}

// The hardware points one DCOC run measured, round by round: a row per configuration (in the order of its
// first measurement), a bar per round on each configuration it measured (darker: more of the round's
// measurements), and the incumbent (the configuration of the best design when the round began) as a black line.
std::string HardwarePanel(const Json& run) {
  const std::vector<std::string> configs = run["configs_measured"];
  const Json& rounds = run["rounds"];
  if (configs.empty() || rounds.empty()) return "";
  const double rowh = 22, L = 330, R = 20, T = 30, B = 40, W = 900;
  const double H = T + B + rowh * double(configs.size());
  const double x0 = rounds[0]["done"].get<double>(), x1 = std::max(x0 + 1, run["trials"].get<double>());
  const auto X = [&](double x) { return L + (W - L - R) * (x - x0) / (x1 - x0); };
  const auto Row = [&](const std::string& c) {
    return double(std::find(configs.begin(), configs.end(), c) - configs.begin());
  };
  std::string svg = SvgOpen(W, H);
  svg += fmt::format(
      R"(<text x="10" y="18" font-size="13" font-weight="bold">{} seed {}: hardware measured per round</text>)",
      HtmlEscape(run["label"]), run["seed"].get<uint64_t>());
  for (size_t k = 0; k < configs.size(); ++k) {
    const double y = T + rowh * double(k);
    svg += fmt::format(R"(<rect x="{}" y="{:.1f}" width="{}" height="{}" fill="{}"/>)", L, y, W - L - R, rowh,
                       k % 2 ? "#fafafa" : "#f2f2f2");
    svg += fmt::format(R"(<text x="{}" y="{:.1f}" text-anchor="end" font-family="monospace" font-size="10">{}</text>)",
                       L - 6, y + rowh / 2 + 4, HtmlEscape(configs[k]));
  }
  for (size_t i = 0; i < rounds.size(); ++i) {
    const Json& rd = rounds[i];
    const double a = rd["done"].get<double>(), b = i + 1 < rounds.size() ? rounds[i + 1]["done"].get<double>() : x1;
    int64_t total = 0;
    for (const auto& [c, m] : rd["measured"].items()) total += m["measurements"].get<int64_t>();
    for (const auto& [c, m] : rd["measured"].items()) {
      const double share = total ? double(m["measurements"].get<int64_t>()) / double(total) : 0;
      const double y = T + rowh * Row(c) + 4;
      svg += fmt::format(
          R"(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{}" fill="#c0392b" fill-opacity="{:.2f}"><title>round {}: {} measurements ({} ok) on {}</title></rect>)",
          X(a) + 1, y, std::max(1.0, X(b) - X(a) - 2), rowh - 8, 0.25 + 0.75 * share, rd["round"].get<int>(),
          m["measurements"].get<int64_t>(), m["ok"].get<int64_t>(), HtmlEscape(c));
    }
    if (rd["incumbent"].is_string() && rd["incumbent"] != "?") {
      const double y = T + rowh * Row(rd["incumbent"]) + rowh / 2;
      svg += fmt::format(R"(<line x1="{:.1f}" x2="{:.1f}" y1="{:.1f}" y2="{:.1f}" stroke="#000" stroke-width="2.5"/>)",
                         X(a), X(b), y, y);
    }
    svg +=
        fmt::format(R"(<line x1="{0:.1f}" x2="{0:.1f}" y1="{1}" y2="{2:.1f}" stroke="#999" stroke-dasharray="2 3"/>)",
                    X(a), T, H - B);
    svg += fmt::format(R"(<text x="{:.1f}" y="{:.1f}" fill="#444">{}</text>)", X(a) + 2, H - B + 14,
                       rd["done"].get<int64_t>());
  }
  svg +=
      fmt::format(R"(<text x="{:.1f}" y="{:.1f}" text-anchor="middle" fill="#222">measurements (round starts)</text>)",
                  (L + W - R) / 2, H - 8);
  return svg + "</svg>";
}

std::string TimeCells(const Json& t) {
  std::string h;
  for (const char* k : {"wall", "measure", "measurement_cost", "model_builds", "learning", "search", "checkpoint"})
    h += "<td>" + Opt(t[k], "{:.1f}") + "</td>";
  h += "<td>" + Opt(t["memoized"]) + "</td>";
  return h;
}

std::string ModelSection(const Json& m) {
  std::string h;
  h += fmt::format("<h2>{}{}</h2>", HtmlEscape(m["model"]),
                   m["board"].is_null() ? std::string(" (board unknown)") : " on " + HtmlEscape(m["board"]));
  h += fmt::format("<p class=\"note\">@default: <code>{}</code></p>",
                   m["default_config"].is_null() ? "none" : HtmlEscape(m["default_config"]));
  h += fmt::format(
      "<p class=\"note\">{} tasks, {} GMAC per inference; board {}, clock {} MHz (GOPS and inferences/s at this "
      "clock).</p>",
      m["tasks"].size(),
      m["macs"].is_null() ? "unknown (tasks without a measurement or a built-in layer: no GOPS)"
                          : fmt::format("{:.3f}", m["macs"].get<double>() / 1e9),
      m["board"].is_null() ? "&ndash;" : HtmlEscape(m["board"]), Num(m["clock_mhz"].get<double>()));
  h += "<div class=\"grid\">" + CurvesPanel(m) + "</div>";

  h += "<h3>Final designs (over seeds: mean [min &ndash; max])</h3><table><tr><th class=\"l\">tuner@hardware</th>"
       "<th>seeds</th><th>model cycles</th><th>GOPS</th><th>inferences/s</th><th class=\"l\">hardware</th></tr>";
  for (const Json& e : m["per_label"])
    h += fmt::format(
        "<tr><td class=\"l\">{}</td><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"l\"><code>{}</code>"
        "</td></tr>",
        HtmlEscape(e["label"]),
        fmt::format("{}{}", e["seeds"].size(),
                    e["unfinished_runs"].get<int64_t>() > 0
                        ? fmt::format(" (+{} unfinished: curves only)", e["unfinished_runs"].get<int64_t>())
                        : std::string()),
        e["with_design"].get<size_t>() < e["seeds"].size()
            ? fmt::format(" ({} with a design)", e["with_design"].get<size_t>())
            : "",
        Range(e["cycles"], "{:.0f}"), Range(e["gops"], "{:.2f}"), Range(e["inferences_per_second"], "{:.2f}"),
        HtmlEscape(fmt::format("{}", fmt::join(e["hardware"].get<std::vector<std::string>>(), ", "))));
  h += "</table>";

  if (!m["comparisons"].empty()) {
    h += "<h3>DCOC against the baselines</h3><p class=\"note\">Speedup: the baseline's model cycles over DCOC's "
         "(geometric means over seeds; the range over all seed pairs). Measurements to reach: the first measurement "
         "at which DCOC's anytime design is at least as fast as the baseline's final design, over (DCOC seed, "
         "baseline seed) pairs that reached it; beside it, the baseline's own measurements to its final design.</p>";
    h += "<table><tr><th class=\"l\">DCOC</th><th class=\"l\">baseline</th><th>speedup</th><th>DCOC's measurements "
         "to reach</th><th>pairs reached</th><th>baseline's to its final</th></tr>";
    for (const Json& c : m["comparisons"])
      h += fmt::format(
          "<tr><td class=\"l\">{}</td><td class=\"l\">{}</td><td>{:.3f} <span class=\"r\">[{:.3f} &ndash; {:.3f}]"
          "</span></td><td>{}</td><td>{}/{}</td><td>{}</td></tr>",
          HtmlEscape(c["dcoc"]), HtmlEscape(c["baseline"]), c["speedup"].get<double>(),
          c["speedup_pairs"]["min"].get<double>(), c["speedup_pairs"]["max"].get<double>(),
          Range(c["measurements_to_reach"], "{:.0f}"), c["pairs_reached"].get<int64_t>(), c["pairs"].get<int64_t>(),
          Range(c["baseline_measurements_to_its_final"], "{:.0f}"));
    h += "</table>";
  }

  if (!m["hardware_software"].empty()) {
    h += "<h3>What hardware and what software contributed</h3><p class=\"note\">Per DCOC run, the baseline on the "
         "default hardware and on the hardware that run chose (the baseline's run of the same seed): default / chosen "
         "is the hardware's share of DCOC's speedup, chosen / DCOC the software's; their product is the whole. Over "
         "several runs, the first row is the geometric mean of the rows of the runs below it.</p>"
         "<table><tr><th class=\"l\">DCOC</th><th class=\"l\">baseline</th><th>seed</th><th class=\"l\">DCOC's "
         "hardware</th><th>speedup</th><th>hardware</th><th>software</th></tr>";
    const auto row = [&](const Json& c, const std::string& dcoc, const std::string& base, const std::string& seed) {
      const std::string hw = c["hardware"].is_null() ? std::string("(per seed)") : c["hardware"].get<std::string>();
      h += fmt::format(
          "<tr><td class=\"l\">{}</td><td class=\"l\">{}</td><td>{}</td><td class=\"l\"><code>{}</code></td>"
          "<td>{:.3f}</td><td>{:.3f}</td><td>{:.3f}</td></tr>",
          HtmlEscape(dcoc), HtmlEscape(base), seed, HtmlEscape(hw), c["speedup"].get<double>(),
          c["hardware_share"].get<double>(), c["software_share"].get<double>());
    };
    for (const Json& c : m["hardware_software"]) {
      const int64_t n = c["runs"].get<int64_t>();
      row(c, c["dcoc"], c["baseline"], n == 1 ? "1 run" : fmt::format("mean of {} runs", n));
      if (c["per_seed"].size() > 1)
        for (const Json& p : c["per_seed"]) row(p, "", "", std::to_string(p["seed"].get<int64_t>()));
    }
    h += "</table>";
  }

  h += "<h3>Wall-clock time (seconds, mean over seeds)</h3><p class=\"note\">measure: waiting for measurements "
       "(DCOC: including its model builds); cost: the measurements' own time, also of memoized ones; model builds: "
       "time spent building verilated models of new hardware points; learning: cost-model and agent training; search: "
       "proposing candidates. &ndash;: not recorded by that tuner. Memoized measurements cost almost nothing, so the "
       "wall times of runs on a shared database are not comparable; the costs are.</p>";
  h += "<table><tr><th class=\"l\">tuner@hardware</th><th>wall</th><th>measure</th><th>cost</th><th>model "
       "builds</th><th>learning</th><th>search</th><th>checkpoint</th><th>memoized</th></tr>";
  for (const Json& e : m["per_label"])
    h += fmt::format("<tr><td class=\"l\">{}</td>{}</tr>", HtmlEscape(e["label"]), TimeCells(e["time_mean"]));
  h += "</table>";

  h += "<h3>Runs</h3><table><tr><th class=\"l\">tuner@hardware</th><th>seed</th><th class=\"l\">files</th><th>"
       "measurements</th><th>model cycles</th><th>GOPS</th><th>to its final</th><th class=\"l\">notes</th></tr>";
  for (const Json& r : m["runs"]) {
    std::vector<std::string> notes = r["warnings"];
    if (r.value("unfinished", false))
      notes.push_back(fmt::format("unfinished: {} of {} measurements (no result line yet; left out of the summaries)",
                                  r["curve_cycles"].size(), r["trials"].get<int64_t>()));
    if (r["starts_at"].get<int64_t>() > 0)
      notes.push_back(fmt::format("events from measurement {} (the ones before are not in the input)",
                                  r["starts_at"].get<int64_t>()));
    if (r["final"].contains("default_schedule_tasks") && !r["final"]["default_schedule_tasks"].empty())
      notes.push_back(
          fmt::format("at the default schedule: {}",
                      fmt::join(r["final"]["default_schedule_tasks"].get<std::vector<std::string>>(), ", ")));
    if (r.contains("superseded"))
      notes.push_back(fmt::format("replaces {}", fmt::join(r["superseded"].get<std::vector<std::string>>(), ", ")));
    std::string files;
    for (const Json& f : r["files"]) files += (files.empty() ? "" : "<br>") + HtmlEscape(f);
    std::string note_text;
    for (const std::string& n : notes) note_text += (note_text.empty() ? "" : "; ") + HtmlEscape(n);
    h += fmt::format(
        "<tr><td class=\"l\">{}</td><td>{}</td><td class=\"s\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
        "<td class=\"s\">{}</td></tr>",
        HtmlEscape(r["label"]), r["seed"].get<uint64_t>(), files, r["trials"].get<int64_t>(), Opt(r["final"]["cycles"]),
        Opt(r["final"].value("gops", Json(nullptr)), "{:.2f}"), Opt(r["measurements_to_final"]), note_text);
  }
  h += "</table>";

  // DCOC's hardware.
  bool any = false;
  for (const Json& r : m["runs"]) any |= r.contains("hardware");
  if (any) {
    h += "<h3>DCOC's chosen hardware and its resources</h3><p class=\"note\">Recorded: the resource model of the run's "
         "binary; model: today's resource model (boards library), with the share of the board's cap each resource "
         "uses.</p><table><tr><th class=\"l\">run</th><th class=\"l\">configuration</th><th>LUT</th><th>FF</th><th>"
         "DSP</th><th>BRAM36</th><th class=\"l\">recorded</th></tr>";
    for (const Json& r : m["runs"]) {
      if (!r.contains("hardware") || !r["hardware"].contains("config_tag")) continue;
      const Json& hw = r["hardware"];
      std::string cells;
      for (const char* k : {"lut", "ff", "dsp", "bram36"}) {
        if (!hw.contains("fit")) {
          cells += "<td>&ndash;</td>";
          continue;
        }
        const Json& f = hw["fit"]["resources"][k];
        cells += fmt::format("<td>{} <span class=\"r\">({}% of cap)</span></td>", Num(f["used"].get<double>()),
                             f["of_cap"].is_number() ? fmt::format("{:.1f}", 100 * f["of_cap"].get<double>()) : "inf");
      }
      std::string rec;
      if (hw.contains("resources_recorded"))
        for (const char* k : {"lut", "ff", "dsp", "bram36"})
          rec += fmt::format("{}{} {}", rec.empty() ? "" : ", ", k, Num(hw["resources_recorded"][k].get<double>()));
      h += fmt::format(
          "<tr><td class=\"l\">{} seed {}</td><td class=\"l\"><code>{}</code></td>{}<td class=\"s\">{}</td></tr>",
          HtmlEscape(r["label"]), r["seed"].get<uint64_t>(), HtmlEscape(hw["config_tag"]), cells, rec);
    }
    h += "</table>";
    h += "<h3>Hardware configurations DCOC visited</h3><p class=\"note\">Per round (a dashed line at its first "
         "measurement): the configurations it measured (red, darker for a larger share of the round) and the "
         "incumbent, the configuration of the best whole-model design when the round began (black). Hover a bar for "
         "its counts.</p>";
    for (const Json& r : m["runs"]) {
      if (!r.contains("rounds")) continue;
      h += "<div class=\"grid\">" + HardwarePanel(r) + "</div>";
      h += fmt::format(
          "<table><tr><th>round</th><th>from</th><th class=\"l\">measured (ok)</th><th>best model cycles "
          "when it began</th><th class=\"l\">incumbent</th></tr>");
      for (const Json& rd : r["rounds"]) {
        std::string meas;
        for (const auto& [c, v] : rd["measured"].items())
          meas += fmt::format("{}<code>{}</code> {} ({})", meas.empty() ? "" : "<br>", HtmlEscape(c),
                              v["measurements"].get<int64_t>(), v["ok"].get<int64_t>());
        h += fmt::format(
            "<tr><td>{}</td><td>{}</td><td class=\"s\">{}</td><td>{}</td><td class=\"l\"><code>{}</code></td></tr>",
            rd["round"].get<int>(), rd["done"].get<int64_t>(), meas, Opt(rd["best_model_cycles"]),
            rd["incumbent"].is_null() ? "&ndash;" : HtmlEscape(rd["incumbent"]));
      }
      h += "</table>";
    }
  }
  return h;
}

}  // namespace

std::string CodesignReportHtml(const Json& results) {
  std::string h;
  h += R"(<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>dcoc co-design benchmark</title><style>
body{font-family:sans-serif;margin:24px;color:#222;max-width:1240px}
h1{font-size:22px}h2{font-size:19px;margin-top:32px;border-bottom:1px solid #ccc}h3{font-size:15px;margin-top:22px}
.grid{display:flex;flex-wrap:wrap;gap:10px;margin:8px 0}
.grid svg{border:1px solid #ddd;background:#fff}
table{border-collapse:collapse;font-size:13px;margin:8px 0}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:right;vertical-align:top}
td.s{max-width:460px;text-align:left;font-size:12px}
th{background:#f2f2f2}td.l,th.l{text-align:left}
.r{color:#777;font-size:12px}
.note{color:#555;font-size:13px;max-width:1100px}
</style></head><body>)";
  h += "<h1>DCOC co-design benchmark</h1>";
  if (!results.value("command", "").empty())
    h += fmt::format("<p class=\"note\">Command: <code>{}</code></p>", HtmlEscape(results["command"]));
  h += fmt::format(
      "<p class=\"note\"><b>Labels</b>: tuner@hardware; @default is the configuration DCOC's runs of the model and "
      "board started from (or --default-config). <b>Anytime design</b>: {}</p>",
      HtmlEscape(results["anytime_rule"]));
  h += "<p class=\"note\"><b>Not recorded</b>: ";
  for (const Json& n : results["not_recorded"]) h += HtmlEscape(n) + "; ";
  h += "</p>";
  if (!results["skipped"].empty()) {
    h += "<p class=\"note\"><b>Skipped files</b>: ";
    for (const Json& s : results["skipped"]) h += HtmlEscape(s["file"]) + " (" + HtmlEscape(s["reason"]) + "); ";
    h += "</p>";
  }
  const Json& g = results["geomean"];
  if (results["models"].size() > 1 || !g["speedup"].empty()) {
    h += fmt::format(
        "<h2>Geometric mean over models (per board)</h2><table><tr><th class=\"l\">board</th><th "
        "class=\"l\">tuner@hardware</th><th>models</th><th>GOPS</th></tr>");
    for (const Json& e : g["gops"])
      h += fmt::format("<tr><td class=\"l\">{}</td><td class=\"l\">{}</td><td>{}</td><td>{:.2f}</td></tr>",
                       HtmlEscape(e["board"]), HtmlEscape(e["label"]), e["models"].get<size_t>(),
                       e["gops_geomean"].get<double>());
    h += "</table><table><tr><th class=\"l\">board</th><th class=\"l\">DCOC</th><th class=\"l\">baseline</th><th>"
         "models</th><th>speedup</th></tr>";
    for (const Json& e : g["speedup"])
      h += fmt::format(
          "<tr><td class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td><td>{}</td><td>{:.3f}</td></tr>",
          HtmlEscape(e["board"]), HtmlEscape(e["dcoc"]), HtmlEscape(e["baseline"]), e["models"].get<size_t>(),
          e["speedup_geomean"].get<double>());
    h += "</table>";
  }
  for (const Json& m : results["models"]) h += ModelSection(m);
  h += "</body></html>\n";
  return h;
}

}  // namespace dcoc::agents::codesign
