// A conv2d, depthwise conv2d or dense layer: its shape and the epilogue applied before the store.
// ToJson / LayerFromJson carry a layer between processes (measurement workers, the tuning database);
// TaskKey names the layer by what decides its program (kind, shape, epilogue, target instruction set),
// not by its name, so the same layer of two models is one tuning task, and the same layer compiled for
// stock VTA is another.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "host/reference/reference.h"
#include "host/spec/vta.h"

namespace dcoc::compiler {

enum class ConvKind : uint8_t { kConv2d, kDepthwise, kDense };
std::string_view Name(ConvKind k);

struct ConvLayer {
  std::string name;
  ConvKind kind = ConvKind::kConv2d;
  int n = 1, c = 1, h = 1, w = 1;  // input NCHW
  int k = 1, r = 1, s = 1;         // output channels (= c for depthwise), kernel rows and columns
  int stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0;
  reference::Epilogue epilogue;  // bias, shift, clip; applied on the ALU before the store
  // The instruction set to compile for: VTA++, or stock VTA's subset (spec/vta.h). It decides the
  // program, so the checker, the schedule space, the estimate and the tuning database all see it.
  spec::Isa isa = spec::Isa::kVtaPlus;

  int OutH() const { return reference::OutSize(h, r, stride_h, pad_h); }
  int OutW() const { return reference::OutSize(w, s, stride_w, pad_w); }
  int64_t Macs() const;
  std::string Describe() const;
  // Throws UsageError when the shape is not a valid layer.
  void Validate() const;
};

// {"name", "kind", "n", "c", ..., "pad_w", "epilogue": {"bias", "shift", "clip_lo", "clip_hi"[, "channel_shift"]}
//  [, "isa": "vta"]} (the key is written only for stock VTA; "vta++" is accepted too).
nlohmann::ordered_json ToJson(const ConvLayer& l);
// Throws UsageError naming the key for a missing or mistyped key, an unknown key, or an invalid shape.
ConvLayer LayerFromJson(const nlohmann::json& j);
// "conv2d:n1,c64,h56,w56,k64,r3,s3,sh1,sw1,ph1,pw1:bias,shr8,clip-128..127" (no name); per-channel
// shifts show as "shrchannel" (their values change data, not the program); stock VTA's target adds
// ":isa=vta".
std::string TaskKey(const ConvLayer& l);

}  // namespace dcoc::compiler
