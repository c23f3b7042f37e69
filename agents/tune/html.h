// Small helpers of the self-contained HTML reports (inline SVG, no scripts): `dcoc bench tuners`
// (agents/tune/report.cpp) and `dcoc bench codesign` (agents/dcoc/codesign_report_html.cpp).
#pragma once

#include <string>

namespace dcoc::agents::tune {

std::string HtmlEscape(const std::string& s);  // & < > " as entities
double NiceStep(double max, int n);            // a 1/2/2.5/5 x 10^k step for about n ticks over [0, max]
std::string Num(double v);                     // a tick label: integers plain, else 0-2 decimals by size

// A line plot's frame in an SVG of W x H with margins L, R, T, B: x over [x0, x1], y over [y0, y1].
struct Plot {
  double W = 560, H = 330, L = 62, R = 14, T = 34, B = 46;
  double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  double X(double x) const { return L + (W - L - R) * (x - x0) / (x1 - x0); }
  double Y(double y) const { return H - B - (H - T - B) * (y - y0) / (y1 - y0); }
  // The opening <svg> tag, grid lines with tick labels every xstep / ystep, the border and the axis titles.
  std::string Open(double xstep, double ystep, const std::string& xtitle, const std::string& ytitle) const;
};

}  // namespace dcoc::agents::tune
