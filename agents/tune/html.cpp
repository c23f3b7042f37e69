#include "agents/tune/html.h"

#include <fmt/format.h>

#include <cmath>

namespace dcoc::agents::tune {

std::string HtmlEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

double NiceStep(double max, int n) {
  const double raw = max / n;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (raw <= m * p) return m * p;
  return 10 * p;
}

std::string Num(double v) {
  if (v == 0) return "0";
  if (v == std::round(v) && std::abs(v) < 1e9) return fmt::format("{:.0f}", v);
  if (std::abs(v) >= 100) return fmt::format("{:.0f}", v);
  if (std::abs(v) >= 10) return fmt::format("{:.1f}", v);
  return fmt::format("{:.2f}", v);
}

std::string Plot::Open(double xstep, double ystep, const std::string& xtitle, const std::string& ytitle) const {
  std::string svg = fmt::format(
      R"(<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" viewBox="0 0 {} {}" font-family="sans-serif" font-size="11">)",
      W, H, W, H);
  for (double y = y0; y <= y1 + 1e-9; y += ystep)
    svg += fmt::format(
        R"(<line x1="{:.1f}" x2="{:.1f}" y1="{:.1f}" y2="{:.1f}" stroke="#e4e4e4"/><text x="{:.1f}" y="{:.1f}" text-anchor="end" fill="#444">{}</text>)",
        L, W - R, Y(y), Y(y), L - 5, Y(y) + 4, Num(y));
  for (double x = x0; x <= x1 + 1e-9; x += xstep)
    svg += fmt::format(
        R"(<line x1="{:.1f}" x2="{:.1f}" y1="{:.1f}" y2="{:.1f}" stroke="#f0f0f0"/><text x="{:.1f}" y="{:.1f}" text-anchor="middle" fill="#444">{}</text>)",
        X(x), X(x), T, H - B, X(x), H - B + 15, Num(x));
  svg += fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="#999"/>)", L, T, W - L - R,
                     H - T - B);
  svg += fmt::format(R"(<text x="{:.1f}" y="{}" text-anchor="middle" fill="#222">{}</text>)", (L + W - R) / 2, H - 10,
                     HtmlEscape(xtitle));
  svg += fmt::format(
      R"svg(<text transform="translate(14 {:.1f}) rotate(-90)" text-anchor="middle" fill="#222">{}</text>)svg",
      (T + H - B) / 2, HtmlEscape(ytitle));
  return svg;
}

}  // namespace dcoc::agents::tune
