#include "host/compiler/layer.h"

#include <fmt/format.h>

#include <utility>

#include "host/common/error.h"

namespace dcoc::compiler {

std::string_view Name(ConvKind k) {
  switch (k) {
    case ConvKind::kConv2d:
      return "conv2d";
    case ConvKind::kDepthwise:
      return "depthwise_conv2d";
    case ConvKind::kDense:
      return "dense";
  }
  return "?";
}

int64_t ConvLayer::Macs() const {
  const int64_t red = kind == ConvKind::kDepthwise ? int64_t(r) * s : int64_t(c) * r * s;
  return int64_t(n) * k * OutH() * OutW() * red;
}

std::string ConvLayer::Describe() const {
  return fmt::format("{}{}{} N={} C={} H={} W={} K={} R={} S={} stride={}x{} pad={}x{}{}", name, name.empty() ? "" : ": ",
                     Name(kind), n, c, h, w, k, r, s, stride_h, stride_w, pad_h, pad_w,
                     isa == spec::Isa::kVta ? " isa=vta" : "");
}

void ConvLayer::Validate() const {
  auto need = [&](bool ok, std::string_view what) {
    if (!ok) throw UsageError(fmt::format("layer {}: {}", Describe(), what));
  };
  need(n >= 1 && c >= 1 && h >= 1 && w >= 1 && k >= 1 && r >= 1 && s >= 1, "every dimension must be at least 1");
  need(stride_h >= 1 && stride_w >= 1, "strides must be at least 1");
  need(pad_h >= 0 && pad_w >= 0, "padding must not be negative");
  need(OutH() >= 1 && OutW() >= 1, "the kernel does not fit the padded input (output would be empty)");
  need(kind != ConvKind::kDepthwise || k == c, "depthwise conv2d needs K == C");
  need(kind != ConvKind::kDense || (h == 1 && w == 1 && r == 1 && s == 1 && pad_h == 0 && pad_w == 0),
       "dense needs H = W = R = S = 1 and no padding");
  need(int64_t(n) * c * h * w <= (int64_t(1) << 31) && int64_t(k) * c * r * s <= (int64_t(1) << 31), "layer too large");
  need(epilogue.channel_shift.empty() || int(epilogue.channel_shift.size()) == k,
       fmt::format("{} channel shifts for {} output channels", epilogue.channel_shift.size(), k));
}

namespace {

// The integer fields of a layer, in JSON and key order.
constexpr std::pair<const char*, int ConvLayer::*> kDims[] = {
    {"n", &ConvLayer::n},           {"c", &ConvLayer::c},           {"h", &ConvLayer::h},
    {"w", &ConvLayer::w},           {"k", &ConvLayer::k},           {"r", &ConvLayer::r},
    {"s", &ConvLayer::s},           {"stride_h", &ConvLayer::stride_h}, {"stride_w", &ConvLayer::stride_w},
    {"pad_h", &ConvLayer::pad_h},   {"pad_w", &ConvLayer::pad_w}};

ConvKind KindFromName(std::string_view s) {
  for (ConvKind k : {ConvKind::kConv2d, ConvKind::kDepthwise, ConvKind::kDense})
    if (Name(k) == s) return k;
  throw UsageError(fmt::format("layer kind \"{}\" is not conv2d, depthwise_conv2d or dense", s));
}

int IntAt(const nlohmann::json& j, const char* key, std::string_view where) {
  if (!j.contains(key)) throw UsageError(fmt::format("{} lacks key \"{}\"", where, key));
  const nlohmann::json& v = j.at(key);
  if (!v.is_number_integer() || v.get<int64_t>() < INT32_MIN || v.get<int64_t>() > INT32_MAX)
    throw UsageError(fmt::format("{} key \"{}\" must be a 32-bit integer, got {}", where, key, v.dump()));
  return v.get<int>();
}

}  // namespace

nlohmann::ordered_json ToJson(const ConvLayer& l) {
  nlohmann::ordered_json j;
  j["name"] = l.name;
  j["kind"] = Name(l.kind);
  for (const auto& [key, member] : kDims) j[key] = l.*member;
  nlohmann::ordered_json e;
  e["bias"] = l.epilogue.bias;
  e["shift"] = l.epilogue.shift;
  e["clip_lo"] = l.epilogue.clip_lo ? nlohmann::ordered_json(*l.epilogue.clip_lo) : nlohmann::ordered_json(nullptr);
  e["clip_hi"] = l.epilogue.clip_hi ? nlohmann::ordered_json(*l.epilogue.clip_hi) : nlohmann::ordered_json(nullptr);
  if (!l.epilogue.channel_shift.empty()) e["channel_shift"] = l.epilogue.channel_shift;
  j["epilogue"] = e;
  if (l.isa != spec::Isa::kVtaPlus) j["isa"] = spec::Name(l.isa);
  return j;
}

ConvLayer LayerFromJson(const nlohmann::json& j) {
  if (!j.is_object()) throw UsageError(fmt::format("a layer must be a JSON object, got {}", j.dump()));
  for (const auto& [key, v] : j.items()) {
    bool known = key == "name" || key == "kind" || key == "epilogue" || key == "isa";
    for (const auto& d : kDims) known = known || key == d.first;
    if (!known) throw UsageError(fmt::format("unknown layer key \"{}\"", key));
  }
  ConvLayer l;
  if (j.contains("name")) {
    if (!j["name"].is_string()) throw UsageError(fmt::format("layer key \"name\" must be a string, got {}", j["name"].dump()));
    l.name = j["name"].get<std::string>();
  }
  if (!j.contains("kind") || !j["kind"].is_string()) throw UsageError("layer lacks a string key \"kind\"");
  l.kind = KindFromName(j["kind"].get<std::string>());
  for (const auto& [key, member] : kDims) l.*member = IntAt(j, key, "layer");
  if (j.contains("isa")) {
    if (!j["isa"].is_string()) throw UsageError(fmt::format("layer key \"isa\" must be a string, got {}", j["isa"].dump()));
    l.isa = spec::IsaFromName(j["isa"].get<std::string>());
  }
  if (j.contains("epilogue")) {
    const nlohmann::json& e = j["epilogue"];
    if (!e.is_object()) throw UsageError(fmt::format("layer key \"epilogue\" must be an object, got {}", e.dump()));
    for (const auto& [key, v] : e.items())
      if (key != "bias" && key != "shift" && key != "clip_lo" && key != "clip_hi" && key != "channel_shift")
        throw UsageError(fmt::format("unknown epilogue key \"{}\"", key));
    if (e.contains("bias")) {
      if (!e["bias"].is_boolean()) throw UsageError(fmt::format("epilogue key \"bias\" must be true or false, got {}", e["bias"].dump()));
      l.epilogue.bias = e["bias"].get<bool>();
    }
    if (e.contains("shift")) l.epilogue.shift = IntAt(e, "shift", "epilogue");
    for (const char* key : {"clip_lo", "clip_hi"}) {
      std::optional<int32_t>& dst = std::string_view(key) == "clip_lo" ? l.epilogue.clip_lo : l.epilogue.clip_hi;
      if (e.contains(key) && !e[key].is_null()) dst = IntAt(e, key, "epilogue");
    }
    if (e.contains("channel_shift")) {
      const nlohmann::json& cs = e["channel_shift"];
      if (!cs.is_array()) throw UsageError(fmt::format("epilogue key \"channel_shift\" must be an array, got {}", cs.dump()));
      for (const nlohmann::json& v : cs) {
        if (!v.is_number_integer() || v.get<int64_t>() < -64 || v.get<int64_t>() > 64)
          throw UsageError(fmt::format("epilogue channel_shift value {} is not an integer in [-64, 64]", v.dump()));
        l.epilogue.channel_shift.push_back(v.get<int32_t>());
      }
    }
  }
  l.Validate();
  return l;
}

std::string TaskKey(const ConvLayer& l) {
  std::string key = fmt::format("{}:n{},c{},h{},w{},k{},r{},s{},sh{},sw{},ph{},pw{}:", Name(l.kind), l.n, l.c, l.h, l.w,
                                l.k, l.r, l.s, l.stride_h, l.stride_w, l.pad_h, l.pad_w);
  const reference::Epilogue& e = l.epilogue;
  key += fmt::format("{}shr{}", e.bias ? "bias," : "", e.channel_shift.empty() ? std::to_string(e.shift) : "channel");
  if (e.clip_lo || e.clip_hi)
    key += fmt::format(",clip{}..{}", e.clip_lo ? std::to_string(*e.clip_lo) : "", e.clip_hi ? std::to_string(*e.clip_hi) : "");
  if (l.isa != spec::Isa::kVtaPlus) key += fmt::format(":isa={}", spec::Name(l.isa));
  return key;
}

}  // namespace dcoc::compiler
