// Small helpers of the self-contained HTML reports (inline SVG, no scripts): `dcoc bench tuners`
// (agents/tune/report.cpp) and `dcoc bench codesign` (agents/dcoc/codesign_report_html.cpp).
#pragma once

#include <string>

namespace dcoc::agents::tune {

std::string HtmlEscape(const std::string& s);  // & < > " as entities
double NiceStep(double max, int n);            // a 1/2/2.5/5 x 10^k step for about n ticks over [0, max]
std::string Num(double v);                     // a tick label: integers plain, else 0-2 decimals by size

}  // namespace dcoc::agents::tune
