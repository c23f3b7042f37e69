#include "host/spec/hw_space.h"

#include <charconv>

#include <fmt/format.h>

#include "host/common/error.h"

namespace dcoc::spec {

namespace {
const KeyRange& RangeOf(std::string_view key) {
  for (const KeyRange& r : IntegerKeyRanges())
    if (r.key == key) return r;
  std::string keys;
  for (const KeyRange& r : IntegerKeyRanges()) keys += (keys.empty() ? "" : ", ") + std::string(r.key);
  throw ConfigError(fmt::format("hardware space: unknown key \"{}\" (known: {})", key, keys));
}

std::vector<int> Range(int lo, int hi) {
  std::vector<int> v;
  for (int x = lo; x <= hi; ++x) v.push_back(x);
  return v;
}

int ParseInt(std::string_view s, std::string_view item) {
  int v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size())
    throw ConfigError(fmt::format("hardware space: \"{}\" is not an integer in \"{}\"", s, item));
  return v;
}
}  // namespace

HwSpace HwSpace::Default() {
  HwSpace h;
  h.Set("LOG_BATCH", Range(0, 2));
  h.Set("LOG_BLOCK_IN", Range(3, 6));
  h.Set("LOG_BLOCK_OUT", Range(3, 6));
  h.Set("LOG_INP_BUFF_SIZE", Range(13, 18));
  h.Set("LOG_WGT_BUFF_SIZE", Range(13, 18));
  h.Set("LOG_ACC_BUFF_SIZE", Range(13, 18));
  h.Set("LOG_BUS_WIDTH", Range(6, 9));
  return h;
}

void HwSpace::Set(std::string_view key, std::vector<int> v) {
  const KeyRange& r = RangeOf(key);
  if (v.empty()) throw ConfigError(fmt::format("hardware space: key {} has no values", key));
  for (int x : v)
    if (x < r.lo || x > r.hi)
      throw ConfigError(fmt::format("hardware space: {} = {} is out of range [{}, {}]", key, x, r.lo, r.hi));
  for (auto& [k, vals] : values)
    if (k == key) {
      vals = std::move(v);
      return;
    }
  values.emplace_back(std::string(key), std::move(v));
}

uint64_t HwSpace::Size() const {
  uint64_t n = 1;
  for (const auto& kv : values) n *= kv.second.size();
  return n;
}

uint64_t HwSpace::ForEach(const std::function<bool(const Spec&)>& fn) const {
  std::vector<int HwConfig::*> members;
  for (const auto& kv : values) members.push_back(RangeOf(kv.first).member);
  std::vector<size_t> idx(values.size(), 0);
  uint64_t skipped = 0;
  for (;;) {
    HwConfig c = base;
    for (size_t k = 0; k < values.size(); ++k) c.*members[k] = values[k].second[idx[k]];
    bool go = true;
    try {
      const Spec s = Spec::Create(c);
      go = fn(s);
    } catch (const ConfigError&) {
      ++skipped;
    }
    if (!go) return skipped;
    size_t k = values.size();
    while (k > 0) {
      --k;
      if (++idx[k] < values[k].second.size()) break;
      idx[k] = 0;
      if (k == 0) return skipped;
    }
    if (values.empty()) return skipped;
  }
}

HwSpace ParseHwSpace(std::string_view text, HwSpace space) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find(',', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view item = text.substr(pos, end - pos);
    pos = end + 1;
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos)
      throw ConfigError(fmt::format("hardware space: \"{}\" is not KEY=lo-hi or KEY=a|b|c", item));
    const std::string_view key = item.substr(0, eq), val = item.substr(eq + 1);
    std::vector<int> v;
    if (const size_t dash = val.find('-'); dash != std::string_view::npos && dash > 0) {
      const int lo = ParseInt(val.substr(0, dash), item), hi = ParseInt(val.substr(dash + 1), item);
      if (lo > hi) throw ConfigError(fmt::format("hardware space: empty range in \"{}\"", item));
      v = Range(lo, hi);
    } else {
      size_t p = 0;
      while (p <= val.size()) {
        size_t bar = val.find('|', p);
        if (bar == std::string_view::npos) bar = val.size();
        v.push_back(ParseInt(val.substr(p, bar - p), item));
        p = bar + 1;
      }
    }
    space.Set(key, std::move(v));
  }
  return space;
}

}  // namespace dcoc::spec
